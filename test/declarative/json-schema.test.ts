/**
 * The strict JSON Schemas of schemas/ (for yaml-language-server and kubeconform) held against kubeconform
 * itself (github.com/yannh/kubeconform, built from the Go module proxy by scripts/kubeconform.sh): the
 * examples validate; on generated mutations of them (wrong types, misspelt and unknown keys, bad enums and
 * durations, choices with two or no keys) kubeconform and the CLI's own schema check agree on every document.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { readDocuments } from '../../src/declarative/input';

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLE = path.join(ROOT, 'examples', 'declarative');
const LOCATION = path.join(ROOT, 'schemas', '{{.Group}}', '{{.ResourceKind}}_{{.ResourceAPIVersion}}.json');

function kubeconform(files: string[]): Map<string, { status: string; msg?: string }> {
  const bin = execFileSync('bash', [path.join(ROOT, 'scripts', 'kubeconform.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  // Only the local schemas: kubeconform never goes to the network here.
  const r = spawnSync(bin, ['-strict', '-verbose', '-output', 'json', '-schema-location', LOCATION, ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const report = JSON.parse(r.stdout) as { resources: Array<{ filename: string; status: string; msg?: string }> };
  return new Map(report.resources.map((res) => [res.filename, { status: res.status, msg: res.msg }]));
}

function setAt(doc: any, at: Array<string | number>, value: unknown): any {
  let node = doc;
  for (const s of at.slice(0, -1)) node = node[s];
  node[at[at.length - 1]] = value;
  return doc;
}

function renameAt(doc: any, at: Array<string | number>, to: string): any {
  let node = doc;
  for (const s of at.slice(0, -1)) node = node[s];
  node[to] = node[at[at.length - 1]];
  delete node[at[at.length - 1]];
  return doc;
}

describe('schemas/: strict JSON Schemas, as kubeconform reads them', () => {
  test('the declarative examples validate', () => {
    const files = fs.readdirSync(EXAMPLE).filter((f) => f.endsWith('.yaml')).map((f) => path.join(EXAMPLE, f));
    const verdicts = kubeconform(files);
    expect([...verdicts.values()].map((v) => v.status)).toEqual(files.map(() => 'statusValid'));
  });

  test('kubeconform and the CLI agree on generated mutations of the examples', () => {
    const weather = parse(fs.readFileSync(path.join(EXAMPLE, 'weather.yaml'), 'utf8'));
    const mesh = parse(fs.readFileSync(path.join(EXAMPLE, 'mesh.yaml'), 'utf8'));
    const mutations: Array<[string, any]> = [];
    const wrong = [42, 'text', true, null, ['x'], { x: 1 }];
    const agentFields: Array<Array<string | number>> = [['spec', 'replicas'], ['spec', 'capabilities'], ['spec', 'capabilities', 0, 'name'], ['spec', 'capabilities', 0, 'timeout'],
      ['spec', 'capabilities', 0, 'tags'], ['spec', 'runtime'], ['spec', 'runtime', 'python'], ['spec', 'runtime', 'python', 'sourceFile'], ['spec', 'advertise'], ['spec', 'port'],
      ['spec', 'env'], ['spec', 'autoscaling'], ['spec', 'exposed'], ['spec', 'heartbeatInterval'], ['metadata', 'name'], ['spec']];
    for (const at of agentFields) {
      for (const value of wrong) mutations.push([`agent ${at.join('.')} = ${JSON.stringify(value)}`, setAt(structuredClone(weather), at, value)]);
    }
    for (const [at, to] of [[['spec', 'replicas'], 'replica'], [['spec', 'capabilities'], 'capability'], [['spec', 'capabilities', 0, 'timeout'], 'timout'], [['spec', 'runtime', 'python'], 'pyton']] as const) {
      mutations.push([`agent ${at.join('.')} spelt ${to}`, renameAt(structuredClone(weather), [...at], to)]);
    }
    for (const value of ['10', '10 s', '1.5s', '1d', '10S', '1h2h', '90m']) mutations.push([`timeout ${value}`, setAt(structuredClone(weather), ['spec', 'capabilities', 0, 'timeout'], value)]);
    for (const value of ['Service', 'pod_ip', 'pod-ip']) mutations.push([`advertise ${value}`, setAt(structuredClone(weather), ['spec', 'advertise'], value)]);
    mutations.push(['two runtimes', setAt(structuredClone(weather), ['spec', 'runtime', 'custom'], { image: 'a/b:1' })]);
    mutations.push(['no runtime choice', setAt(structuredClone(weather), ['spec', 'runtime'], {})]);
    mutations.push(['a secretEnv with two sources', setAt(structuredClone(weather), ['spec', 'secretEnv'], [{ name: 'K', secretKeyRef: { name: 'a', key: 'b' }, unsafePlainText: 'x' }])]);
    mutations.push(['a secretEnv with one source', setAt(structuredClone(weather), ['spec', 'secretEnv'], [{ name: 'K', secretKeyRef: { name: 'a', key: 'b' } }])]);
    const meshFields: Array<Array<string | number>> = [['spec', 'namespace'], ['spec', 'registry'], ['spec', 'environments'], ['spec', 'environments', 'prod', 'registry', 'storage'],
      ['spec', 'serviceMesh'], ['spec', 'security'], ['spec', 'createNamespace']];
    for (const at of meshFields) {
      for (const value of wrong) mutations.push([`mesh ${at.join('.')} = ${JSON.stringify(value)}`, setAt(structuredClone(mesh), at, value)]);
    }
    mutations.push(['mesh storage with two choices', setAt(structuredClone(mesh), ['spec', 'environments', 'prod', 'registry', 'storage'], { sqlite: {}, postgres: { urlSecret: { name: 'a', key: 'b' } } })]);
    mutations.push(['mesh unknown environment key', setAt(structuredClone(mesh), ['spec', 'environments', 'prod', 'regsitry'], {})]);
    mutations.push(['mesh status written', setAt(structuredClone(mesh), ['status'], { observedGeneration: 1 })]);
    mutations.push(['unchanged agent', structuredClone(weather)]);
    mutations.push(['unchanged mesh', structuredClone(mesh)]);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'json-schema-'));
    try {
      const files = mutations.map(([, doc], i) => {
        const file = path.join(dir, `case-${i}.yaml`);
        fs.writeFileSync(file, stringify(doc));
        return file;
      });
      const theirs = kubeconform(files);
      const ours = files.map((file) => readDocuments([file]).issues);
      const verdicts = mutations.map(([label], i) => ({ label, kubeconform: theirs.get(files[i])?.status === 'statusValid', cli: ours[i].length === 0, why: theirs.get(files[i])?.msg ?? ours[i][0]?.message }));
      expect(verdicts.filter((v) => v.kubeconform).length).toBeGreaterThanOrEqual(3);
      expect(verdicts.filter((v) => !v.kubeconform).length).toBeGreaterThan(100);
      expect(verdicts.filter((v) => v.kubeconform !== v.cli).map((v) => `${v.label}: kubeconform ${v.kubeconform}, cli ${v.cli} (${v.why})`)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
