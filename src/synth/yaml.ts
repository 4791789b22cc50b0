/**
 * A small, fast and deterministic YAML emitter for JSON data (what Kubernetes objects are).
 *
 * Why not the `yaml` package that cdk8s uses: emitting is where synthesis of a large mesh spends its time
 * (see bench/), and Kubernetes manifests need only a sliver of YAML. The output is conservative on purpose:
 * a string is written plain only when no YAML 1.1 or 1.2 parser could read it as anything but that string
 * (Kubernetes parses with a YAML 1.1 heritage: `on`, `y`, `0777`, `1:20` and dates are not strings there);
 * everything else is double-quoted, and multi-line text becomes a literal block. Keys keep the order they
 * were given (cdk8s sorts them), so the same input always gives the same bytes.
 */
import * as fs from 'fs';

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./:=+@ -]*$/;
const RESERVED = /^(true|false|yes|no|on|off|y|n|null|~)$/i;
// Printable text a block scalar may hold: no C0/C1 controls but tab, no BOM, no line/paragraph separators.
// eslint-disable-next-line no-control-regex
const NON_PRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/;

function isPlain(text: string): boolean {
  return PLAIN.test(text)
    && !RESERVED.test(text)
    && !text.endsWith(' ')
    && !text.endsWith(':')
    && !text.includes(': ')
    && !text.includes(' #')
    && !text.includes('  ');
}

function quote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029 || code === 0xfeff || code === 0xfffe || code === 0xffff) {
      out += '\\u' + code.toString(16).padStart(4, '0');
    } else out += ch;
  }
  return out + '"';
}

/** A literal block (`|`) keeps multi-line text readable; only for text it can represent exactly. */
function literalBlock(text: string, indent: string): string | undefined {
  if (!text.includes('\n') || NON_PRINTABLE.test(text) || text.includes('\r')) return undefined;
  const trailing = /\n*$/.exec(text)![0].length;
  if (trailing > 1) return undefined;
  const body = trailing === 1 ? text.slice(0, -1) : text;
  const lines = body.split('\n');
  // A first line that starts with blanks would need an indentation indicator, and blank-only or
  // blank-ending lines are easy to lose in editors and chomping rules: quote those instead.
  if (lines[0] === '' || /^[ \t]/.test(lines[0]) || lines.some((line) => /[ \t]$/.test(line))) return undefined;
  const head = trailing === 1 ? '|' : '|-';
  return head + lines.map((line) => (line === '' ? '\n' : `\n${indent}${line}`)).join('');
}

function scalar(value: unknown, indent: string): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as YAML: Kubernetes objects hold finite numbers only`);
      return String(value);
    case 'string':
      if (isPlain(value)) return value;
      return literalBlock(value, indent) ?? quote(value);
    default:
      throw new Error(`cannot write a ${typeof value} as YAML`);
  }
}

// Keys and short values repeat across objects (label keys, field names): render each once.
const renderedKeys = new Map<string, string>();

function key(name: string): string {
  let rendered = renderedKeys.get(name);
  if (rendered === undefined) {
    rendered = isPlain(name) ? name : quote(name);
    if (renderedKeys.size < 10000) renderedKeys.set(name, rendered);
  }
  return rendered;
}

function isNonEmptyCollection(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  for (const _ in value) return true;
  return false;
}

/**
 * Writes a non-empty map or sequence. `first` is what precedes its first line: the indent itself, or a
 * parent's `- ` when the collection is a sequence item; later lines start at `indent`.
 */
function writeCollection(value: object, indent: string, first: string, out: string[]): void {
  const inner = indent + '  ';
  let lead = first;
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isNonEmptyCollection(item)) writeCollection(item, inner, lead + '- ', out);
      else out.push(lead + '- ' + inlineValue(item, inner) + '\n');
      lead = indent;
    }
    return;
  }
  for (const name in value) {
    const item = (value as Record<string, unknown>)[name];
    if (item === undefined) continue;
    if (isNonEmptyCollection(item)) {
      out.push(lead + key(name) + ':\n');
      writeCollection(item, inner, inner, out);
    } else {
      out.push(lead + key(name) + ': ' + inlineValue(item, inner) + '\n');
    }
    lead = indent;
  }
}

function inlineValue(value: unknown, indent: string): string {
  if (Array.isArray(value)) return '[]';
  if (typeof value === 'object' && value !== null) return '{}';
  return scalar(value, indent);
}

function writeDocument(value: unknown, out: string[]): void {
  if (isNonEmptyCollection(value)) writeCollection(value, '', '', out);
  else out.push(inlineValue(value, '') + '\n');
}

/** One YAML document for one JSON value, ending with a newline. */
export function toYamlDocument(value: unknown): string {
  const out: string[] = [];
  writeDocument(value, out);
  return out.join('');
}

/**
 * Writes the documents of `toYamlDocuments(values.map(render))` into a file, a chunk at a time: memory stays
 * flat however large the output (with `render`, each value is rendered as it is written and dropped after).
 */
export function writeYamlDocuments(file: string, values: readonly unknown[], render: (value: unknown) => unknown = (value) => value): void {
  const fd = fs.openSync(file, 'w');
  try {
    let out: string[] = [];
    let size = 0;
    const flush = () => {
      if (out.length > 0) fs.writeSync(fd, out.join(''));
      out = [];
      size = 0;
    };
    values.forEach((value, i) => {
      if (i > 0) out.push('---\n');
      const before = out.length;
      writeDocument(render(value), out);
      size += out.length - before;
      // About a megabyte of YAML per write: a few thousand lines.
      if (size > 20_000) flush();
    });
    flush();
  } finally {
    fs.closeSync(fd);
  }
}

/** Several documents separated by `---`, the layout `cdk8s synth` writes. */
export function toYamlDocuments(values: readonly unknown[]): string {
  const out: string[] = [];
  values.forEach((value, i) => {
    if (i > 0) out.push('---\n');
    writeDocument(value, out);
  });
  return out.join('');
}
