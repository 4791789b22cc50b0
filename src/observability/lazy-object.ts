import { ApiObject, ApiObjectMetadata, Lazy } from 'cdk8s';
import { Construct } from 'constructs';

export interface LazyMeshObjectProps {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ApiObjectMetadata;
  /** Top-level fields (`spec`, `data`, …), each produced at synth time from plain JSON data. */
  readonly fields: Record<string, () => unknown>;
}

/**
 * An ApiObject whose content is computed when the app is synthesized, not when the construct is created: the
 * observability objects read the mesh model, and agents added after them must still be covered. Like
 * MeshObject, `toJson()` skips cdk8s's token resolution (the content is plain JSON) and gives exactly what
 * `ApiObject.toJson()` gives (sorted keys, apiVersion/kind/metadata first, null and undefined dropped); JSON
 * patches and CDK8S_DISABLE_SORT take the regular path, which resolves the same producers through `Lazy`.
 */
export class LazyMeshObject extends ApiObject {
  private readonly fields: Record<string, () => unknown>;

  constructor(scope: Construct, id: string, props: LazyMeshObjectProps) {
    const lazy: Record<string, unknown> = {};
    for (const [key, produce] of Object.entries(props.fields)) lazy[key] = Lazy.any({ produce });
    super(scope, id, { apiVersion: props.apiVersion, kind: props.kind, metadata: props.metadata, ...lazy });
    this.fields = props.fields;
  }

  public toJson(): any {
    if (process.env.CDK8S_DISABLE_SORT || (this as unknown as { patches: unknown[] }).patches.length > 0) {
      return super.toJson();
    }
    const body: Record<string, unknown> = {};
    for (const key of Object.keys(this.fields).sort()) {
      const value = sortedCopy(this.fields[key]());
      if (value !== null && value !== undefined) body[key] = value;
    }
    return { apiVersion: this.apiVersion, kind: this.kind, metadata: this.metadata.toJson(), ...body };
  }
}

/** A deep copy with object keys sorted and null/undefined entries dropped, as cdk8s's sanitizer does. */
function sortedCopy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(sortedCopy);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== null && item !== undefined) out[key] = sortedCopy(item);
  }
  return out;
}
