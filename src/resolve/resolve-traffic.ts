/**
 * The resolve step of the traffic policy: the mesh-wide defaults and each agent's settings merged and checked
 * (with or without a service mesh, so that one added later finds nothing wrong), and the capability-routing
 * switch against the service mesh in use.
 */
import { MeshValidationError } from '../model/errors';
import { AgentModel, longestCallSeconds } from '../model/mesh-model';
import { ServiceMesh } from '../model/service-mesh';
import { TrafficModel, TrafficPolicyOptions, resolveTraffic } from '../model/traffic';
import { Problems } from './problems';

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
  return resolveTraffic(`agents.${agent.name}.traffic`, longestCallSeconds(agent.capabilities), defaults, agent.traffic);
}
