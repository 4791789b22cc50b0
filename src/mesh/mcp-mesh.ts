import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { McpAgent } from '../agent/mcp-agent';
import { objectLabelsData, startCollecting, stopCollecting } from '../k8s/mesh-object';
import { constructsUnder, isWithin } from '../k8s/synthesis';
import { objectNameProblems } from '../k8s/object-names';
import { MESH_OWNER, ownedBy } from '../k8s/ownership';
import { MeshValidationError } from '../model/errors';
import { MeshModel } from '../model/mesh-model';
import { ServiceMesh } from '../model/service-mesh';
import { McpObservability } from '../observability/mcp-observability';
import { IDeliveredSecrets, IObservableMesh } from '../observability/observed-mesh';
import { McpPolicyCheck, PolicyRule } from '../policy/mcp-policy-check';
import { McpRegistry } from '../registry/mcp-registry';
import { Problems, resolvedOrThrow } from '../resolve/problems';
import { RESOLVED_AGENT } from '../resolve/resolve-agent';
import { ResolvedMesh, ResolvedMeshAgent, resolveAddedAgent, resolveMeshCollecting } from '../resolve/resolve-mesh';
import { RESOLVED_REGISTRY } from '../resolve/resolve-registry';
import { RESOLVED_OBSERVABILITY } from '../resolve/resolve-observability';
import { RESOLVED_SECURITY } from '../resolve/resolve-security';
import { RESOLVED_EXTERNAL_SECRETS } from '../resolve/resolve-external-secrets';
import { McpExternalSecrets } from '../security/mcp-external-secrets';
import { McpSecurity } from '../security/mcp-security';
import { McpTrafficPolicy } from '../traffic/mcp-traffic-policy';
import { MeshEnvironment } from './mesh-environment';
import { McpMeshAgentProps, McpMeshProps } from './mesh-props';
import { McpNamespace } from './mcp-namespace';

export * from './mesh-props';

/**
 * A whole MCP Mesh: a registry and any number of agents wired to it, checked as a graph (every dependency
 * must be provided by some agent) and described by one model that security, observability and traffic policy
 * read.
 */
export class McpMesh extends Construct implements IObservableMesh {
  public readonly name: string;
  public readonly namespace: string;
  public readonly registry: McpRegistry;
  /** The mesh as data: agents, capabilities and dependency edges. */
  public readonly model: MeshModel;
  // Always set once the constructor returns: it throws when a part did not resolve.
  public readonly security!: McpSecurity;
  public readonly traffic!: McpTrafficPolicy;
  public readonly observability?: McpObservability;
  /** The policy check over the mesh's objects, when on. */
  public readonly policyCheck?: McpPolicyCheck;
  /** The mesh's `McpExternalSecrets` (one ExternalSecret per delivered Secret), when it delivers any. */
  public readonly externalSecrets?: IDeliveredSecrets;
  public readonly serviceMesh: ServiceMesh;
  /** The environment preset, if any. */
  public readonly environment?: MeshEnvironment;
  /** The mesh as resolved from the props (the agents added later with addAgent are in `model`). */
  private readonly resolved: ResolvedMesh;
  private readonly agentConstructs: McpAgent[] = [];
  /** Objects whose names and labels passed nameProblems(). */
  private readonly namesChecked = new WeakSet<ApiObject>();
  /** The prop that names each agent, e.g. `agents[2].name`. */
  private readonly agentFields = new Map<string, string>();

  constructor(scope: Construct, id: string, props: McpMeshProps = {}) {
    super(scope, id);
    // Resolve first: every problem of the input, from the schema to the graph, collected. The constructs below
    // only render the resolved mesh; the checks that need the rendered objects (their names) join the same list.
    const problems = new Problems();
    const mesh = resolveMeshCollecting(props, problems);
    if (mesh === undefined) {
      problems.throwIfAny();
      throw new Error('the mesh did not resolve, and no problem says why');
    }
    props = props ?? {};
    this.resolved = mesh;
    // Whatever the mesh renders belongs to the mesh as a whole unless a part claims it (registry, agents).
    ownedBy(this, MESH_OWNER);
    this.name = mesh.name;
    this.namespace = mesh.namespace;
    this.serviceMesh = mesh.serviceMesh;
    this.environment = mesh.environment;

    // The objects rendered here are recorded as they are made, for the name check below (no walk of the tree).
    const outer = startCollecting();
    let rendered: ApiObject[];
    try {
      if (mesh.createNamespace) new McpNamespace(this, 'Namespace', { name: this.namespace });

      this.registry = new McpRegistry(this, 'Registry', RESOLVED_REGISTRY.attach(mesh.registryProps, mesh.registry));
      // The live model, filled in the order the agents come: the security and traffic constructs follow agents
      // as they are added (here and with addAgent()), which keeps their objects in a stable order.
      this.model = new MeshModel(mesh.registry.model, props.allowDependencyCycles === true);
      // A part whose options did not resolve is not rendered: its problems are on the list already.
      if (mesh.security !== undefined) {
        this.security = new McpSecurity(this, 'Security', RESOLVED_SECURITY.attach({
          ...props.security, model: this.model, instance: this.name, namespace: this.namespace, serviceMesh: this.serviceMesh,
        }, mesh.security));
      }
      if (mesh.trafficResolved) {
        this.traffic = new McpTrafficPolicy(this, 'Traffic', {
          model: this.model, instance: this.name, namespace: this.namespace, clusterDomain: mesh.clusterDomain,
          serviceMesh: this.serviceMesh, defaults: props.trafficDefaults, capabilityRouting: props.capabilityRouting,
        });
      }
      if (props.policyCheck !== false) {
        this.policyCheck = new McpPolicyCheck(this, 'PolicyCheck', { target: this, suppressions: props.policySuppressions });
      }
      for (const agent of mesh.agents) {
        this.renderAgent(agent);
        this.model.addAgent(agent.agent.model, agent.field);
      }
      if (props.observability !== undefined && mesh.observability !== undefined) {
        this.observability = new McpObservability(this, 'Observability', RESOLVED_OBSERVABILITY.attach({ ...props.observability, mesh: this }, mesh.observability));
      }
      if (props.externalSecrets !== undefined && mesh.externalSecrets !== undefined) {
        this.externalSecrets = new McpExternalSecrets(this, 'ExternalSecrets', RESOLVED_EXTERNAL_SECRETS.attach({
          ...props.externalSecrets, namespace: this.namespace, instance: this.name,
        }, mesh.externalSecrets));
      }
    } finally {
      rendered = stopCollecting(outer);
    }
    if (problems.count === 0) problems.add(...this.nameProblems(rendered));
    problems.throwIfAny();

    this.node.addValidation({ validate: () => [...this.model._validate().map((e) => e.message), ...this.duplicateObjects(), ...this.nameProblems().map((e) => e.message)] });
  }

  /** The agents, in the order they were added. */
  public get agents(): McpAgent[] {
    return [...this.agentConstructs];
  }

  /** Adds an agent, wired to this mesh's registry; throws every problem of the agent at once. */
  public addAgent(props: McpMeshAgentProps): McpAgent {
    const index = this.agentConstructs.length;
    const agent = resolvedOrThrow((problems) => resolveAddedAgent(this.resolved, this.model, props, index, problems));
    const rendered = this.renderAgent(agent);
    this.model.addAgent(agent.agent.model, agent.field);
    return rendered;
  }

  /** Renders an agent the mesh resolved (and the model holds). */
  private renderAgent(resolved: ResolvedMeshAgent): McpAgent {
    const name = resolved.agent.model.name;
    const agent = new McpAgent(this, `Agent-${name}`, RESOLVED_AGENT.attach(resolved.props, resolved.agent));
    this.agentConstructs.push(agent);
    this.agentFields.set(name, resolved.field);
    if (agent.plainTextSecret !== undefined) {
      this.policyCheck?.addSuppression({
        rule: PolicyRule.SECRET_LITERAL,
        object: `Secret/${agent.plainTextSecret.name}`,
        reason: `allowPlainTextSecrets is set on agent "${name}"`,
      });
    }
    return agent;
  }

  /**
   * Names and label values of every object, against the API server's rules, blamed on the user's name they
   * derive from. An object passes once: synth checks only the objects added since (by addAgent()). At
   * construction `rendered` (the objects the constructor made) is checked.
   */
  private nameProblems(rendered?: readonly ApiObject[]): MeshValidationError[] {
    const fresh = rendered ?? constructsUnder(this).filter((c): c is ApiObject => ApiObject.isApiObject(c) && !this.namesChecked.has(c));
    const objects = fresh.map((o) => ({
      kind: o.kind, name: o.name, labels: objectLabelsData(o),
    }));
    const sources = [
      { field: 'name', value: this.name },
      { field: 'registry.name', value: this.registry.name },
      ...this.agentConstructs.map((a) => ({ field: this.agentFields.get(a.name) ?? `agents.${a.name}.name`, value: a.name })),
    ];
    const problems = objectNameProblems(objects, sources);
    if (problems.length === 0) fresh.forEach((o) => this.namesChecked.add(o));
    return problems;
  }

  /**
   * Two objects of one kind, namespace and name would overwrite each other on apply: within this mesh, and
   * against every other object of the app (two meshes in one namespace, or a chart's own objects). A
   * collision between two constructs is reported once, by the mesh that holds the later of the two.
   */
  private duplicateObjects(): string[] {
    const seen = new Map<string, ApiObject>();
    const errors: string[] = [];
    const foreign: string[] = [];
    for (const child of constructsUnder(this.node.root)) {
      if (!ApiObject.isApiObject(child)) continue;
      const namespace = child.metadata.namespace ?? Chart.of(child).namespace ?? '';
      const key = `${child.kind}/${namespace}/${child.name}`;
      const other = seen.get(key);
      if (other === undefined) {
        seen.set(key, child);
      } else if (isWithin(child, this)) {
        if (isWithin(other, this)) {
          errors.push(new MeshValidationError('agents[].name', child.name, `makes two ${child.kind} objects with the same name (${other.node.path} and ${child.node.path})`,
            'rename one of the agents: each agent also creates "<name>-config" and "<name>-pods" objects').message);
        } else {
          foreign.push(`${child.kind} "${child.name}" (also ${other.node.path})`);
        }
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
