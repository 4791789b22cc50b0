import { IConstruct } from 'constructs';
import { MeshModel } from '../model/mesh-model';
import { ServiceMesh } from '../model/service-mesh';

/** Secrets an operator delivers into the mesh's namespace (what `McpExternalSecrets` is). */
export interface IDeliveredSecrets extends IConstruct {
  /** Names of the delivered Secrets. */
  readonly secretNames: string[];
}

/**
 * A mesh as observability reads it: its name, namespace and model (which `McpMesh` is). Observability
 * never reads another construct's objects, only this.
 */
export interface IObservableMesh {
  /** The mesh name (`app.kubernetes.io/instance` of its objects). */
  readonly name: string;
  readonly namespace: string;
  /** The mesh as data. */
  readonly model: MeshModel;
  /** The service mesh whose proxies carry the agents' traffic. @default ServiceMesh.NONE */
  readonly serviceMesh: ServiceMesh;
  /** The Secrets the External Secrets Operator delivers, when the mesh has any. @default - none */
  readonly externalSecrets?: IDeliveredSecrets;
}

/**
 * What observability needs to know of a mesh, read from the mesh's model at synth time, so
 * that an agent added after the observability construct is still covered.
 */
export interface ObservedAgent {
  /** Agent name: also its Deployment, Service and ServiceAccount name. */
  readonly name: string;
  readonly replicas: number;
  readonly capabilities: ReadonlyArray<{ readonly name: string; readonly version: string; readonly timeoutSeconds: number }>;
  /** The longest capability timeout (the runtime's 30 s default when it declares none). */
  readonly longestTimeoutSeconds: number;
}

export interface ObservedMesh {
  /** The mesh name (`app.kubernetes.io/instance` of its objects). */
  readonly name: string;
  readonly namespace: string;
  readonly registry: {
    /** StatefulSet name. */
    readonly name: string;
    readonly replicas: number;
    /**
     * Names of the StatefulSet's volumeClaimTemplates (SQLite: one, `data`); empty on PostgreSQL. The claims
     * are `<template>-<statefulset>-<ordinal>`.
     */
    readonly claimTemplates: readonly string[];
  };
  readonly agents: readonly ObservedAgent[];
  /** Names of the Secrets the External Secrets Operator delivers (`externalSecrets`), sorted. */
  readonly externalSecrets: readonly string[];
}

/** The capability timeout the runtime assumes when none is declared. */
const DEFAULT_CAPABILITY_TIMEOUT = 30;

/** Reads the mesh as it is now (call it at synth time). */
export function observeMesh(mesh: IObservableMesh): ObservedMesh {
  const claimTemplates = [...mesh.model.registry.claimTemplates];
  return {
    name: mesh.name,
    namespace: mesh.namespace,
    registry: { name: mesh.model.registry.name, replicas: mesh.model.registry.replicas, claimTemplates },
    agents: mesh.model.agents.map((a) => ({
      name: a.name,
      replicas: a.replicas,
      capabilities: a.capabilities.map((c) => ({ name: c.name, version: c.version, timeoutSeconds: c.timeoutSeconds })),
      longestTimeoutSeconds: a.capabilities.length === 0 ? DEFAULT_CAPABILITY_TIMEOUT : Math.max(...a.capabilities.map((c) => c.timeoutSeconds)),
    })),
    externalSecrets: [...(mesh.externalSecrets?.secretNames ?? [])].sort(),
  };
}

/**
 * Capabilities whose calls can be told apart from the agents' HTTP traffic: every provider provides only this
 * one capability, so every request to those providers is a request for it. A provider of two capabilities
 * serves both on the same `POST /mcp`, which no proxy metric splits.
 */
export function attributableCapabilities(agents: readonly ObservedAgent[]): Set<string> {
  const providers = new Map<string, ObservedAgent[]>();
  for (const agent of agents) {
    for (const c of agent.capabilities) providers.set(c.name, [...(providers.get(c.name) ?? []), agent]);
  }
  return new Set([...providers].filter(([, list]) => list.every((a) => a.capabilities.length === 1)).map(([name]) => name));
}
