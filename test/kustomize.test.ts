/**
 * The Kustomize output, built by real kustomize (the one in kubectl), equals the direct synthesis of each
 * environment, object for object.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { jsonPatch } from '../src';
import { ENVIRONMENTS, buildDefaultApp, synthKustomize } from '../src/main';
import { resolveKubeTools } from './conformance/cluster';

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'kustomize-'));
let kubectl: string;

beforeAll(async () => {
  kubectl = (await resolveKubeTools()).kubectl;
  synthKustomize(outdir);
}, 15 * 60 * 1000);

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

function build(dir: string): Record<string, unknown> {
  const text = execFileSync(kubectl, ['kustomize', dir], { encoding: 'utf8' });
  return byKey(parseAllDocuments(text).map((d) => d.toJSON()));
}

function byKey(objects: any[]): Record<string, unknown> {
  return Object.fromEntries(objects.map((o) => [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o]));
}

function direct(environment?: string): Record<string, unknown> {
  const app = buildDefaultApp(new App({ outdir }), environment === undefined ? undefined : ENVIRONMENTS[environment]());
  return byKey(JSON.parse(JSON.stringify(app.charts.flatMap((c) => c.toJson()))));
}

test('the base builds into the mesh without a preset', () => {
  expect(build(path.join(outdir, 'base'))).toEqual(direct());
});

test.each(Object.keys(ENVIRONMENTS))('overlays/%s builds into exactly that environment\'s synthesis', (env) => {
  const built = build(path.join(outdir, 'overlays', env));
  const expected = direct(env);
  expect(Object.keys(built).sort()).toEqual(Object.keys(expected).sort());
  expect(built).toEqual(expected);
  // The overlay differs from the base, or the test proves nothing.
  expect(built).not.toEqual(direct());
});

test('the JSON patches are minimal: same-length arrays are patched item by item', () => {
  expect(jsonPatch({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] })).toEqual([{ op: 'replace', path: '/a/1/b', value: 3 }]);
  expect(jsonPatch({ a: [1] }, { a: [1, 2] })).toEqual([{ op: 'replace', path: '/a', value: [1, 2] }]);
  expect(jsonPatch({ 'x/y': 1, gone: true }, { 'x/y': 2 })).toEqual([{ op: 'remove', path: '/gone' }, { op: 'replace', path: '/x~1y', value: 2 }]);
});
