/**
 * The resolve step of the traffic policy: the mesh-wide defaults and each agent's settings merged and checked
 * (with or without a service mesh, so that one added later finds nothing wrong), and the capability-routing
 * switch against the service mesh in use.
 */
import { MeshValidationError } from '../model/errors';
import { AgentModel, longestCallSeconds } from '../model/mesh-model';
import { ServiceMesh } from '../model/service-mesh';
import { Duration } from 'cdk8s';
import { TrafficModel, TrafficPolicyOptions } from '../model/traffic';
import { durationSeconds, requireInteger } from '../model/validation';
import { Problems, resolvedOrThrow } from './problems';

/** What the capability-routing switch asks of the service mesh that it cannot give. */
export function capabilityRoutingProblems(serviceMesh: ServiceMesh | undefined, capabilityRouting: boolean | undefined): MeshValidationError[] {
  if (capabilityRouting !== true) return [];
  switch (serviceMesh ?? ServiceMesh.NONE) {
    case ServiceMesh.NONE:
      return [new MeshValidationError('traffic.capabilityRouting', true, 'needs a service mesh to route by header', 'set serviceMesh: ServiceMesh.ISTIO, or leave capabilityRouting off')];
    case ServiceMesh.LINKERD:
      return [new MeshValidationError('traffic.capabilityRouting', true, 'is only rendered for Istio', 'leave capabilityRouting off with Linkerd')];
    default:
      return [];
  }
}

/** Checks the mesh-wide traffic settings; every problem goes to `problems`. */
export function resolveTrafficDefaults(serviceMesh: ServiceMesh | undefined, defaults: TrafficPolicyOptions | undefined, capabilityRouting: boolean | undefined, problems: Problems): void {
  // The defaults on their own, so that their errors name them (and a mesh without agents checks them too).
  problems.run(() => resolveTraffic('trafficDefaults', 0, defaults));
  problems.add(...capabilityRoutingProblems(serviceMesh, capabilityRouting));
}

/** An agent's traffic settings over the mesh's defaults; throws when they do not fit the agent. */
export function agentTraffic(agent: AgentModel, defaults: TrafficPolicyOptions | undefined): TrafficModel {
  return resolveTraffic(agentTrafficField(agent.name), longestCallSeconds(agent.capabilities), defaults, agent.traffic);
}

/**
 * An agent's own traffic settings on their own, for an agent that did not resolve (against its capabilities
 * they need the agent): their problems then come out with the agent's other ones.
 */
export function agentOwnTraffic(name: string, traffic: TrafficPolicyOptions): TrafficModel {
  return resolveTraffic(agentTrafficField(name), 0, {}, traffic);
}

const agentTrafficField = (name: string) => `agents.${name}.traffic`;

/**
 * Merges agent overrides over mesh defaults and checks them against the agent's longest capability timeout;
 * throws every problem of the settings at once.
 */
export function resolveTraffic(field: string, longestCallSeconds: number, defaults: TrafficPolicyOptions = {}, overrides: TrafficPolicyOptions = {}): TrafficModel {
  const o = { ...defaults, ...overrides };
  return resolvedOrThrow((problems) => {
    const check = <T>(run: () => T, fallback: T) => problems.check(run, fallback);
    const timeout = o.timeout;
    const timeoutSeconds = timeout === undefined ? longestCallSeconds : check(() => durationSeconds(`${field}.timeout`, timeout, 1, 86400), longestCallSeconds);
    if (timeoutSeconds < longestCallSeconds) {
      problems.add(new MeshValidationError(`${field}.timeout`, `${timeoutSeconds}s`,
        `is shorter than the agent's longest capability timeout ${longestCallSeconds}s, so the mesh would cut calls the capability allows`,
        `set the timeout to at least ${longestCallSeconds}s, or lower the capability's timeout`));
    }
    return {
      timeoutSeconds,
      retries: check(() => requireInteger(`${field}.retries`, o.retries ?? 2, 0, 10), 0),
      idempotent: o.idempotent === true,
      maxConnections: check(() => requireInteger(`${field}.maxConnections`, o.maxConnections ?? 100, 1, 1_000_000), 1),
      maxPendingRequests: check(() => requireInteger(`${field}.maxPendingRequests`, o.maxPendingRequests ?? 100, 1, 1_000_000), 1),
      consecutiveErrors: check(() => requireInteger(`${field}.consecutiveErrors`, o.consecutiveErrors ?? 5, 1, 1000), 1),
      baseEjectionSeconds: check(() => durationSeconds(`${field}.baseEjectionTime`, o.baseEjectionTime ?? Duration.seconds(30), 1, 3600), 1),
      maxEjectionPercent: check(() => requireInteger(`${field}.maxEjectionPercent`, o.maxEjectionPercent ?? 50, 0, 100), 0),
    };
  });
}
