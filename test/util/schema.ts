import * as fs from 'fs';
import * as path from 'path';

/**
 * Validates Kubernetes objects against the OpenAPI schemas that `kubernetes-models` compiles (Kubernetes' own
 * schemas), and finds unknown fields, which those schemas let through (the API server drops or, with strict
 * field validation, rejects them).
 *
 * Unknown fields are found by watching the compiled validator: it reads every property its schema defines
 * (and every key of a map-typed field), so an own key it never read is a key the schema does not know.
 */

const SCHEMA_DIR = path.join(path.dirname(require.resolve('kubernetes-models/package.json')), '_schemas');

type Validator = ((data: unknown) => boolean) & { errors?: Array<{ instancePath: string; keyword: string; params?: unknown }> | null };

function schemaName(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  const groupName = group.split('.')[0];
  const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return `IoK8sApi${pascal(groupName)}${pascal(version)}${kind}`;
}

export function validatorFor(apiVersion: string, kind: string): Validator {
  const file = path.join(SCHEMA_DIR, `${schemaName(apiVersion, kind)}.js`);
  if (!fs.existsSync(file)) throw new Error(`no Kubernetes schema for ${apiVersion} ${kind} (looked for ${file})`);
  return require(file).validate as Validator;
}

/** Wraps `value` so that every property read is recorded as a JSON pointer. */
function watch(value: unknown, pointer: string, read: Set<string>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return new Proxy(value as object, {
    get(target, prop, receiver) {
      const child = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !Object.prototype.hasOwnProperty.call(target, prop)) return child;
      const childPointer = `${pointer}/${prop}`;
      read.add(childPointer);
      return watch(child, childPointer, read);
    },
  });
}

function ownPointers(value: unknown, pointer: string, out: string[]): string[] {
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.push(`${pointer}/${k}`);
      ownPointers(v, `${pointer}/${k}`, out);
    }
  }
  return out;
}

/** Schema errors and unknown fields of one object, as readable strings; empty when the object is valid. */
export function schemaErrors(object: { apiVersion: string; kind: string }): string[] {
  const validate = validatorFor(object.apiVersion, object.kind);
  const read = new Set<string>();
  const ok = validate(watch(object, '', read));
  const errors = ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} fails "${e.keyword}" ${JSON.stringify(e.params ?? {})}`);
  // Array elements are read by index; a pointer is known when it, or (for array items) its parent, was read.
  const unknown = ownPointers(object, '', []).filter((p) => !read.has(p) && !/\/\d+$/.test(p))
    .filter((p) => !hasUnreadAncestor(p, read));
  return [...errors, ...unknown.map((p) => `${p} is not a field of ${object.apiVersion} ${object.kind}`)];
}

/** Report only the outermost unknown field, not every key below it. */
function hasUnreadAncestor(pointer: string, read: Set<string>): boolean {
  const parts = pointer.split('/');
  for (let i = parts.length - 1; i > 1; i--) {
    const ancestor = parts.slice(0, i).join('/');
    if (/\/\d+$/.test(ancestor)) continue;
    if (!read.has(ancestor)) return true;
  }
  return false;
}
