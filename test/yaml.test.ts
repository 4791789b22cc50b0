import * as fc from 'fast-check';
import { parse, parseAllDocuments } from 'yaml';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { toYamlDocument, toYamlDocuments, writeYamlDocuments } from '../src/synth/yaml';

/** JSON values as Kubernetes objects hold them: no undefined, finite numbers, any unicode text. */
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'binary' }),
    fc.constantFrom('true', 'no', 'on', 'Y', '~', 'null', '0777', '1:20', '2001-12-14', '1e3', '.inf', '0x1F', '- a', 'a: b', 'a #b', '#x',
      'x:', ' lead', 'trail ', 'multi\nline\n', 'multi\nline', 'a\n\n', '\nleading', 'tab\there', '|', '>', '@at', '`tick', '*ref', '&anchor',
      '!tag', '%dir', '?q', '[x]', '{x}', '"q"', "'s'", 'x,y', '\u2028', '\u0085', '\ufeff', 'é✓😀', '<<', '=', '-', '1.0.0', '+1', '.5'),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ unit: 'binary', maxLength: 8 }), fc.constantFrom('on', 'y', 'app.kubernetes.io/name', '1', '')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('the YAML writer', () => {
  test('round-trips any JSON value through a YAML 1.2 parser', () => {
    fc.assert(fc.property(jsonValue, (value) => {
      expect(parse(toYamlDocument(value))).toEqual(normalize(value));
    }), { numRuns: 2000 });
  });

  test('round-trips any JSON value through a YAML 1.1 parser (Kubernetes heritage: yes/on/0777/1:20 are not strings there)', () => {
    fc.assert(fc.property(jsonValue, (value) => {
      expect(parse(toYamlDocument(value), { version: '1.1' })).toEqual(normalize(value));
    }), { numRuns: 2000 });
  });

  test('writes documents separated by --- that parse back one by one', () => {
    fc.assert(fc.property(fc.array(fc.dictionary(fc.string(), jsonValue, { minKeys: 1, maxKeys: 3 }), { minLength: 1, maxLength: 4 }), (docs) => {
      const parsed = parseAllDocuments(toYamlDocuments(docs)).map((d) => d.toJSON());
      expect(parsed).toEqual(docs.map(normalize));
    }), { numRuns: 300 });
  });

  test('keeps multi-line text readable as a literal block', () => {
    expect(toYamlDocument({ text: 'line one\nline two\n' })).toBe('text: |\n  line one\n  line two\n');
    expect(toYamlDocument({ text: 'no newline\nat end' })).toBe('text: |-\n  no newline\n  at end\n');
  });

  test('quotes strings that a YAML 1.1 parser would read as something else', () => {
    for (const text of ['yes', 'on', 'y', 'null', '0777', '1:20', '2001-12-14', '8080', '1.0.0', '']) {
      expect(toYamlDocument({ v: text })).toBe(`v: "${text}"\n`);
    }
    expect(toYamlDocument({ v: 'mcpmesh/registry:3.7.1' })).toBe('v: mcpmesh/registry:3.7.1\n');
  });

  test('fails on values that JSON (and so Kubernetes) cannot hold', () => {
    expect(() => toYamlDocument({ v: Number.POSITIVE_INFINITY })).toThrow(/finite numbers only/);
    expect(() => toYamlDocument({ v: () => 1 })).toThrow(/cannot write a function/);
  });
});

/** JSON semantics: -0 is written as 0. */
function normalize(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

test('writeYamlDocuments writes, a chunk at a time, exactly the bytes of toYamlDocuments', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yaml-stream-'));
  try {
    const docs = Array.from({ length: 3000 }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` }, data: { text: `line ${i}\nnext`, n: String(i) } }));
    for (const values of [docs, docs.slice(0, 1), []]) {
      const file = path.join(dir, `out-${values.length}.yaml`);
      writeYamlDocuments(file, values);
      expect(fs.readFileSync(file, 'utf8')).toBe(toYamlDocuments(values));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
