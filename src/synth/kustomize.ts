import * as fs from 'fs';
import * as path from 'path';
import { toYamlDocument, toYamlDocuments } from './yaml';

type Json = any;

/** A Kubernetes object's identity. */
function keyOf(o: Json): string {
  return `${o.apiVersion}|${o.kind}|${o.metadata?.namespace ?? ''}|${o.metadata?.name}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * RFC 6902 operations that turn `from` into `to`. Arrays of the same length are patched item by item (both
 * sides come from the same generator, so positions match); others are replaced whole.
 */
export function jsonPatch(from: Json, to: Json, at = ''): Json[] {
  if (equal(from, to)) return [];
  if (Array.isArray(from) && Array.isArray(to) && from.length === to.length) {
    return from.flatMap((item, i) => jsonPatch(item, to[i], `${at}/${i}`));
  }
  if (!isObject(from) || !isObject(to)) return [{ op: 'replace', path: at, value: to }];
  const ops: Json[] = [];
  for (const k of Object.keys(from)) if (!(k in to)) ops.push({ op: 'remove', path: `${at}/${escape(k)}` });
  for (const [k, v] of Object.entries(to)) {
    if (!(k in from)) ops.push({ op: 'add', path: `${at}/${escape(k)}`, value: v });
    else ops.push(...jsonPatch(from[k], v, `${at}/${escape(k)}`));
  }
  return ops;
}

function target(o: Json): Json {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  return {
    ...(group !== '' ? { group } : {}),
    kind: o.kind,
    name: o.metadata.name,
    ...(o.metadata.namespace !== undefined ? { namespace: o.metadata.namespace } : {}),
    version,
  };
}

/**
 * Writes a Kustomize base (`base/`) and one overlay per environment (`overlays/<env>/`) such that
 * `kustomize build overlays/<env>` gives exactly the objects of that environment: objects that differ are
 * JSON 6902 patches, objects only the environment has are resources of the overlay, objects it lacks are
 * deleted with a `$patch: delete`. Returns the files written.
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
    const patches: Json[] = [];
    for (const o of objects) {
      const before = baseByKey.get(keyOf(o));
      if (before === undefined) continue;
      const ops = jsonPatch(before, o);
      if (ops.length > 0) patches.push({ patch: toYamlDocument(ops), target: target(o) });
    }
    for (const o of base) {
      if (envKeys.has(keyOf(o))) continue;
      patches.push({ patch: toYamlDocument({ $patch: 'delete', apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace } }) });
    }
    if (added.length > 0) write(path.join(dir, 'resources.yaml'), toYamlDocuments(added));
    write(path.join(dir, 'kustomization.yaml'), toYamlDocument({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['../../base', ...(added.length > 0 ? ['resources.yaml'] : [])],
      ...(patches.length > 0 ? { patches } : {}),
    }));
  }
  return files;
}
