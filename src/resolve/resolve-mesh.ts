/**
 * The resolve step of a whole mesh: props (TypeScript, JavaScript, or MCPMesh/MCPAgent YAML after conversion)
 * in, after the environment preset is applied, one validated mesh out: the registry, every agent, the graph
 * and its checks, with every problem of the input collected. Pure: nothing is rendered and no construct is
 * read, so the same step serves every surface and can be run on its own (`resolveMesh`).
 */
import { McpAgentProps } from '../agent/agent-props';
import { McpMeshAgentProps, McpMeshProps } from '../mesh/mesh-props';
import { MeshEnvironment } from '../mesh/mesh-environment';
import { DEFAULT_CLUSTER_DOMAIN } from '../k8s/naming';
import { SYSTEM_NAMESPACES } from '../k8s/namespace';
import { MeshValidationError } from '../model/errors';
import { MeshModel, NOT_PROVIDED } from '../model/mesh-model';
import { ServiceMesh } from '../model/service-mesh';
import { requireDnsDomain, requireDnsLabel, requireServiceName } from '../model/validation';
import { registryTracingEnv } from '../observability/tracing';
import { McpRegistryProps } from '../registry/registry-props';
import { issueErrors, propsIssues } from '../schema/props';
import { FieldPath, SchemaIssue } from '../schema/validate';
import { McpSecurityOptions } from '../security/security-props';
import { TrafficPolicyOptions } from '../model/traffic';
import { Problems, resolvedOrThrow } from './problems';
import { ResolvedAgent, resolveAgent } from './resolve-agent';
import { ResolvedExternalSecrets, SecretUse, envSecretUses, resolveExternalSecrets, secretCoverageProblems } from './resolve-external-secrets';
import { ResolvedObservability, resolveObservability } from './resolve-observability';
import { ResolvedRegistry, resolveRegistry } from './resolve-registry';
import { ResolvedSecurity, agentSecurityProblems, resolveSecurity } from './resolve-security';
import { resolveTls } from './resolve-tls';
import { agentOwnTraffic, agentTraffic, resolveTrafficDefaults } from './resolve-traffic';

/** An agent of a resolved mesh. */
export interface ResolvedMeshAgent {
  /** The agent's props as the construct gets them: the environment's defaults, the agent's own, the mesh's wiring. */
  readonly props: McpAgentProps;
  readonly agent: ResolvedAgent;
  /** The prop that names the agent, e.g. `agents[2].name`. */
  readonly field: string;
}

/** A mesh as it renders. */
export interface ResolvedMesh {
  readonly name: string;
  readonly namespace: string;
  readonly clusterDomain: string;
  readonly serviceMesh: ServiceMesh;
  readonly createNamespace: boolean;
  readonly environment?: MeshEnvironment;
  /** The registry's props as the construct gets them, and the registry resolved. */
  readonly registryProps: McpRegistryProps;
  readonly registry: ResolvedRegistry;
  /** The agents that resolved, in the order given. */
  readonly agents: readonly ResolvedMeshAgent[];
  /**
   * The graph of the agents that resolved, on which the graph's own checks ran (cycles, missing providers,
   * heartbeats against the registry's threshold and capacity). McpMesh renders into a model of its own that it
   * fills agent by agent, as the constructs that follow the model expect.
   */
  readonly model: MeshModel;
  /** What the mesh gives each of its agents. */
  readonly wiring: MeshWiring;
  /** The zero-trust options; undefined when they have problems. */
  readonly security?: ResolvedSecurity;
  /** Whether the traffic defaults and capability routing passed their checks. */
  readonly trafficResolved: boolean;
  /** The monitoring options, when set and free of problems. */
  readonly observability?: ResolvedObservability;
  /** The delivered Secrets, when set and free of problems. */
  readonly externalSecrets?: ResolvedExternalSecrets;
}


/**
 * The problems of a mesh's props as the schema sees them, naming an agent's fields `agents.<name>.…` as the
 * resolve checks do (by index when the name itself is wrong).
 */
export function meshSchemaProblems(issues: readonly SchemaIssue[], agents: unknown): MeshValidationError[] {
  const named = (path: FieldPath): FieldPath => {
    if (path[0] !== 'agents' || typeof path[1] !== 'number' || path.length < 3 || path[2] === 'name') return path;
    const name = (agents as Record<number, { name?: unknown } | undefined> | undefined)?.[path[1]]?.name;
    return typeof name === 'string' && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) ? ['agents', name, ...path.slice(2)] : path;
  };
  return issueErrors(issues.map((i) => ({ ...i, path: named(i.path) })));
}

/**
 * Problems of values an environment preset set (and the props did not) say so: the fix is in the
 * environment, not in the props.
 */
function attributed(problems: readonly MeshValidationError[], environment: MeshEnvironment | undefined, part: 'agent' | 'registry', prefix: string, own: object | undefined): MeshValidationError[] {
  if (environment === undefined) return [...problems];
  return problems.map((p) => {
    if (!p.field.startsWith(prefix)) return p;
    const key = /^[A-Za-z]+/.exec(p.field.slice(prefix.length))?.[0];
    if (key === undefined || (own as Record<string, unknown> | undefined)?.[key] !== undefined || !environment._sets(part, key)) return p;
    return MeshValidationError.reworded(p,
      `${p.problem} (the value comes from the "${environment.name}" environment's ${part} defaults)`,
      `${p.fix}; or set ${p.field} yourself, or change ${part}.${key} of the environment`);
  });
}

/** Runs `resolve` with problems of its own, and records them, attributed to the environment where it set the value. */
function resolvedWith<T>(problems: Problems, resolve: (own: Problems) => T, attribute: (found: readonly MeshValidationError[]) => MeshValidationError[]): T {
  const own = new Problems();
  const result = own.check(() => resolve(own), undefined as T);
  problems.add(...attribute(own.list));
  return result;
}

/** The wiring a mesh gives its registry and agents. */
export interface MeshWiring {
  readonly namespace: string;
  readonly instance: string;
  readonly clusterDomain: string;
  readonly serviceMesh: ServiceMesh;
  readonly tracing?: McpMeshProps['tracing'];
  readonly tls?: McpMeshProps['tls'];
  /** What the mesh's policies ask of each agent. */
  readonly security?: McpSecurityOptions;
  readonly trafficDefaults?: TrafficPolicyOptions;
}

/**
 * Resolves one agent of a mesh against the mesh (its wiring and the names taken so far); records its problems.
 * `index` numbers the agent in errors about its name.
 */
export function resolveMeshAgent(props: McpMeshAgentProps, field: string, index: number, mesh: {
  readonly wiring: MeshWiring; readonly environment?: MeshEnvironment; readonly registryUrl: string; readonly model: MeshModel;
  /** The agent's props were checked against the schema with the mesh's. */
  readonly schemaChecked?: boolean;
}, problems: Problems): ResolvedMeshAgent | undefined {
  if (props === undefined || props === null || typeof props !== 'object') {
    problems.add(new MeshValidationError(field, props, 'is not an agent', 'pass an object such as { name: "weather", capabilities: [...] }'));
    return undefined;
  }
  const start = problems.count;
  if (mesh.schemaChecked !== true) problems.add(...meshSchemaProblems(propsIssues('McpMeshAgentProps', props, ['agents', index]), { [index]: props }));
  if (problems.since(start)) return undefined;
  const name = problems.check(() => requireServiceName(`${field}.name`, props.name, 50), undefined);
  if (name === undefined) return undefined;
  // Checked before the agent resolves, so that the error names the prop.
  if (!problems.run(() => mesh.model.requireFreeName(`${field}.name`, name))) return undefined;
  const environment = mesh.environment;
  return resolvedWith(problems, (own) => {
    const agentProps: McpAgentProps = {
      ...(environment?._agent(props, `agents.${name}`) ?? props),
      name,
      registry: { url: mesh.registryUrl },
      namespace: mesh.wiring.namespace,
      instance: mesh.wiring.instance,
      clusterDomain: mesh.wiring.clusterDomain,
      serviceMesh: mesh.wiring.serviceMesh,
      tracing: mesh.wiring.tracing,
      tls: mesh.wiring.tls,
    };
    // The options were checked with the mesh's props (the environment's when it was made).
    const agent = resolveAgent(agentProps, { defaultName: name, namespace: mesh.wiring.namespace, schemaChecked: true }, own);
    if (agent === undefined) {
      const traffic = agentProps.traffic;
      if (traffic !== undefined) own.run(() => agentOwnTraffic(name, traffic));
      return undefined;
    }
    // What the mesh's policies ask of the agent: an ingress controller to admit it, traffic settings that fit it.
    const start = own.count;
    own.add(...agentSecurityProblems(agent.model, mesh.wiring.security, mesh.wiring.serviceMesh));
    own.run(() => agentTraffic(agent.model, mesh.wiring.trafficDefaults));
    return own.since(start) ? undefined : { props: agentProps, agent, field: `${field}.name` };
  }, (found) => attributed(found, environment, 'agent', `agents.${name}.`, props));
}

/**
 * Resolves a mesh's props into problems and, where it can, a mesh: the registry and the agents that resolved
 * (the ones that did not have their problems recorded). Undefined when the mesh itself or its registry did not
 * resolve.
 */
export function resolveMeshCollecting(props: McpMeshProps, problems: Problems): ResolvedMesh | undefined {
  const start = problems.count;
  // Types, unknown props (typos from JavaScript), nulls and class-typed props first, every problem at once:
  // the checks below rely on the types.
  problems.add(...meshSchemaProblems(propsIssues('McpMeshProps', props), props?.agents));
  if (problems.since(start)) return undefined;
  props = props ?? {};
  const name = problems.check(() => requireDnsLabel('name', props.name ?? 'mcp-mesh'), 'mcp-mesh');
  const namespace = problems.check(() => requireDnsLabel('namespace', props.namespace ?? 'mcp-mesh'), 'mcp-mesh');
  const clusterDomain = problems.check(() => requireDnsDomain('clusterDomain', props.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN, DEFAULT_CLUSTER_DOMAIN), DEFAULT_CLUSTER_DOMAIN);
  const serviceMesh = props.serviceMesh ?? ServiceMesh.NONE;
  const createNamespace = props.createNamespace === true;
  if (createNamespace && SYSTEM_NAMESPACES.includes(namespace)) {
    problems.add(new MeshValidationError('namespace', namespace, 'is a namespace of the cluster itself, which createNamespace would make this mesh own (a prune or an uninstall would delete it)',
      'deploy the mesh into a namespace of its own, or leave createNamespace off and label the namespace yourself'));
  }
  // Tracing and TLS are checked once here: the registry and every agent read them.
  const tracing = props.tracing === undefined || !problems.run(() => registryTracingEnv(props.tracing!)) ? undefined : props.tracing;
  const tls = props.tls === undefined || resolveTls(props.tls, 'tls', problems) === undefined ? undefined : props.tls;
  if (props.tls !== undefined && serviceMesh !== ServiceMesh.NONE) {
    problems.add(new MeshValidationError('tls', props.tls.mode ?? 'strict',
      `is set together with serviceMesh ${serviceMesh}, whose proxies already encrypt and authenticate every call: the runtime's TLS inside would hide the calls from the mesh's authorization and traffic rules`,
      'use one of them: the service mesh\'s mTLS (remove tls), or the runtime\'s TLS without a service mesh'));
  }
  if (props.tls !== undefined && props.observability?.scrapeAgents === true) {
    problems.add(new MeshValidationError('observability.scrapeAgents', true, 'scrapes the agents over plain HTTP, which their TLS refuses (they want a client certificate)',
      'leave scrapeAgents off with tls'));
  }
  const environment = props.environment;

  const registryResolved = resolvedWith(problems, (own) => {
    const registryProps: McpRegistryProps = {
      ...(environment?._registry(props.registry) ?? props.registry),
      namespace, instance: name, clusterDomain, serviceMesh, tracing, tls,
    };
    const registry = resolveRegistry(registryProps, { namespace, schemaChecked: true }, own);
    return registry === undefined ? undefined : { registryProps, registry };
  }, (found) => attributed(found, environment, 'registry', 'registry.', props.registry));
  // A registry with problems is not rendered, but the rest is still checked against a stand-in (the default
  // registry), so that one synth reports every problem; the checks that need the real registry are skipped.
  const { registryProps, registry } = registryResolved ?? {
    registryProps: {},
    registry: resolveRegistry({ namespace, instance: name, clusterDomain, serviceMesh }, { namespace, schemaChecked: true }, new Problems())!,
  };

  const security = resolveSecurity(props.security, problems);
  const trafficStart = problems.count;
  resolveTrafficDefaults(serviceMesh, props.trafficDefaults, props.capabilityRouting, problems);
  const trafficResolved = !problems.since(trafficStart);
  // Parts with problems of their own are left out of what the agents are checked against, so that their
  // problems are not reported again for every agent.
  const wiring: MeshWiring = {
    namespace, instance: name, clusterDomain, serviceMesh, tracing, tls,
    security: props.security, trafficDefaults: trafficResolved ? props.trafficDefaults : undefined,
  };

  const model = new MeshModel(registry.model, props.allowDependencyCycles === true);
  const agents: ResolvedMeshAgent[] = [];
  const failedAgents: McpMeshAgentProps[] = [];
  (props.agents ?? []).forEach((agentProps, i) => {
    const agent = resolveMeshAgent(agentProps, `agents[${i}]`, i, { wiring, environment, registryUrl: registry.model.url, model, schemaChecked: true }, problems);
    if (agent === undefined) {
      failedAgents.push(agentProps);
    } else {
      model.addAgent(agent.agent.model, agent.field);
      agents.push(agent);
    }
  });
  // The graph's own checks, less the dependencies on capabilities that only a failed agent provides.
  const unbuilt = new Set(failedAgents.flatMap((a) => (a?.capabilities ?? []).map((c) => JSON.stringify(c?.name))));
  problems.add(...model._validate(registryResolved !== undefined).filter((e) => !(e.problem === NOT_PROVIDED && unbuilt.has(e.value))));
  const observability = props.observability === undefined ? undefined
    : resolveObservability(props.observability, { name, namespace, serviceMesh }, problems);
  const externalSecrets = props.externalSecrets === undefined ? undefined
    : resolveExternalSecrets(props.externalSecrets, 'externalSecrets', problems);
  if (externalSecrets !== undefined) problems.add(...secretCoverageProblems(externalSecrets, secretUses(registryResolved?.registry, agents), renderedSecrets(agents), 'externalSecrets'));
  if (registryResolved === undefined) return undefined;
  // The resolved parts are frozen by their own steps; the props stay the user's.
  return Object.freeze({
    name, namespace, clusterDomain, serviceMesh, createNamespace,
    ...(environment !== undefined ? { environment } : {}),
    registryProps, registry, agents: Object.freeze(agents), model, wiring,
    ...(security !== undefined ? { security } : {}),
    trafficResolved,
    ...(observability !== undefined ? { observability } : {}),
    ...(externalSecrets !== undefined ? { externalSecrets } : {}),
  });
}

/**
 * Resolves an agent added to a rendered mesh (`McpMesh.addAgent`): the same checks as the mesh's own agents
 * against the live model (the names taken, the graph), and the Secrets the mesh delivers.
 */
export function resolveAddedAgent(mesh: ResolvedMesh, model: MeshModel, props: McpMeshAgentProps, index: number, problems: Problems): ResolvedMeshAgent | undefined {
  const agent = resolveMeshAgent(props, `agents[${index}]`, index, {
    wiring: mesh.wiring, environment: mesh.environment, registryUrl: mesh.registry.model.url, model,
  }, problems);
  if (agent !== undefined && mesh.externalSecrets !== undefined) {
    const found = secretCoverageProblems(mesh.externalSecrets, secretUses(undefined, [agent]), renderedSecrets([agent]), 'externalSecrets');
    problems.add(...found);
    if (found.length > 0) return undefined;
  }
  return agent;
}

/** The Secret keys the mesh's workloads read: the registry (and its database) and every agent. */
function secretUses(registry: ResolvedRegistry | undefined, agents: readonly ResolvedMeshAgent[]): SecretUse[] {
  const uses: SecretUse[] = [];
  if (registry !== undefined) {
    const db = registry.storage.database;
    if (db !== undefined) {
      const workload = `StatefulSet/${db.name}`;
      uses.push({ secretName: db.credentials.secretName, key: db.credentials.usernameKey, where: `${workload} (env POSTGRES_USER)` });
      uses.push({ secretName: db.credentials.secretName, key: db.credentials.passwordKey, where: `${workload} (env POSTGRES_PASSWORD)` });
    }
    uses.push(...envSecretUses(registry.env, `StatefulSet/${registry.model.name}`));
  }
  for (const { agent } of agents) uses.push(...envSecretUses(agent.env, `Deployment/${agent.model.name}`));
  return uses;
}

/** The Secrets the mesh renders itself (plain-text agent secrets). */
function renderedSecrets(agents: readonly ResolvedMeshAgent[]): string[] {
  return agents.flatMap(({ agent }) => (agent.plainTextSecret === undefined ? [] : [agent.plainTextSecret.name]));
}

/**
 * Resolves a mesh's props into one validated, frozen mesh, or throws one error with every problem of the
 * input (field, value and fix each). What `new McpMesh(...)` does before it renders; useful on its own to
 * check input without synthesizing (the checks that need the rendered objects, such as derived object names
 * and the policy check, run at synth).
 */
export function resolveMesh(props: McpMeshProps = {}): ResolvedMesh {
  return resolvedOrThrow((problems) => resolveMeshCollecting(props, problems));
}
