/**
 * From validated documents to construct props, driven by the CRD schema: plain values pass through, and the
 * nodes the generator titled with a mapping's name (durations, runtimes, storage, peers, secrets, presets)
 * become the classes the constructs take. Also maps the constructs' error fields back to document paths.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConversionContext, DeclarativeFieldError, FactoryChoice, factoryArguments, mappingNamed, parseDuration } from './mappings';
import { regularFileProblem } from './input';
import { JsonSchema } from './resources';
import { FieldPath } from '../schema/validate';

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Converts a value of `schema` into what the constructs take. Throws DeclarativeFieldError for values only a
 * file can get wrong. Files a value names (`sourceFile`) are read relative to `dir`, and must resolve to a
 * file inside `root`.
 */
export function convertValue(schema: JsonSchema, value: unknown, dir: string, at: FieldPath, root: string = dir): any {
  if (value === undefined) return undefined;
  const mapping = mappingNamed(schema.title);
  const fieldPath = formatField(at);
  const context: ConversionContext = { dir, path: fieldPath, readFile: (file, field) => readRelative(dir, file, field, root) };
  if (schema.type === 'array' && Array.isArray(value)) {
    return value.map((item, i) => convertValue(schema.items ?? {}, item, dir, [...at, i], root));
  }
  if (schema.type === 'object' && isObject(value)) {
    if (mapping?.kind === 'choice') {
      const key = Object.keys(value)[0];
      const choice = mapping.choices.find((c) => c.key === key)!;
      let inner = convertValue(schema.properties![key], value[key], dir, [...at, key], root);
      if (choice.prepare !== undefined) inner = choice.prepare(inner ?? {}, { ...context, path: formatField([...at, key]) });
      return (mapping.factories as any)[choice.factory](...factoryArguments(choice, inner ?? {}));
    }
    const out: Record<string, any> = {};
    const choiceKeys = mapping?.kind === 'inline' ? mapping.choices.map((c) => c.key) : [];
    for (const [key, item] of Object.entries(value)) {
      if (choiceKeys.includes(key)) continue;
      const child = schema.properties?.[key] ?? schema.additionalProperties ?? {};
      out[key] = convertValue(child, item, dir, [...at, key], root);
    }
    if (mapping?.kind === 'inline') {
      const choice = mapping.choices.find((c) => value[c.key] !== undefined)!;
      const inner = convertValue(schema.properties![choice.key], value[choice.key], dir, [...at, choice.key], root);
      out[mapping.property] = (mapping.factories as any)[choice.factory](...factoryArguments(choice, inner));
    }
    return out;
  }
  if (mapping?.kind === 'duration' && typeof value === 'string') return parseDuration(value);
  if (mapping?.kind === 'preset' && typeof value === 'string') return (mapping.factories as any)[value]();
  return value;
}

function readRelative(dir: string, file: string, field: string, sourceRoot: string): string {
  if (path.isAbsolute(file)) {
    throw new DeclarativeFieldError(field, file, 'is an absolute path, which ties the file to one machine', 'write the path relative to the file that declares the agent');
  }
  const target = path.resolve(dir, file);
  const fix = 'write the path relative to the file that declares the agent, to a file inside the source root (the working directory, or --source-root)';
  let real: string;
  try {
    real = fs.realpathSync(target);
  } catch (e) {
    throw new DeclarativeFieldError(field, file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message} at ${target})`, fix);
  }
  // Resolved through symlinks: a file outside the source root (../../proc/self/environ, a link to /etc)
  // would be shipped into a ConfigMap of the output.
  const root = fs.realpathSync(sourceRoot);
  if (real !== root && !real.startsWith(`${root}${path.sep}`)) {
    throw new DeclarativeFieldError(field, file, `resolves to ${real}, outside the source root ${root}`, fix);
  }
  const problem = regularFileProblem(real);
  if (problem !== undefined) throw new DeclarativeFieldError(field, file, problem, fix);
  try {
    return fs.readFileSync(real, 'utf8');
  } catch (e) {
    throw new DeclarativeFieldError(field, file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message} at ${target})`, fix);
  }
}

export function formatField(at: FieldPath): string {
  return at.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/**
 * Merges an environment's overrides over a spec: maps key by key, but lists, scalars and choices (the nodes
 * a mapping titles, whose single key says what they are) are replaced whole.
 */
export function mergeOverrides(schema: JsonSchema, base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (!isObject(base) || !isObject(override) || schema.type !== 'object' || mappingNamed(schema.title)?.kind === 'choice') return override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const child = schema.properties?.[key] ?? schema.additionalProperties ?? {};
    out[key] = mergeOverrides(child, base[key], value);
  }
  return out;
}

/** Splits a construct's field (`agents.weather.runtime.image`, `registry.storage.urlSecret.name`) into segments. */
export function parseField(field: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const match of field.matchAll(/([^.[\]]+)|\[(\d+)\]|\[\]/g)) {
    if (match[1] !== undefined) out.push(match[1]);
    else if (match[2] !== undefined) out.push(Number(match[2]));
  }
  return out;
}

/**
 * The document path of a construct's field, below `spec`: follows the schema and the document's value, putting
 * back the choice keys (`runtime.image` of a python runtime is `runtime.python.image`) and the renamed
 * parameters (`secretEnv[0].value.secretName` is `secretEnv[0].secretKeyRef.name`).
 */
export function documentPath(schema: JsonSchema, value: unknown, segments: ReadonlyArray<string | number>): Array<string | number> {
  const out: Array<string | number> = [];
  let node: JsonSchema | undefined = schema;
  let current: any = value;
  let i = 0;
  /** A factory parameter (segments[i]) is written under the document field it is renamed to. */
  const stepIntoParameter = (choice: FactoryChoice) => {
    if (choice.args.kind !== 'params') return;
    const field = choice.args.fields.find(([, parameter]) => parameter === segments[i]);
    if (field === undefined) return;
    out.push(field[0]);
    node = node?.properties?.[field[0]];
    current = current?.[field[0]];
    i++;
  };
  while (i < segments.length) {
    const mapping = mappingNamed(node?.title);
    if (node !== undefined && mapping?.kind === 'choice' && isObject(current)) {
      const key = Object.keys(current)[0];
      const choice = mapping.choices.find((c) => c.key === key);
      out.push(key);
      node = node.properties?.[key];
      current = current[key];
      if (choice?.args.kind === 'params') stepIntoParameter(choice);
      continue;
    }
    const segment = segments[i];
    if (node !== undefined && mapping?.kind === 'inline' && segment === mapping.property && isObject(current)) {
      const choice = mapping.choices.find((c) => current[c.key] !== undefined);
      if (choice !== undefined) {
        out.push(choice.key);
        node = node.properties?.[choice.key];
        current = current[choice.key];
        i++;
        if (choice.args.kind === 'scalar') return out;
        if (choice.args.kind === 'params' && i < segments.length) stepIntoParameter(choice);
        continue;
      }
    }
    out.push(segment);
    node = typeof segment === 'number' ? node?.items : node?.properties?.[segment] ?? node?.additionalProperties;
    current = current?.[segment];
    i++;
  }
  return out;
}
