/**
 * What the registry's storage choices (./registry-storage.ts) and the in-cluster PostgreSQL
 * (./postgres-database.ts) share: the context a choice renders in, what it gives the StatefulSet, the
 * credentials shape, and the database-name rule. A file of its own so that neither imports the other's.
 */
import { EnvVarJson } from '../k8s/pod';
import { MeshValidationError } from '../model/errors';
import { RegistryBackendModel } from '../model/mesh-model';
import { ServiceMesh } from '../model/service-mesh';
import { NetworkPeer } from '../model/network-peer';
import { ResourceProps, ResourceRequirementsJson } from '../k8s/resources';
import { PodMetadata } from '../k8s/service-mesh';

/** The official PostgreSQL image's `postgres` user. */
export const POSTGRES_UID = 999;
export const POSTGRES_PORT = 5432;

export interface PostgresCredentials {
  /** Name of the Secret, in the mesh namespace. */
  readonly secretName: string;
  /** @default "username" */
  readonly usernameKey?: string;
  /** @default "password" */
  readonly passwordKey?: string;
}

/** What a storage choice needs to know of its registry to resolve. @internal */
export interface StorageContext {
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
  /** A database rendered next to the registry (`postgresInCluster`), as resolved. */
  readonly database?: ResolvedPostgres;
}

export function requireDatabaseName(field: string, name: unknown): string {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new MeshValidationError(field, name, 'is not a plain PostgreSQL database name', 'use letters, digits and "_", e.g. "mcp_mesh_registry"');
  }
  return name;
}

/** The in-cluster PostgreSQL as it renders: every value checked. */
export interface ResolvedPostgres {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly image: string;
  readonly instance: string;
  readonly namespace?: string;
  readonly credentials: { readonly secretName: string; readonly usernameKey: string; readonly passwordKey: string };
  readonly size: string;
  readonly storageClassName?: string;
  readonly resources: ResourceRequirementsJson;
  readonly podMetadata: PodMetadata;
  /** The database's pod labels (its selector). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** The database's pods, as a NetworkPolicy peer of the registry. */
  readonly peer: NetworkPeer;
}

export interface PostgresInClusterProps {
  /** The Secret (which you create) with the database user and password. */
  readonly credentials: PostgresCredentials;
  /** @default "mcp_mesh_registry" */
  readonly database?: string;
  /**
   * PostgreSQL image, pinned. Its entrypoint initializes the data directory as the image's `postgres` user.
   * @default "postgres:17.6"
   */
  readonly image?: string;
  /** @default "10Gi" */
  readonly size?: string;
  /** @default - the cluster's default StorageClass */
  readonly storageClassName?: string;
  /** @default - requests 250m CPU and 256Mi memory, memory limit 1Gi */
  readonly resources?: ResourceProps;
}
