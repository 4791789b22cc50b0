import { MeshValidationError } from './errors';
import { NetworkPeer } from './network-peer';
import { REGISTRY_MILLICORES_PER_HEARTBEAT, SQLITE_MAX_HEARTBEATS_PER_SECOND } from './runtime';
import { TrafficPolicyOptions } from './traffic';

/**
 * The mesh as data: agents, what they provide, what they need and where the registry is.
 * Nothing here knows about Kubernetes; every construct that renders objects (workloads today, security,
 * observability and traffic policy as they come) reads this one model, so an agent or a dependency added
 * once flows everywhere.
 */

/** A capability an agent provides, as it registers it with the registry. */
export interface CapabilityModel {
  readonly name: string;
  readonly version: string;
  /** The longest a call to this capability may take, in seconds. */
  readonly timeoutSeconds: number;
  readonly tags: string[];
  readonly description?: string;
}

/** A Gateway API Gateway that routes to an agent. */
export interface GatewayReference {
  readonly name: string;
  /** @default - the mesh's namespace */
  readonly namespace?: string;
  /** The Gateway's listener to attach to. @default - every listener that admits the route */
  readonly sectionName?: string;
}

/** An agent's route from outside the cluster. */
export interface ExposureModel {
  readonly host: string;
  readonly path: string;
  readonly ingressClassName?: string;
  readonly tlsSecretName?: string;
  readonly gateway?: GatewayReference;
  /** The longest a call through it may take, in seconds: the controller's timeouts. */
  readonly timeoutSeconds: number;
}

/** How callers reach an agent: the address it advertises to the registry. */
export enum AdvertiseMode {
  /** The agent's ClusterIP Service DNS name: calls spread over its replicas. */
  SERVICE = 'service',
  /** The pod IP (downward API): direct pod-to-pod calls, with a headless Service for discovery. */
  POD_IP = 'pod-ip',
}

export interface AgentModel {
  /** The agent's name: also the name of its Deployment and Service. */
  readonly name: string;
  readonly namespace?: string;
  readonly port: number;
  readonly replicas: number;
  readonly advertise: AdvertiseMode;
  /** The host name callers use when `advertise` is SERVICE. */
  readonly serviceHost: string;
  readonly capabilities: CapabilityModel[];
  /** Capability names this agent calls. */
  readonly dependsOn: string[];
  readonly heartbeatIntervalSeconds: number;
  /** The agent calls the internet (LLM vendor APIs): egress outside the cluster is allowed for it alone. */
  readonly internetEgress: boolean;
  /** An ingress controller (or other gateway) may call the agent. */
  readonly exposed: boolean;
  /** The Ingress or HTTPRoute that exposes the agent, when the library renders one. */
  readonly exposure?: ExposureModel;
  /** How long this agent's runtime waits for calls it makes (`MCP_MESH_CALL_TIMEOUT`), when set. */
  readonly callTimeoutSeconds?: number;
  /** Per-agent traffic policy overrides, resolved against the mesh defaults by the traffic policy. */
  readonly traffic?: TrafficPolicyOptions;
  /** Backends outside the mesh the agent connects to (e.g. Redis for traces). */
  readonly backends: RegistryBackendModel[];
}

/** A backend a workload connects to, e.g. the registry's PostgreSQL. */
export interface BackendModel {
  /** What it is, for policy names and errors, e.g. "postgres". */
  readonly name: string;
  readonly peer: NetworkPeer;
  readonly port: number;
}

export interface RegistryModel {
  readonly name: string;
  /** The host name of the registry's ClusterIP Service. */
  readonly host: string;
  readonly namespace?: string;
  readonly port: number;
  /** The port of the admin API (`MCP_MESH_ADMIN_PORT`). */
  readonly adminPort: number;
  /** Who may call the admin API over the network (nobody when empty). */
  readonly adminAllowFrom: NetworkPeer[];
  readonly url: string;
  readonly replicas: number;
  /** Seconds without a heartbeat before the registry marks an agent unhealthy. */
  readonly timeoutThresholdSeconds: number;
  /** Backends the registry connects to (its database, trace stores); their network location may be unknown. */
  readonly backends: RegistryBackendModel[];
  /** 'sqlite' or 'postgres'. */
  readonly storage: string;
  /**
   * Names of the StatefulSet's volumeClaimTemplates (SQLite: one, `data`; PostgreSQL: none). The claims are
   * `<template>-<registry>-<ordinal>`.
   */
  readonly claimTemplates: string[];
  /** The CPU request of each replica, in millicores. */
  readonly cpuRequestMillicores: number;
  /** The prop to change when the registry is too small, for errors. */
  readonly sizingField: string;
}

/** A registry backend; `endpoint` is undefined when the user did not say where it is. */
export interface RegistryBackendModel {
  readonly name: string;
  /** The prop that sets the endpoint, for errors. */
  readonly field: string;
  readonly endpoint?: BackendModel;
  /** Pod labels of a backend the library renders itself: its pods get a policy that admits only the registry. */
  readonly podLabels?: { readonly [key: string]: string };
}

/** The capability timeout when none is given, in seconds. */
export const DEFAULT_CAPABILITY_TIMEOUT_SECONDS = 30;

/**
 * The longest a call to an agent may take: its longest capability timeout (the default capability timeout for
 * an agent that provides none). What its drain, its traffic timeout and its ingress timeouts follow.
 */
export function longestCallSeconds(capabilities: readonly CapabilityModel[]): number {
  return capabilities.length > 0 ? Math.max(...capabilities.map((c) => c.timeoutSeconds)) : DEFAULT_CAPABILITY_TIMEOUT_SECONDS;
}

/** The problem of a dependency on a capability that no agent provides. */
export const NOT_PROVIDED = 'is a capability that no agent in this mesh provides';

/** An agent must be able to miss this many heartbeats in a row before the registry calls it unhealthy. */
export const MIN_HEARTBEATS_PER_TIMEOUT = 3;

/** One resolved dependency: `from` calls `to` for `capability`. */
export interface DependencyEdge {
  readonly from: string;
  readonly to: string;
  readonly capability: string;
}

export class MeshModel {
  private readonly agentsByName = new Map<string, AgentModel>();
  private readonly listeners: Array<(agent: AgentModel) => void> = [];
  /** Edges and their indexes, computed once per change of the mesh: policies ask per agent. */
  private graph?: {
    edges: DependencyEdge[];
    callers: Map<string, string[]>;
    providers: Map<string, string[]>;
    providersOfCapability: Map<string, string[]>;
    dependedOn: Set<string>;
  };

  /**
   * @param allowDependencyCycles accept agents that call each other in a cycle (or an agent that calls its own
   * capability); refused otherwise, since a cycle can deadlock calls until their timeouts
   */
  constructor(public readonly registry: RegistryModel, private readonly allowDependencyCycles = false) {}

  /** Adds an agent; a second agent with the same name is an error. */
  public addAgent(agent: AgentModel, field = `agents[${this.agentsByName.size}].name`): void {
    this.requireFreeName(field, agent.name);
    this.agentsByName.set(agent.name, agent);
    this.graph = undefined;
    this.listeners.forEach((listener) => listener(agent));
  }

  /**
   * Calls `listener` for every agent, those already added and those added later: how the constructs that
   * render per-agent objects (policies, monitors) follow the mesh without extra wiring.
   */
  /** @internal */
  public _onAgent(listener: (agent: AgentModel) => void): void {
    this.agentsByName.forEach((agent) => listener(agent));
    this.listeners.push(listener);
  }

  /** Agents that call `provider`, sorted by name: the ones its ingress must admit. */
  public callersOf(provider: string): string[] {
    return this.index().callers.get(provider) ?? [];
  }

  /** Agents `caller` calls, sorted by name: the ones its egress must reach. */
  public providersFor(caller: string): AgentModel[] {
    return (this.index().providers.get(caller) ?? []).map((n) => this.agentsByName.get(n)!);
  }

  /** Throws unless `name` is free for a new agent. */
  public requireFreeName(field: string, name: string): void {
    if (this.agentsByName.has(name)) {
      throw new MeshValidationError(field, name, 'is already the name of another agent in this mesh',
        'give every agent a unique name (it names its Deployment, Service and ConfigMap)');
    }
    if (name === this.registry.name) {
      throw new MeshValidationError(field, name, 'is the name of the registry, so their Services would collide',
        'rename the agent or set registry.name');
    }
  }

  /** Agents in the order they were added (the order is part of the deterministic output). */
  public get agents(): AgentModel[] {
    return [...this.agentsByName.values()];
  }

  public agent(name: string): AgentModel | undefined {
    return this.agentsByName.get(name);
  }

  /** Every capability name any agent provides, sorted. */
  public get capabilities(): string[] {
    const names = new Set<string>();
    for (const agent of this.agentsByName.values()) {
      for (const capability of agent.capabilities) names.add(capability.name);
    }
    return [...names].sort();
  }

  /** The agents that provide a capability, in the order they were added. */
  public providersOf(capability: string): AgentModel[] {
    return (this.index().providersOfCapability.get(capability) ?? []).map((n) => this.agentsByName.get(n)!);
  }

  /** Whether some agent depends on the capability. */
  public isDependedOn(capability: string): boolean {
    return this.index().dependedOn.has(capability);
  }

  /**
   * Every (caller, provider, capability) triple. A capability with several providers yields an edge to each:
   * the registry may hand out any of them, so each must be reachable.
   */
  public get edges(): DependencyEdge[] {
    return [...this.index().edges];
  }

  private index() {
    if (this.graph !== undefined) return this.graph;
    const providersOf = new Map<string, string[]>();
    for (const agent of this.agentsByName.values()) {
      for (const capability of agent.capabilities) {
        const list = providersOf.get(capability.name) ?? [];
        if (!list.includes(agent.name)) list.push(agent.name);
        providersOf.set(capability.name, list);
      }
    }
    const edges: DependencyEdge[] = [];
    const callers = new Map<string, Set<string>>();
    const providers = new Map<string, Set<string>>();
    const add = (map: Map<string, Set<string>>, key: string, value: string) => map.set(key, (map.get(key) ?? new Set()).add(value));
    for (const agent of this.agentsByName.values()) {
      for (const capability of agent.dependsOn) {
        for (const to of providersOf.get(capability) ?? []) {
          edges.push({ from: agent.name, to, capability });
          add(callers, to, agent.name);
          add(providers, agent.name, to);
        }
      }
    }
    const sorted = (map: Map<string, Set<string>>) => new Map([...map].map(([k, v]) => [k, [...v].sort()]));
    const dependedOn = new Set([...this.agentsByName.values()].flatMap((a) => a.dependsOn));
    this.graph = { edges, callers: sorted(callers), providers: sorted(providers), providersOfCapability: providersOf, dependedOn };
    return this.graph;
  }

  /**
   * Checks that need the whole mesh: every dependency must be provided by some agent, no cycles, and (unless
   * `registryChecks` is false, for a registry that is itself wrong) heartbeats that fit the registry.
   */
  /** @internal */
  public _validate(registryChecks = true): MeshValidationError[] {
    const provided = new Set(this.capabilities);
    const errors: MeshValidationError[] = [];
    const timeout = this.registry.timeoutThresholdSeconds;
    const longestTimeout = new Map<string, number>();
    for (const agent of this.agentsByName.values()) {
      for (const c of agent.capabilities) longestTimeout.set(c.name, Math.max(longestTimeout.get(c.name) ?? 0, c.timeoutSeconds));
    }
    for (const agent of this.agentsByName.values()) {
      if (registryChecks && agent.heartbeatIntervalSeconds * MIN_HEARTBEATS_PER_TIMEOUT > timeout) {
        errors.push(new MeshValidationError(`agents.${agent.name}.heartbeatInterval`, `${agent.heartbeatIntervalSeconds}s`,
          `leaves room for fewer than ${MIN_HEARTBEATS_PER_TIMEOUT} heartbeats within the registry's timeout threshold of ${timeout}s, so one slow beat marks the agent unhealthy`,
          `set heartbeatInterval to at most ${Math.floor(timeout / MIN_HEARTBEATS_PER_TIMEOUT)}s, or raise registry.timeoutThreshold to at least ${agent.heartbeatIntervalSeconds * MIN_HEARTBEATS_PER_TIMEOUT}s`));
      }
      agent.dependsOn.forEach((capability, i) => {
        const longest = longestTimeout.get(capability) ?? 0;
        if (agent.callTimeoutSeconds !== undefined && agent.callTimeoutSeconds < longest) {
          errors.push(new MeshValidationError(`agents.${agent.name}.callTimeout`, `${agent.callTimeoutSeconds}s`,
            `is shorter than the ${longest}s timeout of "${capability}", which it calls: calls the capability allows would be abandoned`,
            `raise callTimeout to at least ${longest}s, or lower the timeout of "${capability}"`));
        }
        if (!provided.has(capability)) {
          const known = [...provided].join(', ') || 'none';
          errors.push(new MeshValidationError(`agents.${agent.name}.dependsOn[${i}]`, capability, NOT_PROVIDED,
            `depend on one of the capabilities that exist (${known}), or add an agent that provides "${capability}"`));
        }
      });
    }
    if (!this.allowDependencyCycles) errors.push(...this.dependencyCycles());
    if (registryChecks) errors.push(...this.registryLoad());
    return errors;
  }

  /**
   * Every cycle of calls between agents, with the path and the capabilities: one per group of agents that reach
   * each other (strongly connected components, found in linear time), and the shortest cycle through the
   * group's first agent shown. A mesh without cycles costs one pass over the edges.
   */
  private dependencyCycles(): MeshValidationError[] {
    const next = new Map<string, DependencyEdge[]>();
    for (const e of this.index().edges) {
      const list = next.get(e.from);
      if (list === undefined) next.set(e.from, [e]);
      else list.push(e);
    }
    const errors: MeshValidationError[] = [];
    for (const group of stronglyConnected([...this.agentsByName.keys()], (n) => (next.get(n) ?? []).map((e) => e.to))) {
      const members = new Set(group);
      const start = [...group].sort()[0];
      const selfLoop = (next.get(start) ?? []).find((e) => e.to === start);
      if (group.length === 1 && selfLoop === undefined) continue;
      // Breadth-first from start inside the group, back to start: the shortest cycle through it.
      const via = new Map<string, DependencyEdge>();
      const queue = [start];
      let closing: DependencyEdge | undefined = selfLoop;
      for (let i = 0; i < queue.length && closing === undefined; i++) {
        for (const e of next.get(queue[i]) ?? []) {
          if (!members.has(e.to)) continue;
          if (e.to === start) {
            closing = e;
            break;
          }
          if (!via.has(e.to)) {
            via.set(e.to, e);
            queue.push(e.to);
          }
        }
      }
      const path: DependencyEdge[] = [closing!];
      for (let at = closing!.from; at !== start; at = via.get(at)!.from) path.unshift(via.get(at)!);
      const shown = `${path.map((e) => `${e.from} -(${e.capability})->`).join(' ')} ${start}`;
      errors.push(new MeshValidationError(`agents.${start}.dependsOn`, shown,
        path.length === 1 ? 'is an agent calling a capability it provides itself, which the registry may resolve to the agent itself'
          : 'is a cycle of calls: each agent waits on the next, so one slow call can hold the whole cycle until the timeouts',
        'break the cycle (move the shared capability into an agent of its own), or set allowDependencyCycles: true on the mesh if the calls can never wait on each other'));
    }
    return errors;
  }

  /** Heartbeats per second the mesh's agents send, all replicas counted. */
  public get heartbeatsPerSecond(): number {
    // Rounded to a thousandth, so that 300 pods at 5 s are 60 and not 60.000000000000014.
    return Math.round(this.agents.reduce((sum, a) => sum + a.replicas / a.heartbeatIntervalSeconds, 0) * 1000) / 1000;
  }

  /** The registry must carry the agents' heartbeats: its CPU request, and on SQLite its measured ceiling. */
  private registryLoad(): MeshValidationError[] {
    const r = this.registry;
    const rate = this.heartbeatsPerSecond;
    const agents = this.agents.reduce((sum, a) => sum + a.replicas, 0);
    if (r.storage === 'sqlite' && rate > SQLITE_MAX_HEARTBEATS_PER_SECOND) {
      return [new MeshValidationError('registry.storage', 'sqlite',
        `cannot carry ${Math.round(rate)} heartbeats per second (${agents} agent pods): the 3.7.1 registry on SQLite tops out near ${SQLITE_MAX_HEARTBEATS_PER_SECOND} (measured, docs/sizing.md)`,
        'use RegistryStorage.postgres(...) with more replicas, or lengthen heartbeatInterval')];
    }
    const needed = Math.ceil(rate / r.replicas * REGISTRY_MILLICORES_PER_HEARTBEAT);
    if (needed > r.cpuRequestMillicores) {
      return [new MeshValidationError(r.sizingField, `${r.cpuRequestMillicores}m`,
        `is less than the ${needed}m that ${Math.round(rate)} heartbeats per second (${agents} agent pods over ${r.replicas} registry replica(s)) take (about ${REGISTRY_MILLICORES_PER_HEARTBEAT}m each, measured)`,
        `set registry.expectedAgents to the number of agent pods you plan for, or registry.resources.cpuRequest to at least ${needed}m`)];
    }
    return [];
  }
}

/**
 * Strongly connected components of a directed graph (Tarjan's algorithm, iterative, so that a chain of ten
 * thousand agents does not exhaust the stack), in the order of `nodes`.
 */
export function stronglyConnected(nodes: readonly string[], successors: (node: string) => readonly string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; edges: readonly string[]; next: number }> = [];
    const enter = (node: string) => {
      index.set(node, counter);
      low.set(node, counter++);
      stack.push(node);
      onStack.add(node);
      work.push({ node, edges: successors(node), next: 0 });
    };
    enter(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      if (frame.next < frame.edges.length) {
        const to = frame.edges[frame.next++];
        if (!index.has(to)) enter(to);
        else if (onStack.has(to)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}
