import { ApiObject, Duration } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { MeshObject, objectData } from '../k8s/mesh-object';
import { MeshValidationError } from '../model/errors';
import { durationSeconds, goDuration, requireDnsSubdomain, requireSecretKey } from '../model/validation';

/** The kind of External Secrets Operator store the values are read from. */
export enum SecretStoreKind {
  /** A `SecretStore` in the mesh's namespace. */
  SECRET_STORE = 'SecretStore',
  /** A cluster-wide `ClusterSecretStore`. */
  CLUSTER_SECRET_STORE = 'ClusterSecretStore',
}

/** One key of a delivered Secret and where its value lives in the external store. */
export interface ExternalSecretKey {
  /** The key in the Kubernetes Secret, e.g. "anthropic" (what `SecretValue.fromSecretKey(secret, key)` names). */
  readonly key: string;
  /** The value's key (path) in the external store, e.g. "prod/llm/anthropic" or a Vault KV path. */
  readonly remoteKey: string;
  /**
   * A property inside the remote value, for stores that hold JSON documents or maps (Vault KV, AWS Secrets
   * Manager JSON secrets).
   * @default - the whole value
   */
  readonly property?: string;
  /**
   * The version of the remote value.
   * @default - the latest
   */
  readonly version?: string;
}

/** A Secret the operator creates in the mesh's namespace, by the name the mesh's workloads reference it. */
export interface ExternalSecretSource {
  /** The Kubernetes Secret's name, e.g. "llm-keys". */
  readonly secretName: string;
  /** Its keys. */
  readonly data: ExternalSecretKey[];
}

/**
 * Secrets delivered by the External Secrets Operator (external-secrets.io/v1) from an external store (Vault,
 * AWS/GCP/Azure secret managers, ...), so that no secret value is ever in the synthesized YAML or in Git.
 */
export interface ExternalSecretsOptions {
  /** The name of the store to read from. It must exist: the operator's install, not this library, creates it. */
  readonly storeName: string;
  /**
   * Whether `storeName` is a cluster-wide store or one in the mesh's namespace.
   * @default SecretStoreKind.CLUSTER_SECRET_STORE
   */
  readonly storeKind?: SecretStoreKind;
  /**
   * How often the operator reads the store again and updates the Secrets. Pods read their environment when they
   * start, so a rotated value reaches them at their next restart or rollout.
   * @default Duration.hours(1)
   */
  readonly refreshInterval?: Duration;
  /** The Secrets to deliver. */
  readonly secrets: ExternalSecretSource[];
}

export interface McpExternalSecretsProps extends ExternalSecretsOptions {
  readonly namespace: string;
  readonly instance: string;
  /** The construct whose workloads read these Secrets: every Secret key they reference is checked against `secrets`. */
  readonly consumers: IConstruct;
  /** Field prefix for errors. @default "externalSecrets" */
  readonly field?: string;
}

/** A Secret key a rendered workload reads. */
interface SecretReference {
  readonly secretName: string;
  /** undefined: the whole Secret (envFrom, a volume without items). */
  readonly key?: string;
  /** e.g. `Deployment/weather` env ANTHROPIC_API_KEY */
  readonly where: string;
}

/**
 * One `ExternalSecret` per delivered Secret (the operator creates and owns the Secret of the same name), and a
 * synth-time check that every key the mesh's workloads read from a delivered Secret is delivered: a missing
 * key would only show up as pods stuck in CreateContainerConfigError.
 */
export class McpExternalSecrets extends Construct {
  /** Names of the delivered Secrets. */
  public readonly secretNames: string[];
  private readonly keys = new Map<string, { index: number; keys: Set<string> }>();

  constructor(scope: Construct, id: string, private readonly props: McpExternalSecretsProps) {
    super(scope, id);
    const f = (s: string) => `${props.field ?? 'externalSecrets'}.${s}`;
    const storeName = requireDnsSubdomain(f('storeName'), props.storeName);
    const storeKind = props.storeKind ?? SecretStoreKind.CLUSTER_SECRET_STORE;
    if (!Object.values(SecretStoreKind).includes(storeKind)) {
      throw new MeshValidationError(f('storeKind'), storeKind, 'is not a store kind', `use one of ${Object.values(SecretStoreKind).join(', ')}`);
    }
    const refreshSeconds = durationSeconds(f('refreshInterval'), props.refreshInterval ?? Duration.hours(1), 0, 7 * 86400);
    // "0s" (read once, never refreshed) as the operator's documentation writes it.
    const refresh = refreshSeconds === 0 ? '0s' : goDuration(refreshSeconds);
    if (!Array.isArray(props.secrets) || props.secrets.length === 0) {
      throw new MeshValidationError(f('secrets'), props.secrets, 'lists no Secret', 'list the Secrets to deliver: [{ secretName, data: [{ key, remoteKey }] }], or drop externalSecrets');
    }
    props.secrets.forEach((source, i) => {
      const sf = (s: string) => f(`secrets[${i}].${s}`);
      const secretName = requireDnsSubdomain(sf('secretName'), source?.secretName);
      const other = this.keys.get(secretName);
      if (other !== undefined) {
        throw new MeshValidationError(sf('secretName'), secretName, `is delivered twice (also by secrets[${other.index}])`, 'merge their data into one entry');
      }
      if (!Array.isArray(source.data) || source.data.length === 0) {
        throw new MeshValidationError(sf('data'), source.data, 'lists no key', 'list the Secret\'s keys: [{ key, remoteKey }]');
      }
      const keys = new Set<string>();
      const data = source.data.map((d, j) => {
        const key = requireSecretKey(sf(`data[${j}].key`), d?.key);
        if (keys.has(key)) throw new MeshValidationError(sf(`data[${j}].key`), key, 'is listed twice', 'keep one entry per key');
        keys.add(key);
        for (const prop of ['remoteKey', 'property', 'version'] as const) {
          const value = d[prop];
          if ((prop === 'remoteKey' || value !== undefined) && (typeof value !== 'string' || value.trim() === '')) {
            throw new MeshValidationError(sf(`data[${j}].${prop}`), value, 'is empty', prop === 'remoteKey'
              ? 'give the value\'s key (path) in the external store' : `give a ${prop}, or leave it out`);
          }
        }
        return {
          remoteRef: { key: d.remoteKey, ...(d.property === undefined ? {} : { property: d.property }), ...(d.version === undefined ? {} : { version: d.version }) },
          secretKey: key,
        };
      });
      this.keys.set(secretName, { index: i, keys });
      new MeshObject(this, `ExternalSecret-${secretName}`, {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: {
          labels: {
            'app.kubernetes.io/component': 'secrets', 'app.kubernetes.io/instance': props.instance,
            'app.kubernetes.io/managed-by': 'cdk8s-mcp-mesh', 'app.kubernetes.io/part-of': 'mcp-mesh',
          },
          name: secretName,
          namespace: props.namespace,
        },
        spec: {
          data,
          refreshInterval: refresh,
          secretStoreRef: { kind: storeKind, name: storeName },
          // The operator owns the Secret: it is deleted with the ExternalSecret, and never written by anyone else.
          target: { creationPolicy: 'Owner', name: secretName },
        },
      });
    });
    this.secretNames = [...this.keys.keys()];
    this.node.addValidation({ validate: () => this.coverage(f) });
  }

  /** Keys read but not delivered, and Secrets rendered under a delivered name (two writers). */
  private coverage(f: (s: string) => string): string[] {
    const errors: string[] = [];
    const own = new Set<IConstruct>(this.node.findAll());
    const objects = this.props.consumers.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c) && !own.has(c));
    for (const o of objects) {
      if (o.kind === 'Secret' && o.apiVersion === 'v1' && this.keys.has(o.name)) {
        const { index } = this.keys.get(o.name)!;
        errors.push(new MeshValidationError(f(`secrets[${index}].secretName`), o.name, 'is also a Secret the mesh renders itself, and the two would overwrite each other',
          'deliver the value under another Secret name, or drop the other source (e.g. allowPlainTextSecrets)').message);
      }
    }
    for (const ref of objects.flatMap(secretReferences)) {
      const delivered = this.keys.get(ref.secretName);
      if (delivered === undefined || ref.key === undefined || delivered.keys.has(ref.key)) continue;
      errors.push(new MeshValidationError(f(`secrets[${delivered.index}].data`), [...delivered.keys],
        `does not deliver key "${ref.key}" of Secret "${ref.secretName}", which ${ref.where} reads (its pods would not start)`,
        `add { key: "${ref.key}", remoteKey: "<the value's key in the store>" }`).message);
    }
    return errors;
  }
}

/** The Secret keys a workload's pod template (or a Pod) reads: env, envFrom and secret volumes. */
function secretReferences(o: ApiObject): SecretReference[] {
  if (!['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'Pod'].includes(o.kind)) return [];
  const json = objectData(o);
  const pod = o.kind === 'Pod' ? json.spec : json.spec?.template?.spec;
  const refs: SecretReference[] = [];
  const what = `${o.kind}/${o.name}`;
  for (const c of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) {
    for (const e of c.env ?? []) {
      const r = e.valueFrom?.secretKeyRef;
      if (r !== undefined && r.optional !== true) refs.push({ secretName: r.name, key: r.key, where: `${what} (env ${e.name})` });
    }
    for (const e of c.envFrom ?? []) {
      if (e.secretRef !== undefined) refs.push({ secretName: e.secretRef.name, where: `${what} (envFrom)` });
    }
  }
  for (const v of pod?.volumes ?? []) {
    const sources = [v.secret, ...(v.projected?.sources ?? []).map((s: any) => s.secret && { ...s.secret, secretName: s.secret.name })];
    for (const s of sources) {
      if (s === undefined || s.optional === true) continue;
      const items: any[] = s.items ?? [];
      if (items.length === 0) refs.push({ secretName: s.secretName, where: `${what} (volume ${v.name})` });
      for (const item of items) refs.push({ secretName: s.secretName, key: item.key, where: `${what} (volume ${v.name})` });
    }
  }
  return refs;
}
