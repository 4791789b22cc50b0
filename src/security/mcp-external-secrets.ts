import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { MeshObject, objectData } from '../k8s/mesh-object';
import { MeshValidationError } from '../model/errors';
import { resolvedOrThrow } from '../resolve/problems';
import { RESOLVED_EXTERNAL_SECRETS, resolveExternalSecrets } from '../resolve/resolve-external-secrets';
import { McpExternalSecretsProps } from './external-secrets-props';

export * from './external-secrets-props';

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
    const resolved = RESOLVED_EXTERNAL_SECRETS.take(props) ?? resolvedOrThrow((problems) => resolveExternalSecrets(props, props.field ?? 'externalSecrets', problems));
    for (const secret of resolved.secrets) {
      this.keys.set(secret.secretName, { index: secret.index, keys: new Set(secret.data.map((d) => d.secretKey)) });
      new MeshObject(this, `ExternalSecret-${secret.secretName}`, {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: {
          labels: {
            'app.kubernetes.io/component': 'secrets', 'app.kubernetes.io/instance': props.instance,
            'app.kubernetes.io/managed-by': 'cdk8s-mcp-mesh', 'app.kubernetes.io/part-of': 'mcp-mesh',
          },
          name: secret.secretName,
          namespace: props.namespace,
        },
        spec: {
          data: secret.data,
          refreshInterval: resolved.refreshInterval,
          secretStoreRef: { kind: resolved.storeKind, name: resolved.storeName },
          // The operator owns the Secret: it is deleted with the ExternalSecret, and never written by anyone else.
          target: { creationPolicy: 'Owner', name: secret.secretName },
        },
      });
    }
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
