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
import * as fc from 'fast-check';
import { writeKustomize } from '../src';
import { strategicMergePatch } from '../src/synth/kustomize';
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

describe('the overlays\' strategic merge patches', () => {
  const deployment = (env: object[], extra: object = {}) => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w', namespace: 'ns' },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'agent', image: 'x:1', env }], ...extra } } },
  });
  const e = (name: string, value: string) => ({ name, value });

  test('hold only what changes: a keyed list lists the changed items by their key, a removed field is null', () => {
    expect(strategicMergePatch(deployment([e('A', '1'), e('B', '2')]), { ...deployment([e('A', '1'), e('B', '3')]), spec: { ...deployment([e('A', '1'), e('B', '3')]).spec, replicas: 2 } }))
      .toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w', namespace: 'ns' }, spec: { replicas: 2, template: { spec: { containers: [{ name: 'agent', env: [{ name: 'A' }, e('B', '3')] }] } } } });
    // Only the changed item, and the items before it by their key (Kustomize puts listed items first): the last one changes.
    expect(strategicMergePatch(deployment([e('A', '1'), e('B', '2')]), deployment([e('A', '2'), e('B', '2')])).spec.template.spec.containers[0].env).toEqual([e('A', '2')]);
    expect(strategicMergePatch(deployment([e('A', '1'), e('B', '2')]), deployment([e('A', '1')])))
      .toMatchObject({ spec: { template: { spec: { containers: [{ name: 'agent', env: [{ name: 'B', $patch: 'delete' }] }] } } } });
    expect(strategicMergePatch(deployment([], { affinity: {} }), deployment([])))
      .toMatchObject({ spec: { template: { spec: { affinity: null } } } });
    expect(strategicMergePatch(deployment([e('A', '1')]), deployment([e('A', '1')]))).toBeUndefined();
  });

  test('keep the order of a keyed list (an env variable that refers to an earlier one)', () => {
    const patch = strategicMergePatch(deployment([e('A', '1'), e('URL', 'x'), e('Z', 'z')]), deployment([e('A', '1'), e('USER', 'u'), e('URL', 'pg://$(USER)'), e('Z', 'z')]));
    expect(patch.spec.template.spec.containers[0].env).toEqual([{ name: 'A' }, e('USER', 'u'), { name: 'URL', value: 'pg://$(USER)' }]);
  });

  test('replace lists without a merge key, and every list of a custom resource', () => {
    const policy = (ports: number[]) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p' }, spec: { ingress: ports.map((port) => ({ ports: [{ port }] })) } });
    expect(strategicMergePatch(policy([1, 2]), policy([1, 3])).spec.ingress).toEqual([{ ports: [{ port: 1 }] }, { ports: [{ port: 3 }] }]);
    const custom = (containers: object[]) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { template: { spec: { containers } } } });
    expect(strategicMergePatch(custom([{ name: 'a', image: '1' }]), custom([{ name: 'a', image: '2' }])).spec.template.spec.containers).toEqual([{ name: 'a', image: '2' }]);
  });
});

test('every overlay patch is a file of its own, a strategic merge patch named after its object', () => {
  const prod = path.join(outdir, 'overlays', 'prod');
  const kustomization = parseAllDocuments(fs.readFileSync(path.join(prod, 'kustomization.yaml'), 'utf8'))[0].toJSON();
  expect(kustomization.patches.length).toBeGreaterThan(3);
  for (const { path: file } of kustomization.patches) {
    expect(file).toMatch(/^patches\/[a-z0-9.-]+\.yaml$/);
    const patch = parseAllDocuments(fs.readFileSync(path.join(prod, file), 'utf8'))[0].toJSON();
    expect(file).toBe(`patches/${patch.kind.toLowerCase()}-${patch.metadata.name}.yaml`);
    expect(JSON.stringify(patch)).not.toMatch(/"op":|"path":"\//);
  }
});

test('generated changes to every object (env added, moved, removed and changed; lists, maps, fields): each overlay builds into exactly its objects', () => {
  const base: any[] = JSON.parse(JSON.stringify(buildDefaultApp(new App({ outdir })).charts.flatMap((c) => c.toJson())));
  const random = fc.sample(fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat()), { numRuns: 24, seed: 7 });
  const environments: Record<string, any[]> = {};
  random.forEach(([a, b, c, d], n) => {
    const objects = JSON.parse(JSON.stringify(base));
    for (const [i, o] of objects.entries()) {
      const pod = o.spec?.template?.spec;
      const container = pod?.containers?.[0];
      switch ((a + i * b) % 7) {
        case 0: if (container?.env) container.env.splice(c % (container.env.length + 1), 0, { name: `NEW_${n}_${i}`, value: String(d) }); break;
        case 1: if (container?.env?.length) container.env.splice(c % container.env.length, 1); break;
        case 2: if (container?.env?.length) { const [moved] = container.env.splice(c % container.env.length, 1); container.env.splice(d % (container.env.length + 1), 0, moved); } break;
        case 3: if (pod?.volumes?.length) pod.volumes.splice(c % pod.volumes.length, 1); else if (o.spec?.replicas !== undefined) o.spec.replicas = (d % 5) + 1; break;
        case 4: o.metadata.annotations = { ...o.metadata.annotations, 'example.com/note': String(c) }; delete o.metadata.labels?.['app.kubernetes.io/version']; break;
        case 5: if (o.kind === 'NetworkPolicy') o.spec.egress = (o.spec.egress ?? []).slice(0, c % 2); else if (container?.resources) container.resources.limits = { memory: `${(d % 7) + 1}Gi` }; break;
        default: break;
      }
    }
    environments[`gen${n}`] = objects;
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kustomize-generated-'));
  try {
    writeKustomize(dir, base, environments);
    // The changes are there: most overlays patch several objects.
    const patchFiles = Object.keys(environments).map((env) => {
      const patches = path.join(dir, 'overlays', env, 'patches');
      return fs.existsSync(patches) ? fs.readdirSync(patches).length : 0;
    });
    expect(patchFiles.reduce((x, y) => x + y, 0)).toBeGreaterThan(3 * patchFiles.length);
    for (const [env, objects] of Object.entries(environments)) {
      expect({ env, built: build(path.join(dir, 'overlays', env)) }).toEqual({ env, built: byKey(objects) });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
