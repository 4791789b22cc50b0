import { ApiObject, ApiObjectProps } from 'cdk8s';
import { Construct } from 'constructs';
import { MeshValidationError } from '../model/errors';
import { MAX_OBJECT_BYTES } from './limits';

export { MAX_OBJECT_BYTES } from './limits';

/**
 * An ApiObject whose body is plain JSON data (no tokens, no Lazy values), as every object this library builds
 * is. Its `toJson()` gives exactly what `ApiObject.toJson()` gives (sorted keys, apiVersion/kind/metadata
 * first, null and undefined dropped; a test holds the two equal), without cdk8s's token resolution pass,
 * which is most of the synthesis time of a large mesh. JSON patches and CDK8S_DISABLE_SORT take the regular
 * path.
 *
 * A body field may be a getter: it is read at synthesis, after the whole mesh is known. Policies that
 * depend on agents added later use that.
 */
export class MeshObject extends ApiObject {
  private readonly rawProps: ApiObjectProps;

  constructor(scope: Construct, id: string, props: ApiObjectProps) {
    super(scope, id, props);
    this.rawProps = props;
  }

  /**
   * The object as data, without the sorted deep copy that `toJson()` makes: for read-only checks over many
   * objects (the policy check), which would otherwise serialize every object twice per synthesis. Do not
   * modify what it returns.
   */
  public toData(): any {
    if ((this as unknown as { patches: unknown[] }).patches.length > 0) return this.toJson();
    const { apiVersion: _apiVersion, kind: _kind, metadata: _metadata, ...body } = this.rawProps;
    return { apiVersion: this.apiVersion, kind: this.kind, metadata: this.metadata.toJson(), ...body };
  }

  public toJson(): any {
    if (process.env.CDK8S_DISABLE_SORT || (this as unknown as { patches: unknown[] }).patches.length > 0) {
      return super.toJson();
    }
    const { apiVersion: _apiVersion, kind: _kind, metadata: _metadata, ...body } = this.rawProps;
    return { apiVersion: this.apiVersion, kind: this.kind, metadata: this.metadata.toJson(), ...sortedCopy(body) as object };
  }
}

/**
 * An object as data for read-only checks: `toData()` for a MeshObject (no sorted copy), `toJson()` otherwise.
 * cdk8s makes `instanceof` true for any ApiObject subclass, so the method is asked for instead.
 */
export function objectData(o: ApiObject): any {
  return typeof (o as Partial<MeshObject>).toData === 'function' ? (o as MeshObject).toData() : o.toJson();
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


/**
 * Returns `spec` unless it would make its object too large for the API server. For the objects whose lists
 * grow with the mesh (authorizations of a workload everybody calls, capability routing), checked when
 * they are rendered, since their size is only known then.
 */
export function withinSizeLimit<T>(kind: string, name: string, spec: T, fix: string): T {
  const bytes = Buffer.byteLength(JSON.stringify(spec));
  if (bytes > MAX_OBJECT_BYTES) {
    throw new MeshValidationError(`${kind}/${name}`, `${Math.round(bytes / 1024)} KiB`,
      `is more than the ${MAX_OBJECT_BYTES / 1024} KiB an object may take (etcd stores at most 1.5 MiB per object)`, fix);
  }
  return spec;
}
