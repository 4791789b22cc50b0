/**
 * What the registry's storage choices (./registry-storage.ts) and the in-cluster PostgreSQL
 * (./postgres-database.ts) share: the context a choice renders in, what it gives the StatefulSet, the
 * credentials shape, and the database-name rule. A file of its own so that neither imports the other's.
 */
import { Construct } from 'constructs';
import { EnvVarJson } from '../k8s/pod';
import { MeshValidationError } from '../model/errors';
import { RegistryBackendModel } from '../model/mesh-model';
import { ServiceMesh } from '../model/service-mesh';

export interface PostgresCredentials {
  /** Name of the Secret, in the mesh namespace. */
  readonly secretName: string;
  /** @default "username" */
  readonly usernameKey?: string;
  /** @default "password" */
  readonly passwordKey?: string;
}

/** Where the registry's storage is rendered: what a storage choice needs to know of its registry. @internal */
export interface StorageContext {
  readonly scope: Construct;
  readonly field: string;
  readonly registryName: string;
  readonly namespace?: string;
  readonly instance: string;
  readonly clusterDomain: string;
  readonly serviceMesh?: ServiceMesh;
}

/** What a storage choice contributes to the registry's StatefulSet. @internal */
export interface StorageBinding {
  readonly kind: 'sqlite' | 'postgres';
  readonly env: EnvVarJson[];
  /** Containers that run before the registry, e.g. to wait for its database. */
  readonly initContainers: Record<string, unknown>[];
  readonly volumeClaimTemplates: Record<string, unknown>[];
  readonly volumeMounts: Record<string, unknown>[];
  /** Most replicas this storage can serve. */
  readonly maxReplicas: number;
  /** A database the registry connects to over the network. */
  readonly backend?: RegistryBackendModel;
}

export function requireDatabaseName(field: string, name: unknown): string {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new MeshValidationError(field, name, 'is not a plain PostgreSQL database name', 'use letters, digits and "_", e.g. "mcp_mesh_registry"');
  }
  return name;
}
