import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, YamlOutputType } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { buildApp as buildMinimal } from '../examples/minimal/main';
import { writeManifests } from '../src';
import { MeshObject } from '../src/k8s/mesh-object';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'write-manifests-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory()
    ? listFiles(path.join(dir, e.name)).map((f) => path.join(e.name, f)) : [e.name])).sort();
}
const docs = (file: string) => parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJSON()).filter((d) => d !== null);

/** The minimal example's mesh, plus a second chart that depends on it (so cdk8s numbers the files). */
function twoCharts(yamlOutputType: YamlOutputType, outdir: string, dependent: boolean): App {
  const app = buildMinimal(new App({ outdir, yamlOutputType }));
  const extra = new Chart(app, 'extra', { namespace: 'other', disableResourceNameHashes: true });
  new ApiObject(extra, 'Note', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'note' }, data: { a: 'b' } });
  if (dependent) extra.addDependency(app.charts[0]);
  return app;
}

describe('writeManifests honours the app\'s yamlOutputType, with the file names app.synth() gives', () => {
  const layouts = [
    ['FILE_PER_CHART', YamlOutputType.FILE_PER_CHART],
    ['FILE_PER_APP', YamlOutputType.FILE_PER_APP],
    ['FILE_PER_RESOURCE', YamlOutputType.FILE_PER_RESOURCE],
    ['FOLDER_PER_CHART_FILE_PER_RESOURCE', YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE],
  ] as const;
  test.each(layouts.flatMap(([name, type]) => [[name, false, type], [name, true, type]] as const))('%s (a chart depends on the other: %s)', (name, dependent, type) => {
    const byCdk8s = path.join(work, `cdk8s-${name}-${dependent}`);
    const byUs = path.join(work, `ours-${name}-${dependent}`);
    twoCharts(type, byCdk8s, dependent).synth();
    const written = writeManifests(twoCharts(type, byUs, dependent));
    const files = listFiles(byCdk8s);
    expect(files.length).toBeGreaterThan(0);
    expect(listFiles(byUs)).toEqual(files);
    expect(written.map((f) => path.relative(byUs, f)).sort()).toEqual(files);
    for (const file of files) expect({ file, docs: docs(path.join(byUs, file)) }).toEqual({ file, docs: docs(path.join(byCdk8s, file)) });
    if (dependent && (type === YamlOutputType.FILE_PER_CHART)) expect(files).toEqual(['0000-minimal.k8s.yaml', '0001-extra.k8s.yaml']);
  });

  test('two objects that would share a file are an error naming both, where app.synth() keeps one of them in silence', () => {
    const build = (outdir: string) => {
      const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_RESOURCE });
      for (const ns of ['a', 'b']) {
        const chart = new Chart(app, ns, { namespace: ns });
        new ApiObject(chart, 'Note', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'note' }, data: { ns } });
      }
      return app;
    };
    const silent = path.join(work, 'collision-cdk8s');
    build(silent).synth();
    expect(listFiles(silent)).toEqual(['ConfigMap.note.k8s.yaml']);
    expect(() => writeManifests(build(path.join(work, 'collision-ours'))))
      .toThrow(/v1 ConfigMap b\/note and v1 ConfigMap a\/note would both be written to ConfigMap\.note\.k8s\.yaml\. Fix: /);
  });
});

test('a synthesis that fails while writing leaves the previous output as it was (no half-written files, no temporary ones)', () => {
  const outdir = path.join(work, 'atomic');
  const build = (broken: boolean) => {
    const app = new App({ outdir });
    buildMinimal(app);
    // A number YAML cannot hold, in a second chart: the first chart's file would be written before it fails.
    new MeshObject(new Chart(app, 'zz-extra'), 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra' }, data: { n: broken ? NaN : 1 } as any });
    return app;
  };
  writeManifests(build(false));
  const before = new Map(listFiles(outdir).map((f) => [f, fs.readFileSync(path.join(outdir, f), 'utf8')]));
  expect(before.size).toBeGreaterThan(1);
  expect(() => writeManifests(build(true))).toThrow(/cannot write NaN as YAML/);
  expect(new Map(listFiles(outdir).map((f) => [f, fs.readFileSync(path.join(outdir, f), 'utf8')]))).toEqual(before);
});
