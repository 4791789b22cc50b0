import * as fs from 'fs';
import * as path from 'path';
import { objectKey } from '../k8s/object-names';
import { toYamlDocument, toYamlDocuments } from './yaml';

type Json = any;

/** A Kubernetes object's identity. */
function keyOf(o: Json): string {
  return objectKey(o.apiVersion, o.kind, o.metadata?.namespace, o.metadata?.name);
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The patch merge keys (`x-kubernetes-patch-merge-key`) of the lists of Kubernetes' own kinds that the library
 * writes, by path (`[]` for "each item of the list"). A list with a merge key is patched item by item; any other
 * list (and every list of a custom resource, whose schema Kustomize does not know) is replaced whole.
 */
const POD = String.raw`(spec\.template\.spec|spec\.jobTemplate\.spec\.template\.spec|spec)`;
const CONTAINERS = String.raw`${POD}\.(containers|initContainers|ephemeralContainers)\[\]`;
const MERGE_KEYS: ReadonlyArray<readonly [RegExp, string]> = [
  [new RegExp(`^${POD}\\.(containers|initContainers|ephemeralContainers|volumes|imagePullSecrets)$`), 'name'],
  [new RegExp(`^${POD}\\.topologySpreadConstraints$`), 'topologyKey'],
  [new RegExp(`^${POD}\\.hostAliases$`), 'ip'],
  [new RegExp(`^${CONTAINERS}\\.env$`), 'name'],
  [new RegExp(`^${CONTAINERS}\\.ports$`), 'containerPort'],
  [new RegExp(`^${CONTAINERS}\\.volumeMounts$`), 'mountPath'],
  [new RegExp(`^${CONTAINERS}\\.volumeDevices$`), 'devicePath'],
];
/** The kinds whose lists follow Kubernetes' merge keys: its own API groups. */
const BUILT_IN_GROUPS = new Set(['', 'apps', 'batch', 'policy', 'autoscaling', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'storage.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io']);

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

function mergeKeyOf(o: Json, at: string): string | undefined {
  if (!BUILT_IN_GROUPS.has(groupOf(o.apiVersion))) return undefined;
  if (o.kind === 'Service' && groupOf(o.apiVersion) === '' && at === 'spec.ports') return 'port';
  return MERGE_KEYS.find(([pattern]) => pattern.test(at))?.[1];
}

/**
 * The strategic merge patch (as Kustomize applies it) that turns the object `from` into `to`, or undefined when
 * they are equal: changed fields only, removed fields as `null`. A list with a merge key lists its items up to
 * the last one that is new, changed or moved (unchanged ones by their key alone, so that the order comes out
 * as in `to`: it matters, e.g. for env variables that refer to earlier ones), and a removed item as
 * `{ <key>: …, $patch: delete }`; any other list (and every list of a custom resource) is written whole.
 */
export function strategicMergePatch(from: Json, to: Json): Json | undefined {
  const patch = diff(to, from, to, '');
  if (patch === undefined) return undefined;
  const { metadata, ...rest } = patch;
  return {
    apiVersion: to.apiVersion,
    kind: to.kind,
    metadata: { name: to.metadata?.name, ...(to.metadata?.namespace !== undefined ? { namespace: to.metadata.namespace } : {}), ...metadata },
    ...rest,
  };
}

function diff(object: Json, from: Json, to: Json, at: string): Json | undefined {
  if (equal(from, to)) return undefined;
  if (isObject(from) && isObject(to)) {
    const out: Record<string, Json> = {};
    for (const k of Object.keys(from)) if (!(k in to)) out[k] = null;
    for (const [k, v] of Object.entries(to)) {
      if (!(k in from)) out[k] = v;
      else {
        const d = diff(object, from[k], v, at === '' ? k : `${at}.${k}`);
        if (d !== undefined) out[k] = d;
      }
    }
    return out;
  }
  if (Array.isArray(from) && Array.isArray(to)) {
    const key = mergeKeyOf(object, at);
    if (key === undefined || !keyedBy(from, key) || !keyedBy(to, key)) return to;
    const id = (item: Json) => JSON.stringify(item[key]);
    const wanted = new Set(to.map(id));
    const before = new Map(from.map((item) => [id(item), item]));
    // Kustomize puts the items a patch lists first, in the patch's order, then the other items in their old
    // order. So the patch lists `to` up to its last item that is new, changed or out of place (an unchanged item
    // by its key alone), and the rest follows from the base.
    const kept = from.filter((item) => wanted.has(id(item)));
    let listed = to.length;
    while (listed > 0) {
      const item = to[listed - 1];
      const old = before.get(id(item));
      const tail = to.length - listed + 1;
      if (old === undefined || !equal(old, item) || kept.length < tail || id(kept[kept.length - tail]) !== id(item)) break;
      listed--;
    }
    const items: Json[] = from.filter((item) => !wanted.has(id(item))).map((item) => ({ [key]: item[key], $patch: 'delete' }));
    for (const item of to.slice(0, listed)) {
      const old = before.get(id(item));
      items.push(old === undefined ? item : { [key]: item[key], ...diff(object, old, item, `${at}[]`) });
    }
    return items;
  }
  return to;
}

/** Every item an object with a distinct value of `key`. */
function keyedBy(list: Json[], key: string): boolean {
  const seen = new Set<string>();
  for (const item of list) {
    if (!isObject(item) || item[key] === undefined) return false;
    const k = JSON.stringify(item[key]);
    if (seen.has(k)) return false;
    seen.add(k);
  }
  return true;
}

/** A file name for an object's patch: `<kind>-<name>.yaml`, lower case, made unique within the overlay. */
function patchFileName(o: Json, taken: Set<string>): string {
  const base = `${o.kind}-${o.metadata?.name}`.toLowerCase().replace(/[^a-z0-9.-]+/g, '-');
  let name = `${base}.yaml`;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}.yaml`;
  taken.add(name);
  return name;
}

/**
 * Writes a Kustomize base (`base/`) and one overlay per environment (`overlays/<env>/`) such that
 * `kustomize build overlays/<env>` gives exactly the objects of that environment. Each object that differs
 * gets a strategic merge patch of its own, `overlays/<env>/patches/<kind>-<name>.yaml`, holding only what the
 * environment changes (readable, and editable by hand); objects only the environment has are resources of the
 * overlay; objects it lacks are deleted with a `$patch: delete` patch. Returns the files written.
 */
export function writeKustomize(outdir: string, base: Json[], environments: Record<string, Json[]>): string[] {
  const files: string[] = [];
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    files.push(file);
  };
  fs.rmSync(outdir, { recursive: true, force: true });
  write(path.join(outdir, 'base', 'resources.yaml'), toYamlDocuments(base));
  write(path.join(outdir, 'base', 'kustomization.yaml'), toYamlDocument({
    apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['resources.yaml'],
  }));
  const baseByKey = new Map(base.map((o) => [keyOf(o), o]));
  for (const [env, objects] of Object.entries(environments)) {
    const dir = path.join(outdir, 'overlays', env);
    const envKeys = new Set(objects.map(keyOf));
    const added = objects.filter((o) => !baseByKey.has(keyOf(o)));
    const taken = new Set<string>();
    const patches: string[] = [];
    const addPatch = (o: Json, patch: Json) => {
      const file = path.join('patches', patchFileName(o, taken));
      write(path.join(dir, file), toYamlDocument(patch));
      patches.push(file.split(path.sep).join('/'));
    };
    for (const o of objects) {
      const before = baseByKey.get(keyOf(o));
      const patch = before === undefined ? undefined : strategicMergePatch(before, o);
      if (patch !== undefined) addPatch(o, patch);
    }
    for (const o of base) {
      if (envKeys.has(keyOf(o))) continue;
      addPatch(o, { $patch: 'delete', apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace } });
    }
    if (added.length > 0) write(path.join(dir, 'resources.yaml'), toYamlDocuments(added));
    write(path.join(dir, 'kustomization.yaml'), toYamlDocument({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['../../base', ...(added.length > 0 ? ['resources.yaml'] : [])],
      ...(patches.length > 0 ? { patches: patches.map((p) => ({ path: p })) } : {}),
    }));
  }
  return files;
}
