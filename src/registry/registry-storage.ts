import { MeshValidationError } from '../model/errors';
import { RegistryBackendModel } from '../model/mesh-model';
import { BackendEndpoint } from '../model/network-peer';
import { requireDnsSubdomain, requireInteger, requireQuantity } from '../model/validation';
import { EnvVarJson, envFromSecret, envValue } from '../k8s/pod';

/** How a PersistentVolume may be mounted. */
export enum VolumeAccessMode {
  /** Mounted read-write by one node. */
  READ_WRITE_ONCE = 'ReadWriteOnce',
  /** Mounted read-write by one pod only (CSI volumes, Kubernetes 1.29+): the safest for SQLite. */
  READ_WRITE_ONCE_POD = 'ReadWriteOncePod',
}

/** A key in an existing Secret. The library renders references only, never values, so GitOps output stays clean. */
export interface SecretKeyReference {
  /** Name of the Secret, in the mesh namespace. */
  readonly name: string;
  /** Key inside the Secret. */
  readonly key: string;
}

export interface SqliteStorageProps {
  /**
   * Size of the PersistentVolumeClaim that holds the SQLite file.
   * @default "1Gi"
   */
  readonly size?: string;
  /**
   * StorageClass of the claim.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /** @default VolumeAccessMode.READ_WRITE_ONCE */
  readonly accessMode?: VolumeAccessMode;
}

export interface PostgresStorageProps {
  /** The Secret key that holds the full `postgres://user:password@host:5432/db` URL. */
  readonly urlSecret: SecretKeyReference;
  /**
   * Where the database is, for the registry's egress NetworkPolicy (the URL itself is secret, so the
   * library cannot read the host from it). Required when McpSecurity renders NetworkPolicies.
   * @default - unknown: McpSecurity fails synth rather than render a policy that cuts the registry off
   */
  readonly endpoint?: BackendEndpoint;
}

/** What a storage choice contributes to the registry's StatefulSet. @internal */
export interface StorageBinding {
  readonly kind: 'sqlite' | 'postgres';
  readonly env: EnvVarJson;
  readonly volumeClaimTemplates: Record<string, unknown>[];
  readonly volumeMounts: Record<string, unknown>[];
  /** Most replicas this storage can serve. */
  readonly maxReplicas: number;
  /** A database the registry connects to over the network. */
  readonly backend?: RegistryBackendModel;
}

export const SQLITE_DATA_DIR = '/data';
export const SQLITE_FILE = `${SQLITE_DATA_DIR}/mcp_mesh_registry.db`;
const DATA_VOLUME = 'data';

/**
 * Where the registry keeps its state. Pick one with a static factory:
 * `RegistryStorage.sqlite()` (one replica, a persistent volume) or `RegistryStorage.postgres(...)` (any number
 * of replicas, an existing database).
 */
export abstract class RegistryStorage {
  /** SQLite on a volumeClaimTemplate mounted at /data. The registry then runs exactly one replica. */
  public static sqlite(props: SqliteStorageProps = {}): RegistryStorage {
    return new SqliteStorage(props);
  }

  /** PostgreSQL whose URL is read from a Secret. Needed for more than one registry replica. */
  public static postgres(props: PostgresStorageProps): RegistryStorage {
    return new PostgresStorage(props);
  }

  /** The storage's name, for docs and errors. */
  public abstract readonly kind: 'sqlite' | 'postgres';

  /** @internal */
  public abstract _bind(field: string): StorageBinding;
}

class SqliteStorage extends RegistryStorage {
  public readonly kind = 'sqlite' as const;
  constructor(private readonly props: SqliteStorageProps) {
    super();
  }

  public _bind(field: string): StorageBinding {
    const size = requireQuantity(`${field}.size`, this.props.size ?? '1Gi');
    const accessMode = this.props.accessMode ?? VolumeAccessMode.READ_WRITE_ONCE;
    if (!Object.values(VolumeAccessMode).includes(accessMode)) {
      throw new MeshValidationError(`${field}.accessMode`, accessMode, 'is not an access mode a single SQLite writer can use',
        'use VolumeAccessMode.READ_WRITE_ONCE or VolumeAccessMode.READ_WRITE_ONCE_POD');
    }
    const spec: Record<string, unknown> = {
      accessModes: [accessMode],
      resources: { requests: { storage: size } },
    };
    if (this.props.storageClassName !== undefined) {
      spec.storageClassName = requireDnsSubdomain(`${field}.storageClassName`, this.props.storageClassName);
    }
    return {
      kind: this.kind,
      env: envValue('DATABASE_URL', SQLITE_FILE),
      volumeClaimTemplates: [{ metadata: { name: DATA_VOLUME }, spec }],
      volumeMounts: [{ mountPath: SQLITE_DATA_DIR, name: DATA_VOLUME }],
      maxReplicas: 1,
    };
  }
}

class PostgresStorage extends RegistryStorage {
  public readonly kind = 'postgres' as const;
  constructor(private readonly props: PostgresStorageProps) {
    super();
  }

  public _bind(field: string): StorageBinding {
    const ref = this.props.urlSecret;
    if (ref === undefined) {
      throw new MeshValidationError(`${field}.urlSecret`, ref, 'is required for PostgreSQL storage',
        'pass urlSecret: { name: "<secret>", key: "<key>" } naming a Secret that holds the postgres:// URL');
    }
    requireDnsSubdomain(`${field}.urlSecret.name`, ref.name);
    if (typeof ref.key !== 'string' || !/^[-._a-zA-Z0-9]+$/.test(ref.key)) {
      throw new MeshValidationError(`${field}.urlSecret.key`, ref.key, 'is not a valid Secret key',
        'use letters, digits, "-", "_" or "."');
    }
    const endpoint = this.props.endpoint;
    if (endpoint !== undefined) {
      endpoint.peer.validate(`${field}.endpoint.peer`);
      requireInteger(`${field}.endpoint.port`, endpoint.port, 1, 65535);
    }
    return {
      kind: this.kind,
      env: envFromSecret('DATABASE_URL', ref.name, ref.key),
      backend: {
        name: 'postgres',
        field: `${field}.endpoint`,
        endpoint: endpoint === undefined ? undefined : { name: 'postgres', peer: endpoint.peer, port: endpoint.port },
      },
      volumeClaimTemplates: [],
      volumeMounts: [],
      maxReplicas: Number.MAX_SAFE_INTEGER,
    };
  }
}
