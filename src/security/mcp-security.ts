import { Construct } from 'constructs';
import { callsLabel, providesLabel, selectorLabels } from '../k8s/labels';
import { MeshObject, withinSizeLimit } from '../k8s/mesh-object';
import { MeshValidationError } from '../model/errors';
import { AgentModel, RegistryBackendModel } from '../model/mesh-model';
import { NetworkPeer } from '../model/network-peer';
import { ServiceMesh } from '../model/service-mesh';
import { MESH_OWNER, ObjectOwner, REGISTRY_OWNER, agentOwner, ownedBy } from '../k8s/ownership';
import { resolvedOrThrow } from '../resolve/problems';
import { RESOLVED_SECURITY, agentSecurityProblems, resolveSecurity } from '../resolve/resolve-security';
import { McpSecurityProps, ServiceAccountReference } from './security-props';

export * from './security-props';

/** LLM vendor APIs are HTTPS. */
const INTERNET_PORTS = [443];

type Rule = Record<string, unknown>;

/**
 * Zero trust for a mesh: NetworkPolicies derived from the mesh graph. Every mesh pod is denied all traffic,
 * then allowed DNS, agents reach the registry, each agent reaches the agents that provide what it depends on
 * (their HTTP port only) and admits only the agents that depend on it; backends, Prometheus, an ingress
 * controller and the internet only where configured. One policy per workload plus a few mesh-wide ones;
 * peers are selected by capability labels, so a policy grows with the capabilities its workload provides and
 * calls, never with the number of agents. Istio or Linkerd authorization follows the same graph.
 */
export class McpSecurity extends Construct {
  private readonly props: McpSecurityProps;
  private readonly clusterCidrs: string[];
  private readonly serviceMesh: ServiceMesh;
  /** Workloads whose Linkerd authorization objects exist already. */
  private readonly authorized = new Set<string>();

  constructor(scope: Construct, id: string, props: McpSecurityProps) {
    super(scope, id);
    this.props = props;
    const resolved = RESOLVED_SECURITY.take(props) ?? resolvedOrThrow((problems) => resolveSecurity(props, problems));
    this.clusterCidrs = [...resolved.clusterCidrs];
    this.serviceMesh = props.serviceMesh ?? ServiceMesh.NONE;
    const meshPods = { 'app.kubernetes.io/instance': props.instance, 'app.kubernetes.io/part-of': 'mcp-mesh' };
    if (this.serviceMesh === ServiceMesh.ISTIO) this.istioMeshWide(meshPods);
    const registry = props.model.registry;
    this.mtls(registry.name, registry.port, 'http', this.registrySelector(), () => props.model.agents.map((a) => a.name), [], REGISTRY_OWNER);
    // The admin API: Istio's registry policy admits the agents to the http port only; Linkerd gets a Server
    // for the admin port without an authorization, which admits nobody (but kubelet probes).
    if (this.serviceMesh === ServiceMesh.LINKERD) this.linkerdServer(`${registry.name}-admin`, 'admin', this.registrySelector(), REGISTRY_OWNER);
    // Backends the library renders itself (an in-cluster PostgreSQL) admit the registry alone.
    const ownBackends = registry.backends.filter((b) => b.podLabels !== undefined && b.endpoint !== undefined);
    for (const b of ownBackends) {
      const backendName = `${registry.name}-${b.name}`;
      this.mtls(backendName, b.endpoint!.port, b.name, { ...b.podLabels! }, () => [registry.name], [], REGISTRY_OWNER);
      if (this.serviceMesh === ServiceMesh.LINKERD) this.linkerdAuthorization(backendName, () => [registry.name], REGISTRY_OWNER);
    }
    props.model._onAgent((agent) => this.agentMtls(agent));
    if (props.networkPolicies === false) return;

    this.policy('DefaultDeny', `${props.instance}-default-deny`, meshPods, () => ({ ingress: undefined, egress: undefined }));
    this.policy('AllowDns', `${props.instance}-allow-dns`, meshPods, () => ({
      egress: [{
        ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
        to: [peerJson(props.dns ?? NetworkPeer.podsInNamespace('kube-system', { 'k8s-app': 'kube-dns' }))],
      }],
    }));
    this.policy('Registry', registry.name, this.registrySelector(), () => this.registryRules(), REGISTRY_OWNER);
    const proxyMetricsPorts = this.serviceMesh === ServiceMesh.ISTIO ? [15020, 15090] : this.serviceMesh === ServiceMesh.LINKERD ? [4191] : [];
    if (props.prometheus !== undefined && proxyMetricsPorts.length > 0) {
      // The proxies' own metrics (request rates, errors, latency) are scraped from every proxied pod.
      this.policy('AllowProxyMetrics', `${props.instance}-allow-proxy-metrics`, meshPods, () => ({
        ingress: [{ from: [peerJson(props.prometheus!)], ports: proxyMetricsPorts.map((port) => ({ port, protocol: 'TCP' })) }],
      }));
    }
    for (const b of ownBackends) {
      this.policy(`Backend-${b.name}`, `${registry.name}-${b.name}`, { ...b.podLabels! }, () => ({
        ingress: [{ from: [{ podSelector: { matchLabels: this.registrySelector() } }], ports: [{ port: b.endpoint!.port, protocol: 'TCP' }] }],
        egress: this.controlPlaneEgress(),
      }), REGISTRY_OWNER);
    }
    this.node.addValidation({ validate: () => this.missingEndpoints() });
    props.model._onAgent((agent) => this.agentPolicy(agent));
  }

  private agentPolicy(agent: AgentModel): void {
    this.policy(`Agent-${agent.name}`, agent.name, this.agentSelector(agent.name), () => this.agentRules(agent), agentOwner(agent.name));
  }

  private policy(id: string, name: string, podLabels: Record<string, string>, rules: () => { ingress?: Rule[]; egress?: Rule[] }, owner = MESH_OWNER): void {
    ownedBy(new MeshObject(this, id, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: this.metadata(name),
      // Read at synthesis, when every agent and dependency of the mesh is known.
      get spec() {
        const { ingress, egress } = rules();
        // Both types listed: a missing list denies that direction. An empty list would mean the same, but the
        // API server drops it, so a server-side apply that sends one never matches the stored policy and every
        // GitOps sync would write it again (and every CNI agent would recompute it).
        return {
          ...(egress !== undefined && egress.length > 0 ? { egress } : {}),
          ...(ingress !== undefined && ingress.length > 0 ? { ingress } : {}),
          podSelector: { matchLabels: podLabels },
          policyTypes: ['Ingress', 'Egress'],
        };
      },
    }), owner);
  }

  private registrySelector(): Record<string, string> {
    return selectorLabels('registry', this.props.model.registry.name, this.props.instance);
  }

  private agentSelector(name: string): Record<string, string> {
    return selectorLabels('agent', name, this.props.instance);
  }

  /** The mesh's agents that carry a capability label. */
  private capabilitySelector(label: string): Record<string, string> {
    return { 'app.kubernetes.io/component': 'agent', 'app.kubernetes.io/instance': this.props.instance, [label]: 'true' };
  }

  private registryRules(): { ingress: Rule[]; egress: Rule[] } {
    const { model, instance } = this.props;
    const allAgents = { 'app.kubernetes.io/component': 'agent', 'app.kubernetes.io/instance': instance };
    const egress: Rule[] = [...this.controlPlaneEgress(), ...backendEgress(model.registry.backends)];
    if (this.props.allowRegistryProxy === true) {
      // One rule per distinct agent port keeps the policy small however many agents there are.
      const ports = [...new Set(model.agents.map((a) => a.port))].sort((a, b) => a - b);
      if (ports.length > 0) egress.push({ ports: ports.map((port) => ({ port, protocol: 'TCP' })), to: [{ podSelector: { matchLabels: allAgents } }] });
    }
    const ingress: Rule[] = model.agents.length === 0 ? [] : [{ from: [{ podSelector: { matchLabels: allAgents } }], ports: [{ port: model.registry.port, protocol: 'TCP' }] }];
    // The admin API admits only the peers named for it: no agent, nobody by default.
    if (model.registry.adminAllowFrom.length > 0) {
      ingress.push({ from: model.registry.adminAllowFrom.map(peerJson), ports: [{ port: model.registry.adminPort, protocol: 'TCP' }] });
    }
    return { ingress, egress };
  }

  private agentRules(agent: AgentModel): { ingress: Rule[]; egress: Rule[] } {
    const { model } = this.props;
    const port = [{ port: agent.port, protocol: 'TCP' }];
    const ingress: Rule[] = [];
    // Callers are selected by the capability they call: one peer per capability, however many callers.
    const called = agent.capabilities.map((c) => c.name).filter((c) => model.isDependedOn(c));
    if (called.length > 0) ingress.push({ from: called.map((c) => ({ podSelector: { matchLabels: this.capabilitySelector(callsLabel(c)) } })), ports: port });
    if (this.props.allowRegistryProxy === true) ingress.push({ from: [{ podSelector: { matchLabels: this.registrySelector() } }], ports: port });
    if (this.props.prometheus !== undefined) ingress.push({ from: [peerJson(this.props.prometheus)], ports: port });
    if (agent.exposed && this.props.ingressController !== undefined) ingress.push({ from: [peerJson(this.props.ingressController)], ports: port });

    const egress: Rule[] = [{ ports: [{ port: model.registry.port, protocol: 'TCP' }], to: [{ podSelector: { matchLabels: this.registrySelector() } }] }];
    egress.push(...this.controlPlaneEgress(), ...backendEgress(agent.backends));
    // Providers are selected by the capability they provide: one peer per dependency, grouped by port.
    const byPort = new Map<number, string[]>();
    for (const capability of agent.dependsOn) {
      for (const providerPort of new Set(model.providersOf(capability).map((p) => p.port))) {
        byPort.set(providerPort, [...(byPort.get(providerPort) ?? []), capability]);
      }
    }
    for (const [providerPort, capabilities] of [...byPort].sort((a, b) => a[0] - b[0])) {
      egress.push({ ports: [{ port: providerPort, protocol: 'TCP' }], to: capabilities.map((c) => ({ podSelector: { matchLabels: this.capabilitySelector(providesLabel(c)) } })) });
    }
    if (agent.internetEgress) {
      const v4 = this.clusterCidrs.filter((c) => c.includes('.'));
      const v6 = this.clusterCidrs.filter((c) => c.includes(':'));
      // IPv6 egress only where the cluster's IPv6 ranges are known, so they can be excluded.
      const to = [peerJson(NetworkPeer.ipBlock('0.0.0.0/0', v4)), ...(v6.length > 0 ? [peerJson(NetworkPeer.ipBlock('::/0', v6))] : [])];
      egress.push({ ports: INTERNET_PORTS.map((p) => ({ port: p, protocol: 'TCP' })), to });
    }
    return { ingress, egress };
  }

  /** Proxied pods reach their control plane. */
  private controlPlaneEgress(): Rule[] {
    switch (this.serviceMesh) {
      case ServiceMesh.ISTIO:
        return [{ ports: [{ port: 15012, protocol: 'TCP' }], to: [peerJson(this.props.controlPlane ?? NetworkPeer.podsInNamespace('istio-system', { app: 'istiod' }))] }];
      case ServiceMesh.LINKERD:
        return [{
          ports: [8080, 8086, 8090].map((port) => ({ port, protocol: 'TCP' })),
          to: [peerJson(this.props.controlPlane ?? NetworkPeer.pods({ namespaceLabels: { 'kubernetes.io/metadata.name': 'linkerd' } }))],
        }];
      default:
        return [];
    }
  }

  private istioMeshWide(meshPods: Record<string, string>): void {
    new MeshObject(this, 'PeerAuthentication', {
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: this.metadata(`${this.props.instance}-mtls`),
      spec: { mtls: { mode: 'STRICT' }, selector: { matchLabels: meshPods } },
    });
  }

  /** Service accounts allowed to call an agent: its callers, and the registry when it proxies. */
  private callersOf(agent: AgentModel): string[] {
    return [...this.props.model.callersOf(agent.name), ...(this.props.allowRegistryProxy === true ? [this.props.model.registry.name] : [])];
  }

  private agentMtls(agent: AgentModel): void {
    const { model } = this.props;
    // Agents a mesh resolved were checked there; agents of a model filled some other way are checked here.
    MeshValidationError.throwAll(agentSecurityProblems(agent, this.props, this.serviceMesh));
    const callers = () => this.callersOf(agent);
    // The ingress controller: by its identity when it is named, else (Istio) by its namespace.
    const ingress = agent.exposed ? this.props.ingressServiceAccount : undefined;
    const gateways = agent.exposed && ingress === undefined ? [this.ingressNamespace()] : [];
    this.mtls(agent.name, agent.port, 'http', this.agentSelector(agent.name), callers, gateways, agentOwner(agent.name), ingress);
    // A new agent may be the first caller of providers that exist already: they now need their authorization.
    if (this.serviceMesh === ServiceMesh.LINKERD) {
      for (const provider of model.providersFor(agent.name)) {
        this.linkerdAuthorization(provider.name, () => this.callersOf(provider), agentOwner(provider.name), provider.exposed ? this.props.ingressServiceAccount : undefined);
      }
      if (callers().length > 0 || ingress !== undefined) this.linkerdAuthorization(agent.name, callers, agentOwner(agent.name), ingress);
      this.linkerdAuthorization(model.registry.name, () => model.agents.map((a) => a.name), REGISTRY_OWNER);
    }
  }

  /** The namespace of the ingress controller, which Istio authorizes by namespace. */
  private ingressNamespace(): string {
    return this.props.ingressController?.namespaceLabels?.['kubernetes.io/metadata.name'] ?? '';
  }

  /**
   * mTLS authorization for one workload: an Istio AuthorizationPolicy that allows the callers' service
   * accounts only; a Linkerd Server (its authorization follows once it has callers).
   * Every workload's service account is named after it.
   */
  private mtls(workload: string, port: number, portName: string, selector: Record<string, string>,
    callers: () => string[], gatewayNamespaces: string[], owner: ObjectOwner, gatewayIdentity?: ServiceAccountReference): void {
    const { namespace } = this.props;
    const trustDomain = this.props.trustDomain ?? 'cluster.local';
    if (this.serviceMesh === ServiceMesh.ISTIO) {
      // DestinationRules (ISTIO_MUTUAL) come with the traffic policy, one per host.
      ownedBy(new MeshObject(this, `AuthorizationPolicy-${workload}`, {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: this.metadata(workload),
        // Read at synthesis. No rule at all means nobody may call: an ALLOW policy that matches nothing denies.
        get spec() {
          const principals = [
            ...callers().map((sa) => `${trustDomain}/ns/${namespace}/sa/${sa}`),
            ...(gatewayIdentity !== undefined ? [`${trustDomain}/ns/${gatewayIdentity.namespace}/sa/${gatewayIdentity.name}`] : []),
          ];
          const to = [{ operation: { ports: [String(port)] } }];
          const rules = [
            ...(principals.length > 0 ? [{ from: [{ source: { principals } }], to }] : []),
            ...(gatewayNamespaces.length > 0 ? [{ from: [{ source: { namespaces: gatewayNamespaces } }], to }] : []),
          ];
          return withinSizeLimit('AuthorizationPolicy', workload, { action: 'ALLOW', rules, selector: { matchLabels: selector } },
            'this workload has too many callers to list one by one: split the capability among several agents');
        },
      }), owner);
    } else if (this.serviceMesh === ServiceMesh.LINKERD) {
      this.linkerdServer(workload, portName, selector, owner);
    }
  }

  private linkerdServer(workload: string, portName: string, selector: Record<string, string>, owner: ObjectOwner): void {
    ownedBy(new MeshObject(this, `Server-${workload}`, {
      apiVersion: 'policy.linkerd.io/v1beta1',
      kind: 'Server',
      metadata: this.metadata(`${workload}-server`),
      spec: { podSelector: { matchLabels: selector }, port: portName, proxyProtocol: portName === 'http' || portName === 'admin' ? 'HTTP/1' : 'opaque' },
    }), owner);
  }

  /**
   * Linkerd: a Server without an AuthorizationPolicy admits nobody (but kubelet probes), which is right for a
   * workload nobody calls. Once it has callers, a MeshTLSAuthentication of their service accounts and an
   * AuthorizationPolicy that requires it; created once, their lists read at synthesis.
   */
  private linkerdAuthorization(workload: string, callers: () => string[], owner: ObjectOwner, gatewayIdentity?: ServiceAccountReference): void {
    if (this.authorized.has(workload) || (callers().length === 0 && gatewayIdentity === undefined)) return;
    this.authorized.add(workload);
    const namespace = this.props.namespace;
    ownedBy(new MeshObject(this, `MeshTLSAuthentication-${workload}`, {
      apiVersion: 'policy.linkerd.io/v1alpha1',
      kind: 'MeshTLSAuthentication',
      metadata: this.metadata(`${workload}-callers`),
      get spec() {
        const identityRefs = [
          ...callers().map((sa) => ({ kind: 'ServiceAccount', name: sa, namespace })),
          ...(gatewayIdentity !== undefined ? [{ kind: 'ServiceAccount', name: gatewayIdentity.name, namespace: gatewayIdentity.namespace }] : []),
        ];
        return withinSizeLimit('MeshTLSAuthentication', `${workload}-callers`, { identityRefs },
          'this workload has too many callers to list one by one: split the capability among several agents');
      },
    }), owner);
    ownedBy(new MeshObject(this, `LinkerdAuthorizationPolicy-${workload}`, {
      apiVersion: 'policy.linkerd.io/v1alpha1',
      kind: 'AuthorizationPolicy',
      metadata: this.metadata(workload),
      spec: {
        requiredAuthenticationRefs: [{ group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: `${workload}-callers` }],
        targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: `${workload}-server` },
      },
    }), owner);
  }

  private metadata(name: string) {
    return {
      labels: { 'app.kubernetes.io/instance': this.props.instance, 'app.kubernetes.io/managed-by': 'cdk8s-mcp-mesh', 'app.kubernetes.io/part-of': 'mcp-mesh' },
      name,
      namespace: this.props.namespace,
    };
  }

  /** Backends whose address is unknown would be cut off by the default deny: fail instead (once per prop). */
  private missingEndpoints(): string[] {
    const { model } = this.props;
    const missing = new Map<string, string>();
    for (const b of [...model.registry.backends, ...model.agents.flatMap((a) => a.backends)]) {
      if (b.endpoint !== undefined || missing.has(b.field)) continue;
      missing.set(b.field, new MeshValidationError(b.field, undefined,
        `is not set, so the NetworkPolicies would cut the mesh off from its ${b.name} backend`,
        `set ${b.field}: { peer: NetworkPeer.podsInNamespace("<ns>", { ... }) or NetworkPeer.ipBlock("<cidr>"), port: <port> }, or security.networkPolicies: false`).message);
    }
    return [...missing.values()];
  }
}

/** A NetworkPolicy peer. */
export function peerJson(peer: NetworkPeer): Rule {
  if (peer.cidr !== undefined) {
    return { ipBlock: peer.except.length > 0 ? { cidr: peer.cidr, except: [...peer.except] } : { cidr: peer.cidr } };
  }
  const out: Rule = {};
  if (peer.namespaceLabels !== undefined) out.namespaceSelector = { matchLabels: { ...peer.namespaceLabels } };
  if (peer.podLabels !== undefined || peer.namespaceLabels === undefined) out.podSelector = { matchLabels: { ...(peer.podLabels ?? {}) } };
  return out;
}


/** Egress to backends whose address is known. */
function backendEgress(backends: readonly RegistryBackendModel[]): Rule[] {
  return backends.filter((b) => b.endpoint !== undefined)
    .map((b) => ({ ports: [{ port: b.endpoint!.port, protocol: 'TCP' }], to: [peerJson(b.endpoint!.peer)] }));
}
