import { ApiObject, ApiObjectProps, App, ImplicitTokenResolver, LazyResolver, NumberStringUnionResolver } from 'cdk8s';
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
    collecting?.push(this);
  }

  /**
   * The object as data, without the sorted deep copy that `toJson()` makes: for read-only checks over many
   * objects (the policy check), which would otherwise serialize every object twice per synthesis. Do not
   * modify what it returns.
   */
  public toData(): any {
    if (process.env.CDK8S_DISABLE_SORT || !this.plain()) return this.toJson();
    const { apiVersion: _apiVersion, kind: _kind, metadata: _metadata, ...body } = this.rawProps;
    // The metadata as it renders (small, and a Lazy value or a user's edit in it resolved as written); the body
    // as held, its getters read: not sorted or copied (a check reads values).
    return { apiVersion: this.apiVersion, kind: this.kind, metadata: this.metadataJson(), ...body };
  }

  public toJson(): any {
    if (process.env.CDK8S_DISABLE_SORT || !this.plain()) return super.toJson();
    return this.toJsonFrom(this.toData());
  }

  /**
   * `toJson()` from what `toData()` returned, whose getters were read already: a synthesis that checks the
   * data first renders each object from it, without evaluating the getters (the mesh-wide policies) again.
   */
  public toJsonFrom(data: any): any {
    if (process.env.CDK8S_DISABLE_SORT || !this.plain()) return data; // toData() gave toJson() itself
    const { apiVersion: _apiVersion, kind: _kind, metadata, ...body } = data;
    return { apiVersion: this.apiVersion, kind: this.kind, metadata, ...sortedCopy(body) as object };
  }

  /**
   * The labels' values for reading, without rendering anything: as held when every value is a string (keys
   * unsorted; null and undefined entries, which render as nothing, left out by the reader), else as
   * `metadata.toJson().labels` gives them.
   */
  public labelsData(): Readonly<Record<string, string | null | undefined>> | undefined {
    const held = (this.metadata as unknown as { labels: Record<string, unknown> | undefined }).labels;
    if (this.plain() && (held === undefined || Object.getPrototypeOf(held) === Object.prototype)) {
      let plain = true;
      for (const key in held) {
        const value = held[key];
        if (typeof value !== 'string' && value !== undefined && value !== null) plain = false;
      }
      if (plain) return held as Record<string, string | null | undefined> | undefined;
    }
    return this.toJson().metadata?.labels;
  }

  /** No JSON patches, and only cdk8s's own resolvers (which leave plain data as it is): the fast paths apply. */
  private plain(): boolean {
    return (this as unknown as { patches: unknown[] }).patches.length === 0 && onlyBuiltInResolvers(App.of(this));
  }

  /**
   * `metadata.toJson()` without the token resolution pass, for metadata of plain data (what the library and
   * cdk8s's own label and annotation helpers write): the same keys sorted, nulls and empty lists and maps
   * dropped. Anything else (a Lazy, a token) takes cdk8s's own path.
   */
  private metadataJson(): any {
    const m = this.metadata as unknown as Record<string, any>;
    const usual = usualMetadata(m);
    if (usual !== NOT_PLAIN) return usual;
    const fields = {
      ...m._additionalAttributes, name: m.name, namespace: m.namespace, annotations: m.annotations, finalizers: m.finalizers,
      ownerReferences: m.ownerReferences, labels: m.labels,
    };
    const json = plainSanitized(fields);
    return json === NOT_PLAIN ? this.metadata.toJson() : json;
  }
}

let collecting: MeshObject[] | undefined;

/**
 * Starts recording the MeshObjects constructed from now until `stopCollecting` (a construct that checks what
 * it rendered reads that list instead of walking its subtree). Returns what was being recorded before.
 */
export function startCollecting(): MeshObject[] | undefined {
  const outer = collecting;
  collecting = [];
  return outer;
}

/** The MeshObjects constructed since `startCollecting`, in order; recording goes back to `outer`. */
export function stopCollecting(outer: MeshObject[] | undefined): MeshObject[] {
  const collected = collecting ?? [];
  collecting = outer;
  outer?.push(...collected);
  return collected;
}

const BUILT_IN_RESOLVERS = [LazyResolver, ImplicitTokenResolver, NumberStringUnionResolver];
const resolverCheck = new WeakMap<App, boolean>();

function onlyBuiltInResolvers(app: App): boolean {
  let only = resolverCheck.get(app);
  if (only === undefined) {
    only = app.resolvers.every((r) => BUILT_IN_RESOLVERS.some((type) => r instanceof type));
    resolverCheck.set(app, only);
  }
  return only;
}

const NOT_PLAIN = Symbol('not plain data');

const USUAL_METADATA_FIELDS = new Set(['name', 'namespace', 'labels', 'annotations', 'finalizers', 'ownerReferences']);

/**
 * The metadata nearly every object has (a name, a namespace, string labels and annotations; no finalizers,
 * owner references or other fields) rendered as `plainSanitized` renders it, without the general walk:
 * NOT_PLAIN for anything else.
 */
function usualMetadata(m: Record<string, any>): unknown {
  for (const key in m._additionalAttributes) if (!USUAL_METADATA_FIELDS.has(key)) return NOT_PLAIN;
  if (m.finalizers?.length !== 0 || m.ownerReferences?.length !== 0) return NOT_PLAIN;
  if ((m.name !== undefined && typeof m.name !== 'string') || (m.namespace !== undefined && typeof m.namespace !== 'string')) return NOT_PLAIN;
  const annotations = sortedStrings(m.annotations);
  const labels = sortedStrings(m.labels);
  if (annotations === NOT_PLAIN || labels === NOT_PLAIN) return NOT_PLAIN;
  // In sorted key order, as the sanitizer writes them.
  const out: Record<string, unknown> = {};
  if (annotations !== undefined) out.annotations = annotations;
  if (labels !== undefined) out.labels = labels;
  if (m.name !== undefined) out.name = m.name;
  if (m.namespace !== undefined) out.namespace = m.namespace;
  return out;
}

/** A map of strings with its keys sorted and null or undefined entries dropped; undefined when empty; NOT_PLAIN if it holds anything but strings. */
function sortedStrings(map: unknown): unknown {
  if (map === undefined || map === null) return undefined;
  if (typeof map !== 'object' || Object.getPrototypeOf(map) !== Object.prototype) return NOT_PLAIN;
  const out: Record<string, string> = {};
  let empty = true;
  for (const key of sortedKeys(map)) {
    const value = (map as Record<string, unknown>)[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') return NOT_PLAIN;
    out[key] = value;
    empty = false;
  }
  return empty ? undefined : out;
}

/** An object's keys in sorted order (most objects are built with their keys in order already: no sort then). */
function sortedKeys(value: object): string[] {
  const keys = Object.keys(value);
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1] > keys[i]) return keys.sort();
  }
  return keys;
}

/**
 * cdk8s's sanitizer with `filterEmptyArrays` and `filterEmptyObjects` (keys sorted, null and undefined
 * dropped, then empty lists and maps), for plain data only: NOT_PLAIN for anything a resolver could change.
 */
function plainSanitized(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object') return typeof value === 'function' ? NOT_PLAIN : value;
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    const out: unknown[] = [];
    for (const item of value) {
      const v = plainSanitized(item);
      if (v === NOT_PLAIN) return NOT_PLAIN;
      out.push(v);
    }
    return out;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const key of sortedKeys(value)) {
    const v = plainSanitized((value as Record<string, unknown>)[key]);
    if (v === NOT_PLAIN) return NOT_PLAIN;
    if (v !== undefined && v !== null) out[key] = v;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** A MeshObject (cdk8s makes `instanceof` true for any ApiObject subclass, so a method is asked for instead). */
export function isMeshObject(o: unknown): o is MeshObject {
  return typeof (o as Partial<MeshObject>).toData === 'function';
}

/**
 * An object's labels for reading their values: as they render, or as held (unsorted, with null or undefined
 * values a reader skips: they render as nothing).
 */
export function objectLabelsData(o: ApiObject): Readonly<Record<string, string | null | undefined>> {
  const labels = isMeshObject(o) ? o.labelsData() : o.toJson().metadata?.labels;
  return labels ?? {};
}

/** A deep copy with object keys sorted and null/undefined entries dropped, as cdk8s's sanitizer does. */
function sortedCopy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(sortedCopy);
  const out: Record<string, unknown> = {};
  for (const key of sortedKeys(value)) {
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
