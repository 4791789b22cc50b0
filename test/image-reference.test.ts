/**
 * The library's image reference parser held against github.com/distribution/reference (the parser container
 * runtimes and the kubelet use, built from the Go module proxy by scripts/image-ref-tools.sh): on a few
 * thousand generated references both accept and refuse the same ones, and read the same tag and digest.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import * as fc from 'fast-check';
import { parseImageReference, requirePinnedImage } from '../src/model/validation';

const ROOT = path.join(__dirname, '..');

function oracle(refs: string[]): Array<{ ref: string; ok: boolean; tag?: string; digest?: string; error?: string }> {
  const bin = execFileSync('bash', [path.join(ROOT, 'scripts', 'image-ref-tools.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  return JSON.parse(execFileSync(bin, [], { input: JSON.stringify(refs), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
}

const lower = fc.stringMatching(/^[a-z0-9]{1,8}$/);
const sep = fc.constantFrom('.', '_', '__', '-', '--', '___', '..', '');
const component = fc.oneof(
  { arbitrary: fc.tuple(lower, sep, lower).map(([a, s, b]) => `${a}${s}${b}`), weight: 8 },
  { arbitrary: fc.stringMatching(/^[A-Za-z0-9._-]{0,10}$/), weight: 1 },
);
const host = fc.oneof(
  fc.constantFrom('ghcr.io', 'localhost', 'localhost:5000', 'registry.example.com:443', '[::1]:5000', 'UPPER', 'a_b.io', '-bad.io', 'Example.COM', '127.0.0.1:5000'),
  fc.stringMatching(/^[a-zA-Z0-9.-]{1,12}(:[0-9]{1,5})?$/),
);
const tag = fc.oneof({ arbitrary: fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/), weight: 6 },
  { arbitrary: fc.constantFrom('latest', '-x', '.x', 'a'.repeat(128), 'a'.repeat(129), ''), weight: 1 }, { arbitrary: fc.stringMatching(/^[A-Za-z0-9_.:-]{0,6}$/), weight: 1 });
const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
const digest = fc.oneof(hex(64).map((h) => `sha256:${h}`), hex(64).map((h) => `sha256:${h}`), hex(63).map((h) => `sha256:${h}`), hex(32).map((h) => `md5:${h}`), fc.constantFrom('sha256:abc', 'sha256:' + 'A'.repeat(64), ':' + 'a'.repeat(64), 'sha512:' + 'a'.repeat(128)));
const reference = fc.tuple(fc.option(host, { nil: undefined }), fc.array(component, { minLength: 1, maxLength: 2 }), fc.option(tag, { nil: undefined }), fc.option(digest, { nil: undefined, freq: 3 }))
  .map(([h, parts, t, d]) => `${h === undefined ? '' : `${h}/`}${parts.join('/')}${t === undefined ? '' : `:${t}`}${d === undefined ? '' : `@${d}`}`);

describe('image references, as distribution/reference reads them', () => {
  const refs = [...new Set([
    ...fc.sample(reference, { seed: 20261203, numRuns: 3000 }),
    'mcpmesh/registry:3.7.1', 'mcpmesh/python-runtime:3.7.1', 'postgres:17.6', 'ghcr.io/example/weather:1.0.0', 'Upper:1.0', 'example.com/UPPER:1.0',
    'UPPER/x:1.0', `x@sha256:${'a'.repeat(64)}`, 'x@sha256:abc', 'a b:1', 'x:', ':1', 'x:-bad',
  ])];
  const verdicts = oracle(refs);

  test('the oracle accepts and refuses a fair share of the generated references', () => {
    expect(verdicts.filter((v) => v.ok).length).toBeGreaterThan(500);
    expect(verdicts.filter((v) => !v.ok).length).toBeGreaterThan(500);
  });

  test('the library accepts exactly the references distribution/reference accepts', () => {
    const differ = verdicts.filter((v) => !('problem' in parseImageReference(v.ref)) !== v.ok)
      .map((v) => `${JSON.stringify(v.ref)}: library ${'problem' in parseImageReference(v.ref) ? (parseImageReference(v.ref) as { problem: string }).problem : 'ok'}, oracle ${v.ok ? 'ok' : v.error}`);
    expect(differ).toEqual([]);
  });

  test('and reads the same tag and digest from each', () => {
    const differ = verdicts.filter((v) => v.ok).flatMap((v) => {
      const parsed = parseImageReference(v.ref) as { tag?: string; digest?: string };
      return parsed.tag === v.tag && parsed.digest === v.digest ? [] : [`${v.ref}: library ${parsed.tag}@${parsed.digest}, oracle ${v.tag}@${v.digest}`];
    });
    expect(differ).toEqual([]);
  });

  test('an image is pinned when it has a tag other than latest, or a digest', () => {
    expect(() => requirePinnedImage('image', 'ghcr.io/example/weather')).toThrow(/is not pinned/);
    expect(() => requirePinnedImage('image', 'ghcr.io/example/weather:latest')).toThrow(/is not pinned/);
    expect(requirePinnedImage('image', `ghcr.io/example/weather@sha256:${'a'.repeat(64)}`)).toContain('@sha256:');
    expect(() => requirePinnedImage('image', 'example.com/UPPER:1.0')).toThrow(/invalid repository path component "UPPER"/);
  });
});
