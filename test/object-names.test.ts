/** The API server's name and label-value rules, as the mesh applies them to every object it renders. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { AgentRuntime, McpMesh, writeManifests } from '../src';
import { objectNameProblems } from '../src/k8s/object-names';

const sources = [{ field: 'agents.weather.name', value: 'weather' }];
const long = `weather-${'x'.repeat(60)}`;

test('valid names and label values pass; null or undefined label values are no labels and pass too', () => {
  expect(objectNameProblems([
    { kind: 'Deployment', name: 'weather', labels: { 'app.kubernetes.io/name': 'weather', unset: undefined, cleared: null, empty: '' } },
    { kind: 'Service', name: 'weather', labels: { 'app.kubernetes.io/name': 'weather' } },
  ], sources)).toEqual([]);
});

test('a label value too long is blamed on the name it derives from, with the longest that name may be', () => {
  const [problem, ...rest] = objectNameProblems([{ kind: 'Deployment', name: 'weather', labels: { 'app.kubernetes.io/instance': long } }], sources);
  expect(rest).toEqual([]);
  expect(problem.field).toBe('agents.weather.name');
  expect(problem.message).toContain(`the label app.kubernetes.io/instance="${long}" of Deployment "weather" (68 characters; label values are at most 63)`);
  expect(problem.fix).toBe('shorten agents.weather.name to at most 2 characters');
});

test('the first bad label reported is the same whatever order the labels were given in (their rendered order)', () => {
  const other = `weather-${'y'.repeat(60)}`;
  const a = objectNameProblems([{ kind: 'Deployment', name: 'weather', labels: { zeta: long, alpha: other } }], sources);
  const b = objectNameProblems([{ kind: 'Deployment', name: 'weather', labels: { alpha: other, zeta: long } }], sources);
  expect(a.map((p) => p.message)).toEqual(b.map((p) => p.message));
  expect(a[0].message).toContain('the label alpha=');
  expect(a[0].message).toContain('and 1 more name(s) or label(s) like it');
});

test('integer-like label keys are reported in the order they are written (numeric first, as a rendered object lists them)', () => {
  const [problem] = objectNameProblems([{ kind: 'Deployment', name: 'weather', labels: { 10: 'bad?', 9: 'bad!' } }], sources);
  expect(problem.message).toContain('the label 9="bad!"');
});

test('a value found valid once does not make a bad value pass later (the check remembers valid values only)', () => {
  const good = { kind: 'ConfigMap', name: 'weather-config', labels: { v: 'weather' } };
  const bad = { kind: 'ConfigMap', name: 'weather-config', labels: { v: 'weather!' } };
  for (let i = 0; i < 2; i++) {
    expect(objectNameProblems([good], sources)).toEqual([]);
    expect(objectNameProblems([bad], sources)).toHaveLength(1);
  }
});

describe('in a mesh', () => {
  const agents = [{ name: 'weather', runtime: AgentRuntime.python({ image: 'ghcr.io/example/weather:1.0.0', script: 'agent.py' }) }];

  test('a name that makes a derived object\'s label too long fails at construction, blaming the prop', () => {
    const chart = new Chart(new App(), 'c');
    expect(() => new McpMesh(chart, 'mesh', { name: 'a'.repeat(60), observability: {}, agents }))
      .toThrow(/name: "a{60}" makes the label app\.kubernetes\.io\/name="a{60}-rules" of PrometheusRule .* Fix: shorten name to at most 44 characters/);
  });

  test('an object added under the mesh after construction is checked at synth', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'names-')) });
    const mesh = new McpMesh(new Chart(app, 'c'), 'mesh', { agents });
    new ApiObject(mesh, 'extra', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'not_a_name' } });
    expect(() => writeManifests(app)).toThrow(/the ConfigMap name "not_a_name" \(10 characters\), which must be a DNS-1123 subdomain/);
    expect(() => app.synth()).toThrow(/the ConfigMap name "not_a_name"/);
  });
});
