/**
 * The benchmark's 1000-agent mesh with every feature on synthesizes to recorded bytes: performance work must
 * not change output. When an output change is intended (and named in its commit), record the new hash.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { buildBenchMesh } from '../bench/synth-bench';
import { toYamlDocuments, writeManifests } from '../src';

/** sha256 of mesh.k8s.yaml, recorded at 8a0f9e8 and unchanged since (13 359 528 bytes). */
const RECORDED = 'f401f900184ce296efab9c9d1a7dd6b6c33dcb59f63571ae5d201edf5967ce07';

test('the 1000-agent benchmark mesh synthesizes to the recorded bytes', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-output-'));
  try {
    const app = new App({ outdir });
    const chart = buildBenchMesh(app, 1000);
    const [file] = writeManifests(app);
    const bytes = fs.readFileSync(file);
    expect(bytes.length).toBe(13_359_528);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(RECORDED);
    // Written a chunk at a time, the same bytes as the emitter gives in one piece.
    expect(bytes.toString('utf8')).toBe(toYamlDocuments(chart.toJson()));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}, 120_000);
