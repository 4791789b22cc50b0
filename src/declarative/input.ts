/**
 * Reading declarative files: MCPMesh and MCPAgent documents, parsed as the API server parses them (YAML 1.1,
 * duplicate keys rejected) and validated against the shipped CRDs. Every problem is collected with its file,
 * document and line, so one run reports them all.
 */
import * as fs from 'fs';
import * as path from 'path';
import { LineCounter, isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import { MCP_AGENT, MCP_MESH, MESH_API, MESH_API_GROUP, loadCrd } from './resources';
import { FieldPath, formatPath, validateValue } from '../schema/validate';

/** One MCPMesh or MCPAgent document of a file. */
export interface SourceDocument {
  /** The file as shown in messages (relative to the working directory when inside it). */
  readonly file: string;
  /** Folder of the file, for paths relative to it. */
  readonly dir: string;
  /** 0-based index of the document in its file. */
  readonly index: number;
  readonly kind: 'MCPAgent' | 'MCPMesh';
  readonly name: string;
  readonly namespace?: string;
  readonly object: Record<string, any>;
  /** 1-based line of a field, or of its nearest ancestor the document has. */
  lineOf(path: FieldPath): number;
}

/** A problem in the input, located as precisely as the input allows. */
export interface InputIssue {
  readonly file?: string;
  readonly line?: number;
  /** 1-based document number within the file. */
  readonly document?: number;
  /** e.g. `MCPAgent "weather"`. */
  readonly resource?: string;
  /** e.g. `spec.replicas`. */
  readonly field?: string;
  /** What is wrong and the fix, e.g. `"two" is a string, not a whole number. Fix: ...`. */
  readonly message: string;
}

/** `weather.yaml:12: document 1 (MCPAgent "weather"): spec.replicas: "two" is ... Fix: ...` */
export function formatIssue(issue: InputIssue): string {
  const where = issue.file === undefined ? '' : `${issue.file}${issue.line !== undefined ? `:${issue.line}` : ''}: `;
  const doc = issue.document === undefined ? '' : `document ${issue.document}${issue.resource !== undefined ? ` (${issue.resource})` : ''}: `;
  const resource = issue.document === undefined && issue.resource !== undefined ? `${issue.resource}: ` : '';
  return `${where}${doc}${resource}${issue.field !== undefined ? `${issue.field}: ` : ''}${issue.message}`;
}

/** The input is invalid: nothing was written. Carries every problem found. */
export class DeclarativeInputError extends Error {
  public readonly issues: readonly InputIssue[];

  /** @param hint what may be meant, when the problems suggest it */
  constructor(issues: readonly InputIssue[], public readonly hint?: string) {
    // In reading order: by file, document and line (issues without a file last).
    issues = [...issues].sort((a, b) => (a.file === undefined ? 1 : 0) - (b.file === undefined ? 1 : 0)
      || (a.file ?? '').localeCompare(b.file ?? '') || (a.document ?? 0) - (b.document ?? 0) || (a.line ?? 0) - (b.line ?? 0));
    super(`${issues.length} problem${issues.length === 1 ? '' : 's'} in the input, nothing was written:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}${hint === undefined ? '' : `\nHint: ${hint}`}`);
    this.name = 'DeclarativeInputError';
    this.issues = issues;
  }
}

/** The command was called wrongly (a path that does not exist, an unknown option). */
export class DeclarativeUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeclarativeUsageError';
  }
}

export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** The most an input file (a YAML file, or a `sourceFile`) may hold: larger is a mistake, not a mesh. */
export const MAX_INPUT_FILE_BYTES = 4 * 1024 * 1024;

/**
 * What a path is, following symlinks: a regular file of at most MAX_INPUT_FILE_BYTES, or why it cannot be
 * read as one (a device such as /dev/zero would never end, a FIFO would block forever).
 */
export function regularFileProblem(file: string): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (e) {
    return `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  if (stat.isDirectory()) return 'is a folder, not a file';
  if (!stat.isFile()) return `is not a regular file (a ${stat.isFIFO() ? 'FIFO' : stat.isCharacterDevice() ? 'character device' : stat.isBlockDevice() ? 'block device' : stat.isSocket() ? 'socket' : 'special file'}), which would never be read to its end`;
  if (stat.size > MAX_INPUT_FILE_BYTES) return `is ${stat.size} bytes, more than the ${MAX_INPUT_FILE_BYTES} bytes an input file may have`;
  return undefined;
}

/**
 * The YAML files the paths name: files as given, folders' `*.yaml` and `*.yml` files (not recursive, like
 * `kubectl apply -f`; symlinks followed, as kubectl does), sorted, each once.
 */
export function expandPaths(paths: readonly string[]): string[] {
  if (paths.length === 0) throw new DeclarativeUsageError('no input: pass the MCPMesh and MCPAgent files or folders with -f');
  const files = new Set<string>();
  for (const given of paths) {
    const absolute = path.resolve(given);
    if (!fs.existsSync(absolute)) throw new DeclarativeUsageError(`-f ${given}: no such file or folder`);
    if (fs.statSync(absolute).isDirectory()) {
      const found = fs.readdirSync(absolute, { withFileTypes: true })
        // Every entry named like YAML: a regular file or a link to one is read; anything else (a FIFO, a
        // device, a folder, a dangling link) is reported when it is read, never skipped in silence.
        .filter((e) => /\.ya?ml$/i.test(e.name))
        .map((e) => path.join(absolute, e.name));
      if (found.length === 0) throw new DeclarativeUsageError(`-f ${given}: the folder holds no .yaml or .yml files`);
      found.forEach((f) => files.add(f));
    } else {
      const problem = regularFileProblem(absolute);
      if (problem !== undefined) throw new DeclarativeUsageError(`-f ${given}: ${problem}`);
      files.add(absolute);
    }
  }
  return [...files].sort();
}


/** Parses and validates every document of the files. */
export function readDocuments(files: readonly string[]): { documents: SourceDocument[]; issues: InputIssue[] } {
  const documents: SourceDocument[] = [];
  const issues: InputIssue[] = [];
  for (const absolute of files) {
    const file = displayPath(absolute);
    let text: string;
    const problem = regularFileProblem(absolute);
    if (problem !== undefined) {
      issues.push({ file, message: `${problem}. Fix: pass the MCPMesh and MCPAgent YAML files` });
      continue;
    }
    try {
      text = fs.readFileSync(absolute, 'utf8');
    } catch (e) {
      issues.push({ file, message: `cannot be read (${(e as Error).message})` });
      continue;
    }
    const lineCounter = new LineCounter();
    const parsed = parseAllDocuments(text, { version: '1.1', uniqueKeys: true, prettyErrors: true, lineCounter });
    const docs = Array.isArray(parsed) ? parsed : [];
    if (!Array.isArray(parsed)) {
      issues.push({ file, message: 'is not a YAML stream' });
      continue;
    }
    docs.forEach((doc, index) => {
      const base = { file, document: index + 1 };
      if (doc.errors.length > 0) {
        for (const error of doc.errors) {
          issues.push({ ...base, line: error.linePos?.[0].line, message: `is not valid YAML: ${error.message.split('\n')[0].replace(/Maximum call stack size exceeded/, 'it nests too deeply')}. Fix: correct the YAML there (spaces, not tabs, for indentation; each key once)` });
        }
        return;
      }
      let object: unknown;
      try {
        object = doc.toJS({ maxAliasCount: 100 });
      } catch (e) {
        // Aliases that expand past the limit (a "billion laughs" file), or an alias to nothing.
        issues.push({ ...base, message: `cannot be read as data: ${(e as Error).message.split('\n')[0]}. Fix: write the values out instead of through YAML aliases (*name)` });
        return;
      }
      if (object === null || object === undefined) return; // an empty document, e.g. after a trailing ---
      const lineOf = (fieldPath: FieldPath): number => {
        let node: unknown = doc.contents;
        let line = node && (node as any).range ? lineCounter.linePos((node as any).range[0]).line : 1;
        for (const segment of fieldPath) {
          if (isMap(node)) {
            const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === segment);
            if (pair === undefined) break;
            if (isScalar(pair.key) && pair.key.range) line = lineCounter.linePos(pair.key.range[0]).line;
            node = pair.value;
          } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
            node = node.items[segment];
            if ((node as any).range) line = lineCounter.linePos((node as any).range[0]).line;
          } else {
            break;
          }
        }
        return line;
      };
      if (typeof object !== 'object' || Array.isArray(object)) {
        issues.push({ ...base, line: lineOf([]), message: 'is not a Kubernetes object. Fix: write a map with apiVersion, kind, metadata and spec (an MCPMesh or MCPAgent), or remove the document' });
        return;
      }
      const o = object as Record<string, any>;
      const kind = o.kind === MCP_AGENT.kind || o.kind === MCP_MESH.kind ? o.kind as 'MCPAgent' | 'MCPMesh' : undefined;
      const name = typeof o.metadata?.name === 'string' ? o.metadata.name : undefined;
      const resource = kind !== undefined ? `${kind}${name !== undefined ? ` "${name}"` : ''}` : undefined;
      const located = (fieldPath: FieldPath, message: string): InputIssue => ({
        ...base, resource, line: lineOf(fieldPath), field: fieldPath.length > 0 ? formatPath(fieldPath) : undefined, message,
      });
      if (kind === undefined || o.apiVersion !== MESH_API) {
        const group = typeof o.apiVersion === 'string' ? o.apiVersion.split('/')[0] : undefined;
        if (kind !== undefined && group === MESH_API_GROUP) {
          issues.push(located(['apiVersion'], `${JSON.stringify(o.apiVersion)} is not a version this release reads. Fix: use apiVersion: ${MESH_API}`));
        } else {
          issues.push(located(kind === undefined ? ['kind'] : ['apiVersion'], `${JSON.stringify(`${o.apiVersion}/${o.kind}`)} is not an MCP Mesh resource. `
            + `Fix: pass only MCPMesh and MCPAgent documents (apiVersion: ${MESH_API}) to this command`));
        }
        return;
      }
      const { schema } = loadCrd(kind === 'MCPAgent' ? MCP_AGENT : MCP_MESH);
      const schemaIssues = validateValue(schema, o);
      if (o.metadata?.name !== undefined && o.metadata?.name !== null && typeof o.metadata.name !== 'string') {
        schemaIssues.unshift({ path: ['metadata', 'name'], value: o.metadata.name, problem: 'is not a string (YAML reads yes, no, on, off, true and numbers as other types)', fix: `quote it: "${String(o.metadata.name)}"` });
      } else if (typeof o.metadata !== 'object' || o.metadata === null || typeof o.metadata.name !== 'string' || o.metadata.name === '') {
        schemaIssues.unshift({ path: ['metadata', 'name'], value: o.metadata?.name, problem: 'is required', fix: `name the ${kind === 'MCPAgent' ? 'agent' : 'mesh'}` });
      } else if (o.metadata.namespace !== undefined && typeof o.metadata.namespace !== 'string') {
        schemaIssues.push({ path: ['metadata', 'namespace'], value: o.metadata.namespace, problem: 'is not a string', fix: 'write the namespace name' });
      }
      for (const i of schemaIssues) {
        issues.push(located(i.path, `${i.value === undefined ? '' : `${render(i.value)} `}${i.problem}. Fix: ${i.fix}`));
      }
      if (schemaIssues.length > 0) return;
      documents.push({ file, dir: path.dirname(absolute), index, kind, name: o.metadata.name, namespace: o.metadata.namespace, object: o, lineOf });
    });
  }
  return { documents, issues };
}

/** A value as messages show it: JSON, shortened. */
export function render(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
