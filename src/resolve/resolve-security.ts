/**
 * The resolve step of the zero-trust policies: their options checked (with or without a service mesh, so that
 * one added later finds nothing wrong), and what each agent asks of them (an exposed agent needs an ingress
 * controller to admit).
 */
import { MeshValidationError } from '../model/errors';
import { parseCidr } from '../model/cidr';
import { AgentModel } from '../model/mesh-model';
import { ServiceMesh } from '../model/service-mesh';
import { requireDnsDomain, requireDnsLabel, requireDnsSubdomain } from '../model/validation';
import { DEFAULT_CLUSTER_CIDRS, McpSecurityOptions, McpSecurityProps } from '../security/security-props';
import { Problems, ResolvedCarrier, deepFreeze } from './problems';

/** The security options as they render. */
export interface ResolvedSecurity {
  /** The ranges inside the cluster, normalized. */
  readonly clusterCidrs: readonly string[];
}

/** Checks the security options; every problem goes to `problems`. */
export function resolveSecurity(options: McpSecurityOptions | undefined, problems: Problems): ResolvedSecurity | undefined {
  const start = problems.count;
  const o = options ?? {};
  problems.run(() => requireDnsDomain('security.trustDomain', o.trustDomain ?? 'cluster.local', 'cluster.local'));
  problems.run(() => o.dns?._validate('security.dns'));
  problems.run(() => o.prometheus?._validate('security.prometheus'));
  problems.run(() => o.ingressController?._validate('security.ingressController'));
  if (o.ingressServiceAccount !== undefined) {
    problems.run(() => requireDnsSubdomain('security.ingressServiceAccount.name', o.ingressServiceAccount!.name));
    problems.run(() => requireDnsLabel('security.ingressServiceAccount.namespace', o.ingressServiceAccount!.namespace));
  }
  const clusterCidrs: string[] = [];
  (o.clusterCidrs ?? DEFAULT_CLUSTER_CIDRS).forEach((cidr, i) => problems.run(() => {
    const range = parseCidr(`security.clusterCidrs[${i}]`, cidr);
    // They are cut out of 0.0.0.0/0 and ::/0 for internet egress, which the API server allows for smaller ranges only.
    if (range.prefix === 0) {
      throw new MeshValidationError(`security.clusterCidrs[${i}]`, cidr, 'is every address, so no address would be "the internet"', 'list the cluster\'s pod, service and node ranges');
    }
    clusterCidrs.push(range.text);
  }));
  return problems.since(start) ? undefined : deepFreeze({ clusterCidrs });
}

/** What an agent asks of the security options that they cannot give. */
export function agentSecurityProblems(agent: AgentModel, options: McpSecurityOptions | undefined, serviceMesh: ServiceMesh | undefined): MeshValidationError[] {
  if (!agent.exposed) return [];
  const controller = options?.ingressController;
  if (controller === undefined && (options?.networkPolicies !== false || serviceMesh === ServiceMesh.ISTIO)) {
    return [new MeshValidationError(`agents.${agent.name}.exposed`, true, 'admits an ingress controller, but none is configured',
      'set security.ingressController to the controller\'s pods, e.g. NetworkPeer.podsInNamespace("ingress-nginx", { "app.kubernetes.io/name": "ingress-nginx" })')];
  }
  if (serviceMesh === ServiceMesh.LINKERD && options?.ingressServiceAccount === undefined) {
    return [new MeshValidationError(`agents.${agent.name}.exposed`, true,
      'admits an ingress controller, which Linkerd can only authorize by its identity, and security.ingressServiceAccount does not name it, so the agent\'s Server would refuse it',
      'mesh the ingress controller (linkerd.io/inject: enabled) and set security.ingressServiceAccount to its ServiceAccount, e.g. { name: "ingress-nginx", namespace: "ingress-nginx" }')];
  }
  if (serviceMesh === ServiceMesh.ISTIO && options?.ingressServiceAccount === undefined && controller?.namespaceLabels?.['kubernetes.io/metadata.name'] === undefined) {
    return [new MeshValidationError('security.ingressController', controller?.namespaceLabels,
      `does not name the ingress controller's namespace, which Istio needs to authorize it to call "${agent.name}"`,
      'use NetworkPeer.podsInNamespace("<namespace>", { ...labels })')];
  }
  return [];
}

/** Security options a mesh resolved, carried to McpSecurity. */
export const RESOLVED_SECURITY = new ResolvedCarrier<McpSecurityProps, ResolvedSecurity>();
