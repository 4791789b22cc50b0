import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { MeshObject } from '../k8s/mesh-object';
import { objectNameProblems } from '../k8s/object-names';
import { McpAgent, McpAgentOptions } from '../agent/mcp-agent';
import { DEFAULT_CLUSTER_DOMAIN } from '../k8s/naming';
import { MeshValidationError } from '../model/errors';
import { MeshModel, NOT_PROVIDED } from '../model/mesh-model';
import { ServiceMesh } from '../model/service-mesh';
import { requireDnsDomain, requireDnsLabel, requireServiceName } from '../model/validation';
import { issueErrors, propsIssues } from '../schema/props';
import { FieldPath, SchemaIssue } from '../schema/validate';
import { McpRegistry, McpRegistryOptions } from '../registry/mcp-registry';
import { MeshEnvironment } from './mesh-environment';
import { McpPolicyCheck, PolicyRule, PolicySuppression } from '../policy/mcp-policy-check';
import { McpSecurity, McpSecurityOptions } from '../security/mcp-security';
import { ExternalSecretsOptions, McpExternalSecrets } from '../security/mcp-external-secrets';
import { TrafficPolicyOptions } from '../model/traffic';
import { McpTrafficPolicy } from '../traffic/mcp-traffic-policy';
import { McpObservability, McpObservabilityOptions } from '../observability/mcp-observability';
import { MeshTracingOptions } from '../observability/tracing';

/** An agent of a mesh: its name is required, since it names the agent's objects. */
export interface McpMeshAgentProps extends McpAgentOptions {
  /** Unique within the mesh; a DNS-1123 label of at most 50 characters. */
  readonly name: string;
}

export interface McpMeshProps {
  /**
   * Name of the mesh: the `app.kubernetes.io/instance` label of every object.
   * @default "mcp-mesh"
   */
  readonly name?: string;
  /**
   * Namespace of every object.
   * @default "mcp-mesh"
   */
  readonly namespace?: string;
  /**
   * Render the Namespace object. Off by default: deleting an owned Namespace (a `kubectl delete -f`, a GitOps
   * prune) deletes everything in it, including things this library did not create.
   * @default false
   */
  readonly createNamespace?: boolean;
  /** @default "cluster.local" */
  readonly clusterDomain?: string;
  /**
   * The service mesh the workloads join: sidecar injection, mTLS (Istio PeerAuthentication STRICT,
   * DestinationRules, AuthorizationPolicies; Linkerd Servers and authorizations) following the mesh graph.
   * @default ServiceMesh.NONE
   */
  readonly serviceMesh?: ServiceMesh;
  /**
   * An environment preset (`MeshEnvironment.dev()`, `.staging()`, `.prod()` or your own) whose defaults
   * every other prop overrides.
   * @default - the library's defaults
   */
  readonly environment?: MeshEnvironment;
  /** @default - a registry on SQLite with one replica */
  readonly registry?: McpRegistryOptions;
  /** @default - none; add them later with addAgent() */
  readonly agents?: McpMeshAgentProps[];
  /**
   * Zero-trust NetworkPolicies derived from the mesh graph (on by default).
   * @default - default deny, DNS, and the flows the graph needs
   */
  readonly security?: McpSecurityOptions;
  /**
   * Timeouts, retries and circuit breaking for calls between agents (service mesh only); agents override
   * them with their own `traffic`.
   * @default - timeouts from the capabilities, 2 safe retries, 100 connections, ejection after 5 errors
   */
  readonly trafficDefaults?: TrafficPolicyOptions;
  /**
   * Route requests that carry an `x-mcp-capability` header to the agent that provides the capability,
   * through the Service `<mesh>-capabilities` (Istio only).
   * @default true with Istio
   */
  readonly capabilityRouting?: boolean;
  /**
   * Metrics, alerts and dashboards for the Prometheus Operator and Grafana (their CRDs and sidecar are
   * prerequisites: see docs/observability.md).
   * @default - none
   */
  readonly observability?: McpObservabilityOptions;
  /**
   * Distributed tracing: agents publish span events to Redis; the registry exports them over OTLP.
   * @default - off
   */
  readonly tracing?: MeshTracingOptions;
  /**
   * Secrets delivered by the External Secrets Operator from an external store: one `ExternalSecret` per
   * Secret, and a synth error when a workload of the mesh reads a key of a delivered Secret that is not
   * delivered.
   * @default - none: the Secrets the mesh references are created some other way
   */
  readonly externalSecrets?: ExternalSecretsOptions;
  /**
   * Accept agents that call each other in a cycle (or an agent that calls its own capability). Off by default:
   * a cycle can deadlock calls until their timeouts, so synth fails and shows the cycle.
   * @default false
   */
  readonly allowDependencyCycles?: boolean;
  /**
   * Run the policy check over the mesh's objects at synth (privileged containers, root, host access,
   * resources, unpinned images, probes, secret literals, NetworkPolicy coverage).
   * @default true
   */
  readonly policyCheck?: boolean;
  /**
   * Findings of the policy check you accept, each with its reason.
   * @default - none
   */
  readonly policySuppressions?: PolicySuppression[];
}

/**
 * Builds a construct from props merged over an environment's defaults; a problem with a value that the
 * environment set (and the props did not) says so, since the fix is in the environment, not in the props.
 */
function attributed<T>(environment: MeshEnvironment | undefined, part: 'agent' | 'registry', prefix: string, own: object | undefined, build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (!(e instanceof MeshValidationError) || environment === undefined) throw e;
    const fromEnvironment = (field: string) => {
      if (!field.startsWith(prefix)) return undefined;
      const key = /^[A-Za-z]+/.exec(field.slice(prefix.length))?.[0];
      return key !== undefined && (own as Record<string, unknown> | undefined)?.[key] === undefined && environment._sets(part, key) ? key : undefined;
    };
    if (!e.problems.some((p) => fromEnvironment(p.field) !== undefined)) throw e;
    MeshValidationError.throwAll(e.problems.map((p) => {
      const key = fromEnvironment(p.field);
      return key === undefined ? p : MeshValidationError.reworded(p,
        `${p.problem} (the value comes from the "${environment.name}" environment's ${part} defaults)`,
        `${p.fix}; or set ${p.field} yourself, or change ${part}.${key} of the environment`);
    }));
    throw e;
  }
}

/** Namespaces of the cluster itself: never owned by a mesh through createNamespace. */
const SYSTEM_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/**
 * Throws the issues of a mesh's props, naming an agent's fields `agents.<name>.…` as the construct checks do
 * (by index when the name itself is wrong).
 */
function throwIssues(issues: SchemaIssue[], agents: unknown): void {
  const named = (path: FieldPath): FieldPath => {
    if (path[0] !== 'agents' || typeof path[1] !== 'number' || path.length < 3 || path[2] === 'name') return path;
    const name = (agents as Record<number, { name?: unknown } | undefined> | undefined)?.[path[1]]?.name;
    return typeof name === 'string' && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) ? ['agents', name, ...path.slice(2)] : path;
  };
  MeshValidationError.throwAll(issueErrors(issues.map((i) => ({ ...i, path: named(i.path) }))));
}

/** The Pod Security Standards version the Namespace pins (the oldest Kubernetes the manifests support). */
export const POD_SECURITY_VERSION = 'v1.30';

/**
 * A whole MCP Mesh: a registry and any number of agents wired to it, checked as a graph (every dependency
 * must be provided by some agent) and described by one model that security, observability and traffic policy
 * read.
 */
export class McpMesh extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly registry: McpRegistry;
  /** The mesh as data: agents, capabilities and dependency edges. */
  public readonly model: MeshModel;
  public readonly security: McpSecurity;
  public readonly traffic: McpTrafficPolicy;
  public readonly observability?: McpObservability;
  private readonly tracing?: MeshTracingOptions;
  /** The policy check over the mesh's objects, when on. */
  public readonly policyCheck?: McpPolicyCheck;
  public readonly externalSecrets?: McpExternalSecrets;
  public readonly serviceMesh: ServiceMesh;
  /** The environment preset, if any. */
  public readonly environment?: MeshEnvironment;
  private readonly clusterDomain: string;
  private readonly agentConstructs: McpAgent[] = [];
  /** The prop that names each agent, e.g. `agents[2].name`. */
  private readonly agentFields = new Map<string, string>();

  constructor(scope: Construct, id: string, props: McpMeshProps = {}) {
    super(scope, id);
    // Types, unknown props (typos from JavaScript), nulls and class-typed props first, every problem at once:
    // the checks below may rely on the types.
    throwIssues(propsIssues('McpMeshProps', props), props?.agents);
    this.name = requireDnsLabel('name', props.name ?? 'mcp-mesh');
    this.namespace = requireDnsLabel('namespace', props.namespace ?? 'mcp-mesh');
    this.clusterDomain = requireDnsDomain('clusterDomain', props.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN, DEFAULT_CLUSTER_DOMAIN);
    this.serviceMesh = props.serviceMesh ?? ServiceMesh.NONE;
    if (props.createNamespace === true && SYSTEM_NAMESPACES.includes(this.namespace)) {
      throw new MeshValidationError('namespace', this.namespace, 'is a namespace of the cluster itself, which createNamespace would make this mesh own (a prune or an uninstall would delete it)',
        'deploy the mesh into a namespace of its own, or leave createNamespace off and label the namespace yourself');
    }

    if (props.createNamespace === true) {
      new MeshObject(this, 'Namespace', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          labels: {
            'app.kubernetes.io/managed-by': 'cdk8s-mcp-mesh',
            'app.kubernetes.io/part-of': 'mcp-mesh',
            ...podSecurityLabels(),
          },
          name: this.namespace,
        },
      });
    }

    this.environment = props.environment;
    this.registry = attributed(this.environment, 'registry', 'registry.', props.registry, () => new McpRegistry(this, 'Registry', {
      ...(this.environment?._registry(props.registry) ?? props.registry),
      namespace: this.namespace,
      instance: this.name,
      clusterDomain: this.clusterDomain,
      serviceMesh: this.serviceMesh,
      tracing: props.tracing,
    }));
    this.tracing = props.tracing;
    this.model = new MeshModel(this.registry.model, props.allowDependencyCycles === true);
    // From here on every problem is collected, so that one synth reports all of them (every agent, not the first).
    const problems: MeshValidationError[] = [];
    const collect = <T>(build: () => T): T | undefined => {
      try {
        return build();
      } catch (e) {
        if (!(e instanceof MeshValidationError)) throw e;
        problems.push(e);
        return undefined;
      }
    };
    this.security = collect(() => new McpSecurity(this, 'Security', {
      ...props.security, model: this.model, instance: this.name, namespace: this.namespace, serviceMesh: this.serviceMesh,
    }))!;
    this.traffic = collect(() => new McpTrafficPolicy(this, 'Traffic', {
      model: this.model, instance: this.name, namespace: this.namespace, clusterDomain: this.clusterDomain,
      serviceMesh: this.serviceMesh, defaults: props.trafficDefaults, capabilityRouting: props.capabilityRouting,
    }))!;
    if (props.policyCheck !== false) {
      this.policyCheck = new McpPolicyCheck(this, 'PolicyCheck', { target: this, suppressions: props.policySuppressions });
    }
    const failedAgents: McpMeshAgentProps[] = [];
    (props.agents ?? []).forEach((agent, i) => {
      if (collect(() => this.addAgentAt(agent, `agents[${i}]`)) === undefined) failedAgents.push(agent);
    });
    // Built whatever the agents' problems: their own props are checked now, and what they read of the mesh
    // (the model; the workloads' Secret references) is read at synth.
    const { observability, externalSecrets } = props;
    if (observability !== undefined) {
      this.observability = collect(() => new McpObservability(this, 'Observability', { ...observability, mesh: this }));
    }
    if (externalSecrets !== undefined) {
      this.externalSecrets = collect(() => new McpExternalSecrets(this, 'ExternalSecrets', {
        ...externalSecrets, namespace: this.namespace, instance: this.name, consumers: this,
      }));
    }
    if (problems.length === 0) problems.push(...this.nameProblems());
    if (problems.length > 0) {
      // The graph's own checks too, less the dependencies on capabilities that only a failed agent provides.
      const unbuilt = new Set(failedAgents.flatMap((a) => (a.capabilities ?? []).map((c) => JSON.stringify(c?.name))));
      const graph = this.model.validate().filter((e) => !(e.problem === NOT_PROVIDED && unbuilt.has(e.value)));
      MeshValidationError.throwAll([...problems, ...graph]);
    }

    this.node.addValidation({ validate: () => [...this.model.validate().map((e) => e.message), ...this.duplicateObjects(), ...this.nameProblems().map((e) => e.message)] });
  }

  /** The agents, in the order they were added. */
  public get agents(): McpAgent[] {
    return [...this.agentConstructs];
  }

  /** Adds an agent, wired to this mesh's registry. */
  public addAgent(props: McpMeshAgentProps): McpAgent {
    return this.addAgentAt(props, `agents[${this.agentConstructs.length}]`);
  }

  private addAgentAt(props: McpMeshAgentProps, field: string): McpAgent {
    if (props === undefined || props === null || typeof props !== 'object') {
      throw new MeshValidationError(field, props, 'is not an agent', 'pass an object such as { name: "weather", capabilities: [...] }');
    }
    const index = Number(/\[(\d+)\]$/.exec(field)?.[1] ?? this.agentConstructs.length);
    throwIssues(propsIssues('McpMeshAgentProps', props, ['agents', index]), { [index]: props });
    const name = requireServiceName(`${field}.name`, props.name, 50);
    // Checked before the construct exists, so that the error names the prop and not a construct id clash.
    this.model.requireFreeName(`${field}.name`, name);
    const agent = attributed(this.environment, 'agent', `agents.${name}.`, props, () => new McpAgent(this, `Agent-${name}`, {
      ...(this.environment?._agent(props, `agents.${name}`) ?? props),
      name,
      registry: this.registry,
      namespace: this.namespace,
      instance: this.name,
      clusterDomain: this.clusterDomain,
      serviceMesh: this.serviceMesh,
      tracing: this.tracing,
    }));
    this.model.addAgent(agent.model, `${field}.name`);
    this.agentConstructs.push(agent);
    this.agentFields.set(name, `${field}.name`);
    if (agent.plainTextSecret !== undefined) {
      this.policyCheck?.addSuppression({
        rule: PolicyRule.SECRET_LITERAL,
        object: `Secret/${agent.plainTextSecret.name}`,
        reason: `allowPlainTextSecrets is set on agent "${name}"`,
      });
    }
    return agent;
  }

  /** Names and label values of every object, against the API server's rules, blamed on the user's name they derive from. */
  private nameProblems(): MeshValidationError[] {
    const objects = this.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject).map((o) => ({
      kind: o.kind, name: o.name, labels: (o.metadata.toJson() as { labels?: Record<string, string> }).labels ?? {},
    }));
    const sources = [
      { field: 'name', value: this.name },
      { field: 'registry.name', value: this.registry.name },
      ...this.agentConstructs.map((a) => ({ field: this.agentFields.get(a.name) ?? `agents.${a.name}.name`, value: a.name })),
    ];
    return objectNameProblems(objects, sources);
  }

  /**
   * Two objects of one kind, namespace and name would overwrite each other on apply: within this mesh, and
   * against every other object of the app (two meshes in one namespace, or a chart's own objects). A
   * collision between two constructs is reported once, by the mesh that holds the later of the two.
   */
  private duplicateObjects(): string[] {
    const seen = new Map<string, string>();
    const errors: string[] = [];
    const foreign: string[] = [];
    const mine = `${this.node.path}/`;
    for (const child of this.node.root.node.findAll()) {
      if (!(child instanceof ApiObject)) continue;
      const namespace = child.metadata.namespace ?? Chart.of(child).namespace ?? '';
      const key = `${child.kind}/${namespace}/${child.name}`;
      const other = seen.get(key);
      if (other === undefined) {
        seen.set(key, child.node.path);
      } else if (child.node.path.startsWith(mine) && other.startsWith(mine)) {
        errors.push(new MeshValidationError('agents[].name', child.name, `makes two ${child.kind} objects with the same name (${other} and ${child.node.path})`,
          'rename one of the agents: each agent also creates "<name>-config" and "<name>-pods" objects').message);
      } else if (child.node.path.startsWith(mine)) {
        foreign.push(`${child.kind} "${child.name}" (also ${other})`);
      }
    }
    if (foreign.length > 0) {
      errors.push(new MeshValidationError('name', this.name,
        `makes ${foreign.length} object(s) that another construct of the app makes too, with the same kind, namespace and name, so one would overwrite the other on apply: ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}`,
        'give each mesh in one namespace its own name and registry.name (and its agents names of their own), or put the meshes in different namespaces').message);
    }
    return errors;
  }
}

/**
 * Pod Security Standards labels: enforce, audit and warn at "restricted", pinned to a version so that a
 * cluster upgrade never tightens the rules under running workloads unannounced. Add the same labels to a
 * namespace the library does not own.
 */
export function podSecurityLabels(): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ['enforce', 'audit', 'warn']) {
    labels[`pod-security.kubernetes.io/${mode}`] = 'restricted';
    labels[`pod-security.kubernetes.io/${mode}-version`] = POD_SECURITY_VERSION;
  }
  return labels;
}
