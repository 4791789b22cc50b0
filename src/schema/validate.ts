/**
 * A small validator for the subset of OpenAPI v3 that the generated schemas use, with messages in the form the
 * library's own errors take (field, value, problem, fix). For files (the CRDs) it validates what the API
 * server would: types, unknown fields (which strict field validation rejects), required fields, enums, patterns
 * and exactly-one-of choices. For code (the props schema) it also recognises the library's class instances
 * (`x-class`) and checks the props their factories were given, and phrases fixes for code. `SUPPORTED_KEYWORDS`
 * and `PROPS_KEYWORDS` are what it understands; tests fail if the generator ever writes another keyword.
 */
import { brandOf, isDuration } from './brand';
import { DURATION_PATTERN, JsonSchema } from './json-schema';

/** Schema keywords this validator checks (or, for documentation and list-type hints, deliberately ignores). */
export const SUPPORTED_KEYWORDS: ReadonlySet<string> = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'pattern', 'oneOf',
  // Documentation, server-side list semantics and formats of controller-written status fields: nothing to check here.
  'title', 'description', 'format', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys',
]);

/** Keywords of the props schema only (never in a CRD). */
export const PROPS_KEYWORDS: ReadonlySet<string> = new Set([...SUPPORTED_KEYWORDS, 'x-class', 'x-factories']);

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

/** The same in the terms of code. */
const CODE_TYPE_NAMES: Record<string, string> = { ...TYPE_NAMES, object: 'an object', array: 'an array', boolean: 'a boolean' };

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

/** Who wrote the value, so that a fix is phrased in their terms. */
export type Surface = 'yaml' | 'code';

export interface ValidateOptions {
  /** `yaml` (MCPMesh/MCPAgent files, Helm values) or `code` (TypeScript, JavaScript, Python props). @default 'yaml' */
  readonly surface?: Surface;
  /** Definitions by name, for the props of branded class instances (`x-class`). @default - none */
  readonly definitions?: Readonly<Record<string, JsonSchema>>;
}

interface Context {
  readonly surface: Surface;
  readonly definitions: Readonly<Record<string, JsonSchema>>;
  readonly issues: SchemaIssue[];
}

export function validateValue(schema: JsonSchema, value: unknown, path: FieldPath = [], options: ValidateOptions = {}): SchemaIssue[] {
  const context: Context = { surface: options.surface ?? 'yaml', definitions: options.definitions ?? {}, issues: [] };
  check(schema, value, path, context);
  return context.issues;
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

function typeFix(schema: JsonSchema, value: unknown, surface: Surface, path: FieldPath): string {
  if (surface === 'code') return codeTypeFix(schema, value, path);
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

function codeTypeFix(schema: JsonSchema, value: unknown, path: FieldPath): string {
  if (value === null || value === undefined) {
    return typeof path[path.length - 1] === 'number' ? 'remove the empty item from the list, or give it a value'
      : 'leave the prop out (undefined) to take its default, or give it a value';
  }
  switch (schema.type) {
    case 'string':
      return typeof value === 'number' || typeof value === 'boolean' ? `pass a string: "${String(value)}"` : 'pass a string';
    case 'integer':
    case 'number':
      if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return `pass a number, not a string: ${value.trim()}`;
      return 'pass a finite number, e.g. 2';
    case 'boolean':
      return typeof value === 'string' && /^(true|false)$/i.test(value) ? `pass the boolean ${value.toLowerCase()}, not a string` : 'pass true or false';
    case 'array':
      return typeof value === 'string' ? `pass an array, e.g. [${JSON.stringify(value)}]` : 'pass an array';
    case 'object': return 'pass an object of props, e.g. { ... }';
    default: return `pass ${TYPE_NAMES[schema.type!] ?? schema.type}`;
  }
}

function check(schema: JsonSchema, value: unknown, path: FieldPath, context: Context): void {
  const { issues } = context;
  if (schema['x-class'] !== undefined) {
    checkClass(schema, value, path, context);
    return;
  }
  if (!hasType(schema, value)) {
    const names = context.surface === 'code' ? CODE_TYPE_NAMES : TYPE_NAMES;
    const what = value === null ? 'is empty (null)' : value === undefined ? 'is undefined' : `is ${names[kindOf(value)] ?? describeKind(value)}`;
    issues.push({ path, value, problem: `${what}, not ${names[schema.type!]}`, fix: typeFix(schema, value, context.surface, path) });
    return;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    issues.push({ path, value, problem: 'is not a finite number', fix: context.surface === 'code' ? 'pass a finite number' : 'write a number' });
    return;
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    const near = typeof value === 'string' ? closest(value, schema.enum.filter((e): e is string => typeof e === 'string')) : undefined;
    issues.push({ path, value, problem: 'is not an allowed value', fix: `${near !== undefined ? `did you mean ${JSON.stringify(near)}? ` : ''}use one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}` });
  }
  if (schema.pattern !== undefined && typeof value === 'string' && !patternOf(schema.pattern).test(value)) {
    if (schema.pattern === DURATION_PATTERN) {
      issues.push({ path, value, problem: 'is not a duration', fix: 'write whole hours, minutes and seconds such as "30s", "2m" or "1h30m"' });
    } else {
      issues.push({ path, value, problem: `does not match the pattern ${schema.pattern}`, fix: 'write a value that matches it' });
    }
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    // A sparse array's holes are undefined items, as JavaScript reads them.
    for (let i = 0; i < value.length; i++) check(schema.items, value[i], [...path, i], context);
  }
  if (kindOf(value) === 'object') checkObject(schema, value as Record<string, unknown>, path, context);
}

// A schema has a few dozen patterns, checked against every value of a large input: each is compiled once.
const PATTERNS = new Map<string, RegExp>();

function patternOf(source: string): RegExp {
  let pattern = PATTERNS.get(source);
  if (pattern === undefined) {
    pattern = new RegExp(source);
    PATTERNS.set(source, pattern);
  }
  return pattern;
}

/** `x-class`: an instance of one of the library's classes, whose factory props are checked in place. */
function checkClass(schema: JsonSchema, value: unknown, path: FieldPath, context: Context): void {
  const className = schema['x-class']!;
  if (className === 'Duration') {
    if (!isDuration(value)) {
      context.issues.push({ path, value, problem: `is ${describeKind(value)}, not a Duration`, fix: durationFix(value, context.surface) });
    }
    return;
  }
  const found = brandOf(value);
  if (found === undefined || found.className !== className) {
    context.issues.push({
      path, value: found !== undefined ? `${found.className}.${found.factory}(...)` : value,
      problem: found !== undefined ? `is a ${found.className}, not a ${className}`
        : Object.getPrototypeOf(value ?? {})?.constructor?.name === className ? `is a ${className} made without one of its factories`
          : `is ${describeKind(value)}, not a ${className}`,
      fix: classFix(className, schema['x-factories'] ?? [], value),
    });
    return;
  }
  const definition = found.definition === undefined ? undefined : context.definitions[found.definition];
  if (definition !== undefined) check(definition, found.props ?? {}, path, context);
}

function describeKind(value: unknown): string {
  if (value === null) return 'empty (null)';
  if (value === undefined) return 'undefined';
  if (typeof value === 'object' && !Array.isArray(value)) {
    const proto = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null ? 'a plain object' : `an instance of ${proto?.constructor?.name ?? 'another class'}`;
  }
  return TYPE_NAMES[kindOf(value)] ?? kindOf(value);
}

function durationFix(value: unknown, surface: Surface): string {
  if (surface === 'yaml') return 'write whole hours, minutes and seconds such as "30s", "2m" or "1h30m"';
  if (typeof value === 'number' && Number.isFinite(value)) return `pass Duration.seconds(${value}) (Duration from cdk8s)`;
  return 'pass a cdk8s Duration, e.g. Duration.seconds(10) or Duration.minutes(2)';
}

function classFix(className: string, factories: readonly string[], value: unknown): string {
  const calls = factories.map((f) => `${className}.${f}(...)`);
  if (typeof value === 'string' && factories.includes(value)) return `pass ${className}.${value}(), not the string ${JSON.stringify(value)}`;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && factories.includes(keys[0])) {
      return `pass ${className}.${keys[0]}(...) with those props: { ${keys[0]}: ... } is how MCPMesh files write it, not the constructs`;
    }
  }
  return calls.length > 0 ? `pass one of ${calls.join(', ')}` : `pass a ${className}`;
}

function checkObject(schema: JsonSchema, value: Record<string, unknown>, path: FieldPath, context: Context): void {
  const { issues } = context;
  const properties = schema.properties;
  for (const name of schema.required ?? []) {
    if (value[name] === undefined) {
      const property = properties !== undefined && Object.prototype.hasOwnProperty.call(properties, name) ? properties[name] : undefined;
      const className = property?.['x-class'];
      const how = className === undefined ? '' : `: ${classFix(className, property?.['x-factories'] ?? [], undefined).replace(/^pass /, '')}`;
      issues.push({ path: [...path, name], value: undefined, problem: 'is required', fix: `set ${name}${how}` });
    }
  }
  for (const [key, item] of Object.entries(value)) {
    // Own properties only: a key such as "constructor" or "__proto__" is never taken for a schema keyword.
    const known = properties !== undefined && Object.prototype.hasOwnProperty.call(properties, key) ? properties[key] : undefined;
    const child = known ?? schema.additionalProperties;
    if (child === undefined) {
      if (properties === undefined) continue; // a free-form object (metadata)
      const names = Object.keys(properties);
      const near = closest(key, names);
      issues.push({
        path: [...path, key],
        value: item,
        problem: context.surface === 'code' ? 'is not a known prop here, so it would be ignored' : 'is not a known field here (strict field validation rejects it)',
        fix: near !== undefined ? `did you mean "${near}"?` : `remove it, or use one of the ${context.surface === 'code' ? 'props' : 'fields'} here: ${names.join(', ')}`,
      });
      continue;
    }
    // In code an optional prop set to undefined is the same as leaving it out.
    if (item === undefined && context.surface === 'code' && known !== undefined) continue;
    check(child, item, [...path, key], context);
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
