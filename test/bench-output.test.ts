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

/**
 * sha256 of mesh.k8s.yaml. Unchanged from 8a0f9e8 through the resolve step and the synthesis speed work
 * (f401f900…, 13 359 528 bytes); changed on purpose by the Istio proxy's terminationDrainDuration.
 */
const RECORDED = '740262e23617a4bd13a989b07514dfe3172c6d5ad7385728d440648343c5cbe1';

test('the 1000-agent benchmark mesh synthesizes to the recorded bytes', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-output-'));
  try {
    const app = new App({ outdir });
    const chart = buildBenchMesh(app, 1000);
    const [file] = writeManifests(app);
    const bytes = fs.readFileSync(file);
    expect(bytes.length).toBe(13_396_565);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(RECORDED);
    // Written a chunk at a time, the same bytes as the emitter gives in one piece.
    expect(bytes.toString('utf8')).toBe(toYamlDocuments(chart.toJson()));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}, 120_000);
