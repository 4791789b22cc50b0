import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { toYamlDocuments } from './yaml';

/**
 * Synthesizes every chart of an app into `<outdir>/<chart id>.k8s.yaml` with the library's deterministic YAML
 * emitter. Same validation and ordering as `app.synth()` (it runs through `chart.toJson()`), a fraction of the
 * time for large meshes. Returns the files written.
 */
export function writeManifests(app: App, outdir: string = app.outdir): string[] {
  fs.mkdirSync(outdir, { recursive: true });
  const files: string[] = [];
  const names = new Set<string>();
  for (const chart of app.charts) {
    const name = chart.node.id;
    if (names.has(name)) throw new Error(`two charts are named "${name}": give each chart a unique id`);
    names.add(name);
    const file = path.join(outdir, `${name}${app.outputFileExtension}`);
    fs.writeFileSync(file, toYamlDocuments(chart.toJson()));
    files.push(file);
  }
  return files;
}
