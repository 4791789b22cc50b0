/**
 * The resolve step of the Secrets the External Secrets Operator delivers: the store, the refresh interval and
 * every Secret and key checked, every problem collected. (Whether the workloads read only keys that are
 * delivered is checked on the rendered objects at synth: it covers objects a user adds to the chart too.)
 */
import { Duration } from 'cdk8s';
import { MeshValidationError } from '../model/errors';
import { durationSeconds, goDuration, requireDnsSubdomain, requireSecretKey } from '../model/validation';
import { ExternalSecretsOptions, McpExternalSecretsProps, SecretStoreKind } from '../security/external-secrets-props';
import { Problems, ResolvedCarrier, deepFreeze } from './problems';

/** One key of a delivered Secret, as the ExternalSecret lists it. */
export interface ResolvedExternalSecretKey {
  readonly remoteRef: { readonly key: string; readonly property?: string; readonly version?: string };
  readonly secretKey: string;
}

/** The delivered Secrets as they render. */
export interface ResolvedExternalSecrets {
  readonly storeName: string;
  readonly storeKind: SecretStoreKind;
  /** As the operator's documentation writes it ("0s": read once, never refreshed). */
  readonly refreshInterval: string;
  readonly secrets: ReadonlyArray<{ readonly secretName: string; readonly index: number; readonly data: readonly ResolvedExternalSecretKey[] }>;
}

/** Checks the delivered Secrets; every problem goes to `problems`. `field` prefixes the errors' fields. */
export function resolveExternalSecrets(options: ExternalSecretsOptions, field: string, problems: Problems): ResolvedExternalSecrets | undefined {
  const start = problems.count;
  const f = (s: string) => `${field}.${s}`;
  const storeName = problems.check(() => requireDnsSubdomain(f('storeName'), options.storeName), '');
  const storeKind = options.storeKind ?? SecretStoreKind.CLUSTER_SECRET_STORE;
  if (!Object.values(SecretStoreKind).includes(storeKind)) {
    problems.add(new MeshValidationError(f('storeKind'), storeKind, 'is not a store kind', `use one of ${Object.values(SecretStoreKind).join(', ')}`));
  }
  const refreshSeconds = problems.check(() => durationSeconds(f('refreshInterval'), options.refreshInterval ?? Duration.hours(1), 0, 7 * 86400), 3600);
  if (!Array.isArray(options.secrets) || options.secrets.length === 0) {
    problems.add(new MeshValidationError(f('secrets'), options.secrets, 'lists no Secret', 'list the Secrets to deliver: [{ secretName, data: [{ key, remoteKey }] }], or drop externalSecrets'));
    return undefined;
  }
  const secrets: Array<ResolvedExternalSecrets['secrets'][number]> = [];
  const indexOf = new Map<string, number>();
  options.secrets.forEach((source, i) => problems.run(() => {
    const sf = (s: string) => f(`secrets[${i}].${s}`);
    const secretName = requireDnsSubdomain(sf('secretName'), source?.secretName);
    const other = indexOf.get(secretName);
    if (other !== undefined) {
      throw new MeshValidationError(sf('secretName'), secretName, `is delivered twice (also by secrets[${other}])`, 'merge their data into one entry');
    }
    indexOf.set(secretName, i);
    if (!Array.isArray(source.data) || source.data.length === 0) {
      throw new MeshValidationError(sf('data'), source.data, 'lists no key', 'list the Secret\'s keys: [{ key, remoteKey }]');
    }
    const keys = new Set<string>();
    const data: ResolvedExternalSecretKey[] = [];
    source.data.forEach((d, j) => problems.run(() => {
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
      data.push({
        remoteRef: { key: d.remoteKey, ...(d.property === undefined ? {} : { property: d.property }), ...(d.version === undefined ? {} : { version: d.version }) },
        secretKey: key,
      });
    }));
    secrets.push({ secretName, index: i, data });
  }));
  if (problems.since(start)) return undefined;
  return deepFreeze({
    storeName,
    storeKind,
    refreshInterval: refreshSeconds === 0 ? '0s' : goDuration(refreshSeconds),
    secrets,
  });
}

/** Delivered Secrets a mesh resolved, carried to McpExternalSecrets. */
export const RESOLVED_EXTERNAL_SECRETS = new ResolvedCarrier<McpExternalSecretsProps, ResolvedExternalSecrets>();

/** A Secret (or one key of it) a workload reads. */
export interface SecretUse {
  readonly secretName: string;
  /** undefined: the whole Secret (envFrom, a volume without items). */
  readonly key?: string;
  /** e.g. `Deployment/weather (env ANTHROPIC_API_KEY)` */
  readonly where: string;
}

/** The Secret keys an env list reads (required ones only: an optional key may be missing). */
export function envSecretUses(env: readonly { readonly name: string; readonly valueFrom?: Record<string, any> }[], workload: string): SecretUse[] {
  return env.flatMap((e) => {
    const ref = e.valueFrom?.secretKeyRef;
    return ref === undefined || ref.optional === true ? [] : [{ secretName: ref.name, key: ref.key, where: `${workload} (env ${e.name})` }];
  });
}

/**
 * What the delivered Secrets fail to give the workloads that read them: a key read but not delivered (the pods
 * would never start), and a Secret name that something else writes too (`rendered`: Secrets rendered by the
 * mesh itself), which would overwrite each other.
 */
export function secretCoverageProblems(delivered: ResolvedExternalSecrets, uses: readonly SecretUse[], rendered: readonly string[], field: string): MeshValidationError[] {
  const f = (s: string) => `${field}.${s}`;
  const bySecret = new Map(delivered.secrets.map((s) => [s.secretName, { index: s.index, keys: new Set(s.data.map((d) => d.secretKey)) }]));
  const problems: MeshValidationError[] = [];
  for (const name of rendered) {
    const secret = bySecret.get(name);
    if (secret === undefined) continue;
    problems.push(new MeshValidationError(f(`secrets[${secret.index}].secretName`), name, 'is also a Secret the mesh renders itself, and the two would overwrite each other',
      'deliver the value under another Secret name, or drop the other source (e.g. allowPlainTextSecrets)'));
  }
  for (const use of uses) {
    const secret = bySecret.get(use.secretName);
    if (secret === undefined || use.key === undefined || secret.keys.has(use.key)) continue;
    problems.push(new MeshValidationError(f(`secrets[${secret.index}].data`), [...secret.keys],
      `does not deliver key "${use.key}" of Secret "${use.secretName}", which ${use.where} reads (its pods would not start)`,
      `add { key: "${use.key}", remoteKey: "<the value's key in the store>" }`));
  }
  return problems;
}
