import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { MeshObject } from '../k8s/mesh-object';
import { constructsUnder, objectData } from '../k8s/synthesis';
import { resolvedOrThrow } from '../resolve/problems';
import {
  RESOLVED_EXTERNAL_SECRETS, ResolvedExternalSecrets, SecretUse, envSecretUses, resolveExternalSecrets, secretCoverageProblems,
} from '../resolve/resolve-external-secrets';
import { McpExternalSecretsProps } from './external-secrets-props';
import type { IDeliveredSecrets } from '../observability/observed-mesh';

export * from './external-secrets-props';

/**
 * One `ExternalSecret` per delivered Secret (the operator creates and owns the Secret of the same name), and a
 * check that every key the workloads read from a delivered Secret is delivered: a missing key would only show
 * up as pods stuck in CreateContainerConfigError. In a mesh the check runs when the mesh resolves; used on its
 * own, over the rendered workloads of `consumers` at synth.
 */
export class McpExternalSecrets extends Construct implements IDeliveredSecrets {
  /** Names of the delivered Secrets. */
  public readonly secretNames: string[];

  constructor(scope: Construct, id: string, private readonly props: McpExternalSecretsProps) {
    super(scope, id);
    const resolved = RESOLVED_EXTERNAL_SECRETS.take(props) ?? resolvedOrThrow((problems) => resolveExternalSecrets(props, props.field ?? 'externalSecrets', problems));
    for (const secret of resolved.secrets) {
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
    this.secretNames = resolved.secrets.map((secret) => secret.secretName);
    this.node.addValidation({ validate: () => this.coverage(props.field ?? 'externalSecrets', resolved) });
  }

  /**
   * Keys read but not delivered, and Secrets rendered under a delivered name (two writers), over the rendered
   * objects of `consumers` (a mesh checks its own workloads when it resolves, and passes none).
   */
  private coverage(field: string, resolved: ResolvedExternalSecrets): string[] {
    const consumers = this.props.consumers;
    if (consumers === undefined) return [];
    const own = new Set<IConstruct>(constructsUnder(this));
    const objects = constructsUnder(consumers).filter((c): c is ApiObject => ApiObject.isApiObject(c) && !own.has(c));
    const rendered = objects.filter((o) => o.kind === 'Secret' && o.apiVersion === 'v1').map((o) => o.name);
    return secretCoverageProblems(resolved, objects.flatMap(secretReferences), rendered, field).map((e) => e.message);
  }
}

/** The Secret keys a workload's pod template (or a Pod) reads: env, envFrom and secret volumes. */
function secretReferences(o: ApiObject): SecretUse[] {
  if (!['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'Pod'].includes(o.kind)) return [];
  const json = objectData(o);
  const pod = o.kind === 'Pod' ? json.spec : json.spec?.template?.spec;
  const refs: SecretUse[] = [];
  const what = `${o.kind}/${o.name}`;
  for (const c of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) {
    refs.push(...envSecretUses(c.env ?? [], what));
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
