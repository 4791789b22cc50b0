/**
 * The run-time check of props against the schema generated from their TypeScript types: what a JavaScript
 * (or Python) caller gets instead of silently ignored typos and crashes on wrong types. Every problem of one
 * props object comes out together, each with its field path, value and fix.
 */
import { MeshValidationError } from '../model/errors';
import { PROPS_DEFINITIONS } from './props-schema.generated';
import { FieldPath, SchemaIssue, formatPath, validateValue } from './validate';

/** The problems of `value` as the props interface `definition`, with paths below `path`. */
export function propsIssues(definition: string, value: unknown, path: FieldPath = []): SchemaIssue[] {
  const schema = PROPS_DEFINITIONS[definition];
  if (schema === undefined) throw new Error(`no props schema named ${definition}: run scripts/generate-crd.js`);
  return validateValue(schema, value, path, { surface: 'code', definitions: PROPS_DEFINITIONS });
}

/** Schema issues as the library's errors. */
export function issueErrors(issues: readonly SchemaIssue[]): MeshValidationError[] {
  return issues.map((i) => new MeshValidationError(i.path.length > 0 ? formatPath(i.path) : 'props', i.value, i.problem, i.fix));
}

/** Throws every problem of `value` as the props interface `definition` in one error; returns the value. */
export function requireProps<T>(definition: string, value: T, path: FieldPath = []): T {
  MeshValidationError.throwAll(issueErrors(propsIssues(definition, value, path)));
  return value;
}
