import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { inRenderedOrder } from '../k8s/object-names';
import { constructsUnder, objectData } from '../k8s/synthesis';
import { MeshValidationError } from '../model/errors';
import { looksLikeSecretName, looksLikeSecretValue, looksLikeSecretVariable, requirePinnedImage } from '../model/validation';

import { PolicyRule, PolicySuppression } from './policy-props';

export * from './policy-props';

export interface McpPolicyCheckProps {
  /**
   * The constructs whose objects are checked.
   * @default - the whole chart the check is in
   */
  readonly target?: IConstruct;
  /** @default - none */
  readonly suppressions?: PolicySuppression[];
}

interface Finding {
  readonly rule: PolicyRule;
  readonly object: string;
  readonly problem: string;
  readonly fix: string;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod']);
const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

/**
 * A validation pass over synthesized objects, like cdk-nag for a mesh: it fails synth on privileged or
 * escalating containers, root, host access, missing resources, unpinned images, missing probes, secret
 * literals and pods no NetworkPolicy isolates. Each finding names the object and the fix; a finding is
 * accepted only through a suppression with a written reason, and a suppression that matches nothing is an
 * error too, so none outlives its cause.
 */
export class McpPolicyCheck extends Construct {
  private readonly suppressions: PolicySuppression[];

  constructor(scope: Construct, id: string, props: McpPolicyCheckProps = {}) {
    super(scope, id);
    this.suppressions = (props.suppressions ?? []).map((s, i) => {
      if (!Object.values(PolicyRule).includes(s.rule)) {
        throw new MeshValidationError(`suppressions[${i}].rule`, s.rule, 'is not a policy rule', `use one of ${Object.values(PolicyRule).join(', ')}`);
      }
      if (typeof s.reason !== 'string' || s.reason.trim().length < 10) {
        throw new MeshValidationError(`suppressions[${i}].reason`, s.reason, 'does not say why the finding is acceptable',
          'write the reason (at least 10 characters) so that the next reader can judge it');
      }
      return s;
    });
    const target = props.target ?? Chart.of(this);
    this.node.addValidation({ validate: () => this.check(target) });
  }

  /** Adds a suppression after construction (for constructs that know their own accepted findings). */
  public addSuppression(suppression: PolicySuppression): void {
    this.suppressions.push(suppression);
  }

  private check(target: IConstruct): string[] {
    const objects = constructsUnder(target).filter((c): c is ApiObject => c instanceof ApiObject).map(objectData);
    const networkPolicies = objects.filter((o) => o.kind === 'NetworkPolicy');
    const findings = objects.flatMap((o) => objectFindings(o, networkPolicies));
    const used = new Set<PolicySuppression>();
    const open = findings.filter((f) => {
      const match = this.suppressions.find((s) => s.rule === f.rule && (s.object === undefined || s.object === f.object));
      if (match !== undefined) used.add(match);
      return match === undefined;
    });
    const messages = open.map((f) => `[${f.rule}] ${f.object}: ${f.problem}. Fix: ${f.fix}`);
    for (const s of this.suppressions) {
      if (!used.has(s)) {
        messages.push(`[${s.rule}] suppression for ${s.object ?? 'every object'} matched no finding. Fix: remove it (reason given: "${s.reason}")`);
      }
    }
    return messages;
  }
}

function podSpecOf(o: any): any {
  if (o.kind === 'Pod') return o.spec;
  if (o.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template?.spec;
  return o.spec?.template?.spec;
}

function podLabelsOf(o: any): Record<string, string> {
  if (o.kind === 'Pod') return o.metadata?.labels ?? {};
  if (o.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template?.metadata?.labels ?? {};
  return o.spec?.template?.metadata?.labels ?? {};
}

function matches(selector: any, labels: Record<string, string>): boolean {
  const has = (key: string) => Object.prototype.hasOwnProperty.call(labels, key);
  return Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v)
    && (selector?.matchExpressions ?? []).every((e: any) => {
      switch (e.operator) {
        case 'In': return has(e.key) && (e.values ?? []).includes(labels[e.key]);
        case 'NotIn': return !has(e.key) || !(e.values ?? []).includes(labels[e.key]);
        case 'Exists': return has(e.key);
        case 'DoesNotExist': return !has(e.key);
        default: return false;
      }
    });
}

function objectFindings(o: any, networkPolicies: readonly any[]): Finding[] {
  const id = `${o.kind}/${o.metadata?.name}`;
  const findings: Finding[] = [];
  const add = (rule: PolicyRule, problem: string, fix: string) => findings.push({ rule, object: id, problem, fix });

  for (const [key, value] of Object.entries<string>(o.metadata?.annotations ?? {})) {
    if (looksLikeSecretValue(String(value))) add(PolicyRule.SECRET_LITERAL, `annotation "${key}" holds a credential`, 'keep credentials in Secrets and reference them');
  }
  if (o.kind === 'ConfigMap') {
    // In the order they are written (the check reads the data as held).
    for (const key of inRenderedOrder(Object.keys(o.data ?? {}))) {
      const value = o.data[key];
      if (value === undefined || value === null) continue; // not written
      if (looksLikeSecretName(key) || looksLikeSecretValue(String(value))) {
        add(PolicyRule.SECRET_LITERAL, `data key "${key}" holds a secret`, 'move it to a Secret and reference it (secretKeyRef or a Secret volume)');
      }
    }
  }
  if (o.kind === 'Secret' && (Object.keys(o.data ?? {}).length > 0 || Object.keys(o.stringData ?? {}).length > 0)) {
    add(PolicyRule.SECRET_LITERAL, 'carries its values in the synthesized YAML, which ends up in Git',
      'create the Secret outside Git (or with external-secrets or sealed-secrets) and reference it by name');
  }
  if (!WORKLOAD_KINDS.has(o.kind)) return findings;

  const pod = podSpecOf(o) ?? {};
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) add(PolicyRule.HOST_ACCESS, 'uses a host namespace', 'remove hostNetwork, hostPID and hostIPC');
  for (const v of pod.volumes ?? []) {
    if (v.hostPath) add(PolicyRule.HOST_ACCESS, `mounts the host path ${v.hostPath.path}`, 'use an emptyDir, a ConfigMap or a PersistentVolumeClaim');
  }
  const podNonRoot = pod.securityContext?.runAsNonRoot === true;
  for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    const where = `container "${c.name}"`;
    const sc = c.securityContext ?? {};
    if (sc.privileged === true || (sc.capabilities?.add ?? []).length > 0) {
      add(PolicyRule.PRIVILEGED, `${where} is privileged or adds capabilities`, 'drop privileged and capabilities.add');
    }
    if (sc.allowPrivilegeEscalation !== false) add(PolicyRule.PRIVILEGED, `${where} may escalate privileges`, 'set securityContext.allowPrivilegeEscalation: false');
    if (!(sc.runAsNonRoot === true || (podNonRoot && sc.runAsNonRoot !== false)) || sc.runAsUser === 0 || pod.securityContext?.runAsUser === 0) {
      add(PolicyRule.RUN_AS_ROOT, `${where} may run as root`, 'set runAsNonRoot: true and a non-zero runAsUser');
    }
    if ((c.ports ?? []).some((p: any) => p.hostPort !== undefined)) add(PolicyRule.HOST_ACCESS, `${where} binds a host port`, 'expose it through a Service instead');
    try {
      requirePinnedImage('image', c.image);
    } catch {
      add(PolicyRule.UNPINNED_IMAGE, `${where} runs "${c.image}", which is not pinned`, 'pin a version tag or a digest');
    }
    const r = c.resources ?? {};
    if (r.requests?.cpu === undefined || r.requests?.memory === undefined || r.limits?.memory === undefined) {
      add(PolicyRule.RESOURCES, `${where} lacks a CPU request, a memory request or a memory limit`, 'set resources.requests.cpu, resources.requests.memory and resources.limits.memory');
    }
    for (const e of c.env ?? []) {
      if (e.value !== undefined && looksLikeSecretVariable(e.name, String(e.value))) {
        add(PolicyRule.SECRET_LITERAL, `${where} sets ${e.name} to a literal that looks secret`, 'read it from a Secret with valueFrom.secretKeyRef');
      }
    }
  }
  if (LONG_RUNNING.has(o.kind)) {
    for (const c of pod.containers ?? []) {
      if (c.readinessProbe === undefined || c.livenessProbe === undefined) {
        add(PolicyRule.PROBES, `container "${c.name}" lacks a readiness or a liveness probe`, 'add both, on endpoints that reflect the process\'s own health');
      }
    }
  }
  const labels = podLabelsOf(o);
  const namespace = o.metadata?.namespace;
  const isolated = (type: string) => networkPolicies.some((p) => p.metadata?.namespace === namespace
    && (p.spec?.policyTypes ?? ['Ingress']).includes(type) && matches(p.spec?.podSelector, labels));
  if (!isolated('Ingress') || !isolated('Egress')) {
    add(PolicyRule.NETWORK_POLICY, 'its pods are not isolated by a NetworkPolicy for both ingress and egress',
      'keep McpSecurity\'s NetworkPolicies on, or add a default-deny policy that selects these pods');
  }
  return findings;
}
