/**
 * A small validator for the subset of OpenAPI v3 that the generated CRDs use, with messages in the form the
 * library's own errors take (field, value, problem, fix). It validates what the API server would: types,
 * unknown fields (which strict field validation rejects), required fields, enums, patterns and
 * exactly-one-of choices. `SUPPORTED_KEYWORDS` is what it understands; a test fails if the generator ever
 * writes another keyword, so the two cannot drift apart.
 */
import { DURATION_PATTERN } from './mappings';
import { JsonSchema } from './resources';

/** Schema keywords this validator checks (or, for documentation and list-type hints, deliberately ignores). */
export const SUPPORTED_KEYWORDS: ReadonlySet<string> = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'pattern', 'oneOf',
  // Documentation, server-side list semantics and formats of controller-written status fields: nothing to check here.
  'title', 'description', 'format', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys',
]);

/** A path into a document: keys and list indexes. */
export type FieldPath = ReadonlyArray<string | number>;

export interface SchemaIssue {
  readonly path: FieldPath;
  readonly value: unknown;
  readonly problem: string;
  readonly fix: string;
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a map of fields', array: 'a list', string: 'a string', integer: 'a whole number', number: 'a number', boolean: 'true or false',
};

/** Renders a path as `spec.capabilities[0].timeout` (keys that are not identifiers in brackets). */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

export function validateValue(schema: JsonSchema, value: unknown, path: FieldPath = []): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  check(schema, value, path, issues);
  return issues;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function hasType(schema: JsonSchema, value: unknown): boolean {
  const kind = kindOf(value);
  switch (schema.type) {
    case undefined: return true;
    case 'number': return kind === 'integer' || kind === 'number';
    default: return kind === schema.type;
  }
}

function typeFix(schema: JsonSchema, value: unknown): string {
  if (value === null) return 'give it a value, or remove the key';
  switch (schema.type) {
    case 'string':
      return typeof value === 'number' || typeof value === 'boolean' ? `quote it: "${String(value)}"` : 'write it as a string';
    case 'integer':
    case 'number':
      if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return `write it without quotes: ${value.trim()}`;
      return schema.type === 'integer' ? 'write a whole number, e.g. 2' : 'write a number, e.g. 2';
    case 'boolean':
      return typeof value === 'string' && /^(true|false)$/i.test(value) ? `write it without quotes: ${value.toLowerCase()}` : 'write true or false';
    case 'array': return 'write a list (each item on a line starting with "- ")';
    case 'object': return 'write a map of fields (key: value lines, indented under this key)';
    default: return `write ${TYPE_NAMES[schema.type!] ?? schema.type}`;
  }
}

function check(schema: JsonSchema, value: unknown, path: FieldPath, issues: SchemaIssue[]): void {
  if (!hasType(schema, value)) {
    const what = value === null ? 'is empty (null)' : `is ${TYPE_NAMES[kindOf(value)] ?? kindOf(value)}`;
    issues.push({ path, value, problem: `${what}, not ${TYPE_NAMES[schema.type!]}`, fix: typeFix(schema, value) });
    return;
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    issues.push({ path, value, problem: 'is not an allowed value', fix: `use one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}` });
  }
  if (schema.pattern !== undefined && typeof value === 'string' && !new RegExp(schema.pattern).test(value)) {
    if (schema.pattern === DURATION_PATTERN) {
      issues.push({ path, value, problem: 'is not a duration', fix: 'write whole hours, minutes and seconds such as "30s", "2m" or "1h30m"' });
    } else {
      issues.push({ path, value, problem: `does not match the pattern ${schema.pattern}`, fix: 'write a value that matches it' });
    }
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    value.forEach((item, i) => check(schema.items!, item, [...path, i], issues));
  }
  if (kindOf(value) === 'object') checkObject(schema, value as Record<string, unknown>, path, issues);
}

function checkObject(schema: JsonSchema, value: Record<string, unknown>, path: FieldPath, issues: SchemaIssue[]): void {
  for (const name of schema.required ?? []) {
    if (value[name] === undefined) {
      issues.push({ path: [...path, name], value: undefined, problem: 'is required', fix: `set ${name}` });
    }
  }
  for (const [key, item] of Object.entries(value)) {
    const child = schema.properties?.[key] ?? schema.additionalProperties;
    if (child === undefined) {
      if (schema.properties === undefined) continue; // a free-form object (metadata)
      const known = Object.keys(schema.properties);
      const near = closest(key, known);
      issues.push({
        path: [...path, key],
        value: item,
        problem: 'is not a known field here (strict field validation rejects it)',
        fix: near !== undefined ? `did you mean "${near}"?` : `remove it, or use one of the fields here: ${known.join(', ')}`,
      });
      continue;
    }
    check(child, item, [...path, key], issues);
  }
  if (schema.oneOf !== undefined) {
    const keys = schema.oneOf.map((alternative) => alternative.required ?? []);
    const matching = keys.filter((required) => required.every((k) => value[k] !== undefined));
    if (matching.length !== 1) {
      const names = keys.map((k) => k.join(' and '));
      const set = matching.map((k) => k.join(' and '));
      issues.push({
        path,
        value: undefined,
        problem: matching.length === 0 ? `sets none of ${names.join(', ')}` : `sets ${set.join(' and ')}, and only one of them can be chosen`,
        fix: `set exactly one of ${names.join(', ')}`,
      });
    }
  }
}

/** The known name nearest to a misspelt one, if it is near enough to be a typo. */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

/** Every keyword a schema uses (for the test that the validator understands them all). */
export function keywordsOf(schema: JsonSchema, into: Set<string> = new Set()): Set<string> {
  for (const [key, value] of Object.entries(schema)) {
    into.add(key);
    if (key === 'properties') Object.values(value as Record<string, JsonSchema>).forEach((s) => keywordsOf(s, into));
    else if (key === 'items' || key === 'additionalProperties') keywordsOf(value as JsonSchema, into);
    else if (key === 'oneOf') (value as JsonSchema[]).forEach((s) => keywordsOf(s, into));
  }
  return into;
}
