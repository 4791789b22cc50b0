import { MeshValidationError } from '../model/errors';
import { BackendEndpoint, validateEndpoint } from '../model/network-peer';
import { requireDnsSubdomain, requireInteger, requireQuantity, requireSecretKey } from '../model/validation';
import { EnvVarJson, envFromSecret, envValue } from '../k8s/pod';
import { resolvePostgres, waitForPostgres } from '../resolve/resolve-postgres';
import { PostgresCredentials, PostgresInClusterProps, StorageBinding, StorageContext, requireDatabaseName } from './storage-context';

export type { PostgresCredentials } from './storage-context';
import { brand } from '../schema/brand';

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

export interface PostgresPartsProps {
  /** Host name of the database server. */
  readonly host: string;
  /** @default 5432 */
  readonly port?: number;
  /** @default "mcp_mesh_registry" */
  readonly database?: string;
  /**
   * User and password, from a Secret. The password goes into the connection URL, so it must be URL-safe
   * (letters, digits, `-._~`); use `RegistryStorage.postgres({ urlSecret })` for any other.
   */
  readonly credentials: PostgresCredentials;
  /**
   * `sslmode` of the connection.
   * @default "require"
   */
  readonly sslMode?: string;
  /**
   * Where the database is, for the registry's egress NetworkPolicy.
   * @default - unknown: McpSecurity fails synth rather than render a policy that cuts the registry off
   */
  readonly endpoint?: BackendEndpoint;
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
  /** Made by the static factories only. */
  protected constructor() {}

  /** SQLite on a volumeClaimTemplate mounted at /data. The registry then runs exactly one replica. */
  public static sqlite(props: SqliteStorageProps = {}): RegistryStorage {
    return brand(new SqliteStorage(props), { className: 'RegistryStorage', factory: 'sqlite', definition: 'SqliteStorageProps', props });
  }

  /** PostgreSQL whose URL is read from a Secret. Needed for more than one registry replica. */
  public static postgres(props: PostgresStorageProps): RegistryStorage {
    return brand(new PostgresStorage(props), { className: 'RegistryStorage', factory: 'postgres', definition: 'PostgresStorageProps', props });
  }

  /**
   * PostgreSQL given by host, port and database, with the user and password from a Secret: the URL is
   * composed in the pod (Kubernetes `$(VAR)` expansion), so no Secret has to hold it.
   */
  public static postgresFromParts(props: PostgresPartsProps): RegistryStorage {
    return brand(new PostgresPartsStorage(props), { className: 'RegistryStorage', factory: 'postgresFromParts', definition: 'PostgresPartsProps', props });
  }

  /**
   * A PostgreSQL StatefulSet rendered next to the registry (one instance, on a persistent volume, restricted
   * pod security, `pg_isready` probes), with its credentials from a Secret you create. The registry waits
   * for it, and the NetworkPolicies admit only the registry to it.
   */
  public static postgresInCluster(props: PostgresInClusterProps): RegistryStorage {
    return brand(new PostgresInClusterStorage(props), { className: 'RegistryStorage', factory: 'postgresInCluster', definition: 'PostgresInClusterProps', props });
  }

  /** The storage's name, for docs and errors. */
  public abstract readonly kind: 'sqlite' | 'postgres';

  /** @internal */
  public abstract _resolve(context: StorageContext): StorageBinding;
}

class SqliteStorage extends RegistryStorage {
  public readonly kind = 'sqlite' as const;
  constructor(private readonly props: SqliteStorageProps) {
    super();
  }

  public _resolve({ field }: StorageContext): StorageBinding {
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
      env: [envValue('DATABASE_URL', SQLITE_FILE)],
      initContainers: [],
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

  public _resolve({ field }: StorageContext): StorageBinding {
    const ref = this.props.urlSecret;
    if (ref === undefined) {
      throw new MeshValidationError(`${field}.urlSecret`, ref, 'is required for PostgreSQL storage',
        'pass urlSecret: { name: "<secret>", key: "<key>" } naming a Secret that holds the postgres:// URL');
    }
    requireDnsSubdomain(`${field}.urlSecret.name`, ref.name);
    requireSecretKey(`${field}.urlSecret.key`, ref.key);
    return externalPostgres(field, [envFromSecret('DATABASE_URL', ref.name, ref.key)], this.props.endpoint);
  }
}

class PostgresPartsStorage extends RegistryStorage {
  public readonly kind = 'postgres' as const;
  constructor(private readonly props: PostgresPartsProps) {
    super();
  }

  public _resolve({ field }: StorageContext): StorageBinding {
    const p = this.props;
    if (typeof p.host !== 'string' || !/^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/.test(p.host)) {
      throw new MeshValidationError(`${field}.host`, p.host, 'is not a host name', 'use the database server\'s DNS name or IP address');
    }
    const port = requireInteger(`${field}.port`, p.port ?? 5432, 1, 65535);
    const database = requireDatabaseName(`${field}.database`, p.database ?? 'mcp_mesh_registry');
    const sslMode = p.sslMode ?? 'require';
    if (!['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'].includes(sslMode)) {
      throw new MeshValidationError(`${field}.sslMode`, sslMode, 'is not a PostgreSQL sslmode', 'use disable, prefer, require, verify-ca or verify-full');
    }
    return externalPostgres(field, credentialEnv(`${field}.credentials`, p.credentials, p.host, port, database, sslMode), p.endpoint);
  }
}

/** The env that composes DATABASE_URL in the pod from a user and password Secret: `$(VAR)` is expanded by the kubelet. */
export function credentialEnv(field: string, credentials: PostgresCredentials, host: string, port: number, database: string, sslMode: string): EnvVarJson[] {
  if (credentials === undefined) {
    throw new MeshValidationError(field, credentials, 'is required', 'pass credentials: { secretName: "<secret with username and password>" }');
  }
  requireDnsSubdomain(`${field}.secretName`, credentials.secretName);
  const userKey = requireSecretKey(`${field}.usernameKey`, credentials.usernameKey ?? 'username');
  const passwordKey = requireSecretKey(`${field}.passwordKey`, credentials.passwordKey ?? 'password');
  // PGUSER and PGPASSWORD are also what the PostgreSQL drivers read.
  return [
    envFromSecret('PGUSER', credentials.secretName, userKey),
    envFromSecret('PGPASSWORD', credentials.secretName, passwordKey),
    // connect_timeout: the registry hangs forever on a database that accepts but never answers (measured).
    envValue('DATABASE_URL', `postgres://$(PGUSER):$(PGPASSWORD)@${host}:${port}/${database}?sslmode=${sslMode}&connect_timeout=10`),
  ];
}

function externalPostgres(field: string, env: EnvVarJson[], endpoint: BackendEndpoint | undefined): StorageBinding {
  if (endpoint !== undefined) validateEndpoint(`${field}.endpoint`, endpoint);
  return {
    kind: 'postgres',
    env,
    initContainers: [],
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


class PostgresInClusterStorage extends RegistryStorage {
  public readonly kind = 'postgres' as const;
  constructor(private readonly props: PostgresInClusterProps) {
    super();
  }

  public _resolve(context: StorageContext): StorageBinding {
    const db = resolvePostgres(this.props, context);
    return {
      kind: 'postgres',
      env: credentialEnv(`${context.field}.credentials`, this.props.credentials, db.host, db.port, db.database, 'disable'),
      initContainers: [waitForPostgres(db)],
      database: db,
      backend: { name: 'postgres', field: `${context.field}`, endpoint: { name: 'postgres', peer: db.peer, port: db.port }, podLabels: db.podLabels },
      volumeClaimTemplates: [],
      volumeMounts: [],
      maxReplicas: Number.MAX_SAFE_INTEGER,
    };
  }
}
