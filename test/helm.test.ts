/**
 * The Helm output: two charts that real helm (scripts/helm-tools.sh) lints strictly and renders into exactly
 * the objects of the direct synthesis, each object in one chart, byte for byte (text holding `{{ … }}`
 * included), whatever folder the synthesis runs in.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Duration } from 'cdk8s';
import * as fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { buildApp as buildFull } from '../examples/full/main';
import { buildApp as buildHa } from '../examples/ha/main';
import { buildApp as buildLinkerd } from '../examples/linkerd/main';
import { buildApp as buildMinimal } from '../examples/minimal/main';
import { AgentRuntime, McpMesh, MCP_MESH_VERSION, ObjectOwner, OwnedObject, ownedObjectsOf, ServiceMesh } from '../src';
import { buildDefaultApp } from '../src/main';
import { McpObservability } from '../src/observability';
import {
  escapeHelmTemplate, HELM_AGENTS_CHART, HELM_REGISTRY_CHART, helmChartsOf, splitHelmCharts, writeHelmCharts,
} from '../src/synth/helm-charts';
import { toYamlDocument } from '../src/synth/yaml';

const REPO = path.resolve(__dirname, '..');
const CHARTS = [HELM_REGISTRY_CHART, HELM_AGENTS_CHART] as const;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-test-'));
let helm: string;
let helmEnv: NodeJS.ProcessEnv;

beforeAll(() => {
  // Fetches helm from npm on a cold cache (~3 s), then only checks its version.
  helm = execFileSync('bash', [path.join(REPO, 'scripts', 'helm-tools.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  // A helm that reads and writes nothing of the user's (repositories, plugins, caches).
  const home = path.join(work, 'helm-home');
  helmEnv = { ...process.env, HELM_CACHE_HOME: `${home}/cache`, HELM_CONFIG_HOME: `${home}/config`, HELM_DATA_HOME: `${home}/data` };
}, 5 * 60 * 1000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

type Obj = Record<string, any>;

function run(args: string[]): string {
  return execFileSync(helm, args, { encoding: 'utf8', env: helmEnv, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** helm's error output, for tests that expect a failure. */
function runFailing(args: string[]): string {
  try {
    run(args);
  } catch (e: any) {
    return `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  throw new Error(`helm ${args.join(' ')} succeeded`);
}

/** `helm template` split into its documents: the template each came from and its exact text. */
function template(chartDir: string, extra: string[] = []): Array<{ source: string; text: string; object: Obj }> {
  const out = run(['template', 'release', chartDir, '--include-crds', ...extra]);
  if (out.trim() === '') return []; // a chart without objects renders into one blank line
  const parts = out.split(/^---\n# Source: (.+)\n/m);
  expect(parts[0]).toBe('');
  const docs: Array<{ source: string; text: string; object: Obj }> = [];
  for (let i = 1; i < parts.length; i += 2) {
    const parsed = parseAllDocuments(parts[i + 1]);
    expect(parsed).toHaveLength(1);
    docs.push({ source: parts[i], text: parts[i + 1], object: parsed[0].toJSON() });
  }
  return docs;
}

const keyOf = (o: Obj) => `${o.apiVersion}/${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
const plain = (objects: unknown[]): Obj[] => JSON.parse(JSON.stringify(objects));
/** Owners of the objects objectsOf returns, as the constructs recorded them (objects made by hand have none). */
const OWNERS = new WeakMap<Obj, ObjectOwner>();
const objectsOf = (app: App): Obj[] => ownedObjectsOf(app).map(({ object, owner }) => {
  const o = plain([object])[0];
  if (owner !== undefined) OWNERS.set(o, owner);
  return o;
});
const ownedOf = (objects: Obj[]): OwnedObject[] => objects.map((object) => (OWNERS.has(object) ? { object, owner: OWNERS.get(object) } : { object }));

function byKey(objects: Obj[]): Record<string, Obj> {
  const out: Record<string, Obj> = {};
  for (const o of objects) {
    expect(out[keyOf(o)]).toBeUndefined();
    out[keyOf(o)] = o;
  }
  return out;
}

function write(name: string, objects: Obj[], chartVersion = '0.1.0'): string {
  const outdir = path.join(work, name);
  writeHelmCharts(outdir, ownedOf(objects), { chartVersion, appVersion: MCP_MESH_VERSION });
  return outdir;
}

/** Renders both charts, checks every object comes back byte for byte from exactly one chart. */
function expectRoundTrip(objects: Obj[], outdir: string): Record<string, string> {
  const chartOf: Record<string, string> = {};
  const rendered: Obj[] = [];
  const direct = byKey(objects);
  for (const chart of CHARTS) {
    for (const doc of template(path.join(outdir, chart))) {
      const key = keyOf(doc.object);
      expect({ key, alsoIn: chartOf[key] }).toEqual({ key, alsoIn: undefined });
      chartOf[key] = chart;
      rendered.push(doc.object);
      // Byte for byte what the direct synthesis writes for that object (crds/ files are printed with one more
      // newline after them).
      const text = doc.source.startsWith(`${chart}/crds/`) ? doc.text.replace(/\n\n$/, '\n') : doc.text;
      expect({ key, text }).toEqual({ key, text: toYamlDocument(direct[key]) });
    }
  }
  expect(Object.keys(chartOf).sort()).toEqual(Object.keys(direct).sort());
  expect(byKey(rendered)).toEqual(direct);
  return chartOf;
}

function lint(chartDir: string, extra: string[] = []): string {
  const out = run(['lint', '--strict', chartDir, ...extra]);
  expect(out).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  expect(out).not.toMatch(/\[(WARNING|ERROR)\]/);
  return out;
}

describe('the default mesh as Helm charts', () => {
  let outdir: string;
  let objects: Obj[];

  beforeAll(() => {
    objects = objectsOf(buildDefaultApp(new App({ outdir: work })));
    outdir = write('default', objects);
  });

  test.each(CHARTS)('helm lint --strict passes on %s', (chart) => {
    lint(path.join(outdir, chart));
    lint(path.join(outdir, chart), ['--set-string', 'commonLabels.team=travel']);
  });

  test('helm template gives back exactly the direct synthesis, each object from one chart, byte for byte', () => {
    const chartOf = expectRoundTrip(objects, outdir);
    const agents = Object.entries(chartOf).filter(([, c]) => c === HELM_AGENTS_CHART).map(([k]) => k);
    // Every agent's objects, the agent's NetworkPolicy included, are in the agents chart; nothing else is.
    for (const agent of ['weather', 'hotels', 'planner']) {
      expect(agents).toEqual(expect.arrayContaining([
        `apps/v1/Deployment/mcp-mesh/${agent}`, `v1/Service/mcp-mesh/${agent}`, `v1/ConfigMap/mcp-mesh/${agent}-config`,
        `networking.k8s.io/v1/NetworkPolicy/mcp-mesh/${agent}`,
      ]));
    }
    expect(agents.every((k) => /\/(weather|hotels|planner)(-[a-z]+)?$/.test(k))).toBe(true);
    expect(chartOf['networking.k8s.io/v1/NetworkPolicy/mcp-mesh/mcp-mesh-default-deny']).toBe(HELM_REGISTRY_CHART);
    expect(chartOf['networking.k8s.io/v1/NetworkPolicy/mcp-mesh/mcp-mesh-allow-dns']).toBe(HELM_REGISTRY_CHART);
    expect(chartOf['networking.k8s.io/v1/NetworkPolicy/mcp-mesh/mcp-mesh-registry']).toBe(HELM_REGISTRY_CHART);
    expect(chartOf['apps/v1/StatefulSet/mcp-mesh/mcp-mesh-registry']).toBe(HELM_REGISTRY_CHART);
  });

  test('Chart.yaml: fixed name, the given version, MCP Mesh as appVersion, Kubernetes >= 1.30', () => {
    for (const chart of CHARTS) {
      const meta = parseAllDocuments(fs.readFileSync(path.join(outdir, chart, 'Chart.yaml'), 'utf8'))[0].toJSON();
      expect(meta).toMatchObject({ apiVersion: 'v2', name: chart, version: '0.1.0', appVersion: '3.8.0', kubeVersion: '>=1.30.0-0', type: 'application' });
      expect(meta.description).toEqual(expect.any(String));
      for (const f of ['values.yaml', 'values.schema.json', 'README.md', 'templates/NOTES.txt', 'templates/_helpers.tpl']) {
        expect(fs.existsSync(path.join(outdir, chart, f))).toBe(true);
      }
    }
  });

  test('NOTES.txt tells how to reach the registry', () => {
    const notes = (chart: string) => {
      const out = run(['install', 'release', path.join(outdir, chart), '--dry-run=client', '--namespace', 'mcp-mesh']);
      return out.slice(out.indexOf('NOTES:'));
    };
    const registry = notes(HELM_REGISTRY_CHART);
    expect(registry).toContain('http://mcp-mesh-registry.mcp-mesh.svc.cluster.local:8000');
    expect(registry).toContain('kubectl --namespace mcp-mesh port-forward svc/mcp-mesh-registry 8000');
    expect(registry).toContain('curl http://localhost:8000/health');
    expect(registry).toContain('mcp-mesh-export-registry 0.1.0 (MCP Mesh 3.8.0), release release.');
    const agents = notes(HELM_AGENTS_CHART);
    expect(agents).toContain('weather: Deployment weather, 2 replica(s), advertised as http://weather.mcp-mesh.svc.cluster.local:8080');
    expect(agents).toContain('kubectl --namespace mcp-mesh port-forward svc/mcp-mesh-registry 8000');
    expect(agents).toContain('kubectl --namespace mcp-mesh rollout status deployment/planner');
  });

  test('NOTES.txt of a large mesh lists 20 agents and waits for all of them at once', () => {
    const app = new App({ outdir: work });
    const chart = new Chart(app, 'big', { disableResourceNameHashes: true });
    new McpMesh(chart, 'Mesh', {
      name: 'big', namespace: 'big',
      agents: Array.from({ length: 21 }, (_, i) => ({ name: `agent-${i}`, runtime: AgentRuntime.python({ image: 'ghcr.io/acme/agent:1.0.0' }), capabilities: [{ name: `cap_${i}` }] })),
    });
    const big = write('big', objectsOf(app));
    const out = run(['install', 'release', path.join(big, HELM_AGENTS_CHART), '--dry-run=client', '--namespace', 'big']);
    expect(out).toContain('  agent-19: Deployment agent-19, 1 replica(s), advertised as http://agent-19.big.svc.cluster.local:8080\n  ... and 1 more');
    expect(out).not.toContain('agent-20: Deployment');
    expect(out).toContain('kubectl --namespace big wait deployment --selector app.kubernetes.io/component=agent,app.kubernetes.io/instance=big --for condition=Available');
    expect(fs.readFileSync(path.join(big, HELM_AGENTS_CHART, 'README.md'), 'utf8')).toContain('| agent-20 | 1 |');
  });

  test('commonLabels land in metadata.labels of every object and nowhere else', () => {
    const direct = byKey(objects);
    for (const chart of CHARTS) {
      const docs = template(path.join(outdir, chart), ['--set-string', 'commonLabels.team=travel', '--set-string', 'commonLabels.example\\.com/cost-center=42']);
      expect(docs.length).toBeGreaterThan(3);
      for (const { object } of docs) {
        expect(object.metadata.labels).toMatchObject({ 'team': 'travel', 'example.com/cost-center': '42' });
        const without = structuredClone(object);
        delete without.metadata.labels.team;
        delete without.metadata.labels['example.com/cost-center'];
        expect(without).toEqual(direct[keyOf(object)]);
      }
    }
  });

  test('a commonLabel the mesh already sets fails the render instead of overriding it', () => {
    const out = runFailing(['template', 'release', path.join(outdir, HELM_AGENTS_CHART), '--set-string', 'commonLabels.app\\.kubernetes\\.io/name=other']);
    expect(out).toMatch(/commonLabels: \w+\/\S+ already sets the label app\.kubernetes\.io\/name .*Fix: remove app\.kubernetes\.io\/name from commonLabels/);
  });

  test('values the charts do not support are rejected, not ignored', () => {
    const chart = path.join(outdir, HELM_REGISTRY_CHART);
    expect(runFailing(['template', 'release', chart, '--set', 'registry.replicas=3'])).toMatch(/at '': additional properties 'registry' not allowed/);
    expect(runFailing(['template', 'release', chart, '--set', 'commonLabels.cost=42'])).toMatch(/at '\/commonLabels\/cost': got number, want string/);
    expect(runFailing(['template', 'release', chart, '--set-string', 'commonLabels.team=no spaces'])).toMatch(/at '\/commonLabels\/team': 'no spaces' does not match pattern/);
  });
});

describe('the examples as Helm charts', () => {
  const examples: Record<string, () => App> = {
    minimal: () => buildMinimal(new App({ outdir: work })),
    full: () => buildFull(new App({ outdir: work })),
    linkerd: () => buildLinkerd(new App({ outdir: work })),
    ha: () => buildHa(new App({ outdir: work })),
  };

  test.each(Object.keys(examples))('%s: lints, renders back exactly, every object in one chart', (name) => {
    const objects = objectsOf(examples[name]());
    const outdir = write(`example-${name}`, objects);
    for (const chart of CHARTS) lint(path.join(outdir, chart));
    const chartOf = expectRoundTrip(objects, outdir);
    const ns = objects.find((o) => o.kind === 'Deployment')!.metadata.namespace;
    const expected: Record<string, Record<string, string>> = {
      full: {
        [`v1/Namespace//${ns}`]: HELM_REGISTRY_CHART,
        [`security.istio.io/v1/PeerAuthentication/${ns}/travel-mtls`]: HELM_REGISTRY_CHART,
        [`v1/Service/${ns}/travel-capabilities`]: HELM_REGISTRY_CHART,
        [`networking.istio.io/v1/VirtualService/${ns}/travel-capabilities`]: HELM_REGISTRY_CHART,
        [`networking.istio.io/v1/DestinationRule/${ns}/registry`]: HELM_REGISTRY_CHART,
        [`security.istio.io/v1/AuthorizationPolicy/${ns}/registry`]: HELM_REGISTRY_CHART,
        [`networking.istio.io/v1/DestinationRule/${ns}/weather`]: HELM_AGENTS_CHART,
        [`networking.istio.io/v1/VirtualService/${ns}/weather`]: HELM_AGENTS_CHART,
        [`security.istio.io/v1/AuthorizationPolicy/${ns}/weather`]: HELM_AGENTS_CHART,
        [`v1/Service/${ns}/weather-pods`]: HELM_AGENTS_CHART,
      },
      linkerd: {
        [`policy.linkerd.io/v1beta1/Server/${ns}/mcp-mesh-registry-server`]: HELM_REGISTRY_CHART,
        [`policy.linkerd.io/v1alpha1/MeshTLSAuthentication/${ns}/mcp-mesh-registry-callers`]: HELM_REGISTRY_CHART,
        [`policy.linkerd.io/v1beta1/Server/${ns}/weather-server`]: HELM_AGENTS_CHART,
        [`policy.linkerd.io/v1alpha1/MeshTLSAuthentication/${ns}/weather-callers`]: HELM_AGENTS_CHART,
        [`policy.linkerd.io/v1alpha1/AuthorizationPolicy/${ns}/weather`]: HELM_AGENTS_CHART,
        [`linkerd.io/v1alpha2/ServiceProfile/${ns}/weather.${ns}.svc.cluster.local`]: HELM_AGENTS_CHART,
      },
      ha: {
        [`apps/v1/StatefulSet/${ns}/mcp-mesh-registry-postgres`]: HELM_REGISTRY_CHART,
        [`networking.k8s.io/v1/NetworkPolicy/${ns}/mcp-mesh-registry-postgres`]: HELM_REGISTRY_CHART,
        [`autoscaling/v2/HorizontalPodAutoscaler/${ns}/weather`]: HELM_AGENTS_CHART,
      },
      minimal: { [`networking.k8s.io/v1/NetworkPolicy/${ns}/hello`]: HELM_AGENTS_CHART },
    };
    const got = Object.fromEntries(Object.keys(expected[name]).map((k) => [k, chartOf[k]]));
    expect(got).toEqual(expected[name]);
  });
});

describe('which chart an object belongs to', () => {
  const meshObjects = (name: string, agents: string[], serviceMesh = ServiceMesh.ISTIO): Obj[] => {
    const app = new App({ outdir: work });
    const chart = new Chart(app, 'c', { disableResourceNameHashes: true });
    new McpMesh(chart, 'Mesh', {
      name,
      namespace: 'ns',
      createNamespace: true,
      serviceMesh,
      agents: agents.map((a, i) => ({
        name: a,
        runtime: AgentRuntime.python({ image: 'ghcr.io/acme/agent:1.0.0' }),
        capabilities: [{ name: `cap_${i}`, timeout: Duration.seconds(5) }],
        dependsOn: i > 0 ? ['cap_0'] : [],
      })),
    });
    return objectsOf(app);
  };
  const owners = (objects: Obj[]) => {
    const charts = helmChartsOf(ownedOf(objects));
    return Object.fromEntries(objects.map((o, i) => [`${o.kind}/${o.metadata.name}`, charts[i]]));
  };

  test.each([ServiceMesh.ISTIO, ServiceMesh.LINKERD])('an agent named like the mesh: its objects go to the agents chart, the mesh-wide ones stay (%s)', (serviceMesh) => {
    const objects = meshObjects('travel', ['travel', 'weather'], serviceMesh);
    const o = owners(objects);
    for (const [key, chart] of Object.entries(o)) {
      const object = objects.find((x) => `${x.kind}/${x.metadata.name}` === key)!;
      const component = object.metadata.labels?.['app.kubernetes.io/component'];
      const name = object.metadata.name;
      // The mesh's own: <mesh>-default-deny, -allow-dns, -mtls, -capabilities; the registry's; the Namespace.
      const meshWide = /^travel-(default-deny|allow-dns|mtls|capabilities)$/.test(name) || name.startsWith('mcp-mesh-registry') || key === 'Namespace/ns';
      const agents = component === 'agent' || (component === undefined && !meshWide);
      expect({ key, chart }).toEqual({ key, chart: agents ? HELM_AGENTS_CHART : HELM_REGISTRY_CHART });
    }
    expect(o['NetworkPolicy/travel']).toBe(HELM_AGENTS_CHART);
    expect(o['NetworkPolicy/travel-default-deny']).toBe(HELM_REGISTRY_CHART);
    if (serviceMesh === ServiceMesh.LINKERD) {
      expect(o['Server/travel-server']).toBe(HELM_AGENTS_CHART);
      expect(o['ServiceProfile/travel.ns.svc.cluster.local']).toBe(HELM_AGENTS_CHART);
      // The name rule this replaced sent this one to the registry chart; its owner is the agent "travel".
      expect(o['MeshTLSAuthentication/travel-callers']).toBe(HELM_AGENTS_CHART);
    }
  });

  test('an agent named mcp-mesh does not take the registry mcp-mesh-registry\'s objects', () => {
    const objects = meshObjects('mesh', ['mcp-mesh', 'weather'], ServiceMesh.LINKERD);
    const o = owners(objects);
    expect(o['MeshTLSAuthentication/mcp-mesh-registry-callers']).toBe(HELM_REGISTRY_CHART);
    expect(o['AuthorizationPolicy/mcp-mesh-registry']).toBe(HELM_REGISTRY_CHART);
    expect(o['MeshTLSAuthentication/mcp-mesh-callers']).toBe(HELM_AGENTS_CHART);
    expect(o['AuthorizationPolicy/mcp-mesh']).toBe(HELM_AGENTS_CHART);
    const split = splitHelmCharts(ownedOf(objects));
    expect(split[HELM_AGENTS_CHART].length + split[HELM_REGISTRY_CHART].length).toBe(objects.length);
  });

  test('the owner is what the constructs recorded: every agent\'s objects in the agents chart, the rest in the registry chart', () => {
    const objects = meshObjects('mesh', ['weather', 'planner'], ServiceMesh.ISTIO);
    const owned = ownedOf(objects);
    const agentsChart = owned.filter((x) => x.owner?.part === 'agent');
    // Each agent: ServiceAccount, Service, ConfigMap, Deployment, NetworkPolicy, AuthorizationPolicy, DestinationRule, VirtualService.
    expect(agentsChart.map((x) => `${x.owner!.agent}:${x.object.kind}`).sort()).toEqual(['planner', 'weather'].flatMap((a) =>
      ['AuthorizationPolicy', 'ConfigMap', 'Deployment', 'DestinationRule', 'NetworkPolicy', 'Service', 'ServiceAccount', 'VirtualService'].map((k) => `${a}:${k}`)).sort());
    expect(helmChartsOf(owned).filter((c) => c === HELM_AGENTS_CHART)).toHaveLength(agentsChart.length);
    // The registry's objects carry their part, the mesh-wide ones theirs.
    expect(owned.filter((x) => x.object.metadata.name === 'mcp-mesh-registry').map((x) => x.owner?.part)).toEqual(Array(owned.filter((x) => x.object.metadata.name === 'mcp-mesh-registry').length).fill('registry'));
    expect(owned.find((x) => x.object.metadata.name === 'mesh-default-deny')?.owner?.part).toBe('mesh');
  });

  test('objects no mesh rendered (added to the chart by hand, or made up) go to the registry chart', () => {
    const app = new App({ outdir: work });
    const chart = new Chart(app, 'c', { disableResourceNameHashes: true });
    new McpMesh(chart, 'Mesh', { namespace: 'ns', agents: [{ name: 'weather', runtime: AgentRuntime.python({ image: 'ghcr.io/acme/agent:1.0.0' }) }] });
    new ApiObject(chart, 'Extra', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'weather-extra', namespace: 'ns' } });
    const owned = ownedObjectsOf(app);
    const extra = owned.find((x) => x.object.metadata.name === 'weather-extra')!;
    expect(extra.owner).toBeUndefined();
    expect(helmChartsOf([extra])).toEqual([HELM_REGISTRY_CHART]);
    expect(helmChartsOf([{ object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'weather', labels: { 'app.kubernetes.io/component': 'agent' } } } }]))
      .toEqual([HELM_REGISTRY_CHART]);
  });
});

describe('text holding {{ … }} comes out of helm template byte for byte', () => {
  const tricky = [
    '{{ $labels.pod }}', '}}', '{{', '{{{', '{{{{', '{{- x -}}', '{{/* c */}}', '{{ "{{" }}', '{{`{{`}}', 'a }} b {{ c',
    'summary: {{ $labels.namespace }}/{{ $labels.pod }} is down }}', '{{ .Values.x }}', '{ {', '}}{{', '{{end}}', '{{ template "x" }}',
  ];

  test('escapeHelmTemplate only rewrites {{', () => {
    expect(escapeHelmTemplate('a {{ $labels.x }} }} b')).toBe('a {{ "{{" }} $labels.x }} }} b');
    expect(escapeHelmTemplate('no braces } { }')).toBe('no braces } { }');
  });

  test('in ConfigMap data, annotations, labels-less objects and CRDs', () => {
    const annotations = Object.fromEntries(tricky.map((t, i) => [`example.com/a${i}`, t]));
    const objects: Obj[] = [
      {
        apiVersion: 'v1', kind: 'ConfigMap',
        data: { ...Object.fromEntries(tricky.map((t, i) => [`k${i}`, t])), 'block.txt': `${tricky.join('\n')}\n`, 'strip.txt': tricky.join('\n') },
        metadata: { annotations, labels: { 'app.kubernetes.io/name': 'x' }, name: 'templated', namespace: 'ns' },
      },
      // no labels at all, and an empty labels map: commonLabels still reach them
      { apiVersion: 'v1', kind: 'ConfigMap', data: { 'x.txt': '{{ $labels.x }}' }, metadata: { annotations: { summary: '{{ $value }} }}' }, name: 'unlabelled', namespace: 'ns' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { labels: {}, name: 'empty-labels', namespace: 'ns' } },
      {
        apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
        metadata: { annotations: { note: '{{ not a template }}' }, name: 'widgets.example.com' },
        spec: {
          group: 'example.com', names: { kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget' }, scope: 'Namespaced',
          versions: [{ name: 'v1', schema: { openAPIV3Schema: { description: 'a {{ x }} widget', type: 'object' } }, served: true, storage: true }],
        },
      },
    ];
    const outdir = write('templated', objects);
    expect(fs.readdirSync(path.join(outdir, HELM_REGISTRY_CHART, 'crds'))).toEqual(['customresourcedefinition-widgets.example.com.yaml']);
    for (const chart of CHARTS) lint(path.join(outdir, chart));
    expectRoundTrip(objects, outdir);

    const labelled = template(path.join(outdir, HELM_REGISTRY_CHART), ['--set-string', 'commonLabels.team=travel']);
    const labels = Object.fromEntries(labelled.map((d) => [d.object.metadata.name, d.object.metadata.labels]));
    expect(labels).toEqual({
      'templated': { 'app.kubernetes.io/name': 'x', 'team': 'travel' },
      'unlabelled': { team: 'travel' },
      'empty-labels': { team: 'travel' },
      // crds/ is not templated: CRDs go in as they are
      'widgets.example.com': undefined,
    });
    expect(labelled.find((d) => d.object.metadata.name === 'templated')!.object.data).toEqual(objects[0].data);
  });

  test('any text of braces, dashes, quotes and slashes (property test, one helm run)', () => {
    const text = fc.string({ unit: fc.constantFrom('{', '}', '{{', '}}', '-', '/', '*', '"', '`', '$', '.', ' ', '\n', 'x', '|', ':', '#'), maxLength: 40 });
    const samples = fc.sample(text, { numRuns: 300, seed: 42 });
    const objects: Obj[] = [{
      apiVersion: 'v1', kind: 'ConfigMap',
      data: Object.fromEntries(samples.map((s, i) => [`k${i}`, s])),
      metadata: { annotations: Object.fromEntries(samples.slice(0, 50).map((s, i) => [`example.com/a${i}`, s])), name: 'fuzz', namespace: 'ns' },
    }];
    expectRoundTrip(objects, write('fuzz', objects));
  });

  test('the real alert annotations and dashboards of McpObservability', () => {
    const app = new App({ outdir: work });
    const chart = new Chart(app, 'obs', { disableResourceNameHashes: true });
    const mesh = new McpMesh(chart, 'Mesh', {
      namespace: 'obs',
      serviceMesh: ServiceMesh.ISTIO,
      agents: [{ name: 'weather', runtime: AgentRuntime.python({ image: 'ghcr.io/acme/weather:1.0.0' }), capabilities: [{ name: 'forecast' }] }],
    });
    new McpObservability(chart, 'Observability', { mesh });
    const objects = objectsOf(app);
    expect(JSON.stringify(objects)).toContain('{{ $labels.');
    const outdir = write('observability', objects);
    for (const c of CHARTS) lint(path.join(outdir, c));
    const chartOf = expectRoundTrip(objects, outdir);
    for (const o of objects.filter((x) => x.metadata.labels?.['app.kubernetes.io/component'] === 'observability')) {
      expect(chartOf[keyOf(o)]).toBe(HELM_REGISTRY_CHART);
    }
  });
});

describe('names, versions and files', () => {
  test('the charts do not depend on the folder the synthesis runs in', () => {
    const objects = objectsOf(buildDefaultApp(new App({ outdir: work })));
    const cwd = process.cwd();
    const trees: Array<Record<string, string>> = [];
    const elsewhere = fs.mkdtempSync(path.join(work, 'some-other-folder-'));
    try {
      for (const [dir, out] of [[REPO, 'cwd-repo'], [elsewhere, 'cwd-elsewhere']]) {
        process.chdir(dir);
        const outdir = write(out, objects, '1.2.3-rc.1');
        trees.push(Object.fromEntries(listFiles(outdir).map((f) => [path.relative(outdir, f), fs.readFileSync(f, 'utf8')])));
      }
    } finally {
      process.chdir(cwd);
    }
    expect(trees[1]).toEqual(trees[0]);
    expect(Object.keys(trees[0]).filter((f) => f.endsWith('Chart.yaml')).sort()).toEqual([`${HELM_AGENTS_CHART}/Chart.yaml`, `${HELM_REGISTRY_CHART}/Chart.yaml`]);
    expect(trees[0][`${HELM_REGISTRY_CHART}/Chart.yaml`]).toMatch(/^apiVersion: v2\nname: mcp-mesh-export-registry\n/);
    expect(trees[0][`${HELM_REGISTRY_CHART}/Chart.yaml`]).toContain('version: "1.2.3-rc.1"\nappVersion: "3.8.0"\n');
    expect(JSON.stringify(trees[0])).not.toContain(path.basename(elsewhere));
  });

  test('only the two chart folders are replaced; a stale template disappears', () => {
    const outdir = path.join(work, 'replace');
    fs.mkdirSync(path.join(outdir, HELM_AGENTS_CHART, 'templates'), { recursive: true });
    fs.writeFileSync(path.join(outdir, HELM_AGENTS_CHART, 'templates', 'stale.yaml'), 'kind: Stale\n');
    fs.writeFileSync(path.join(outdir, 'keep.txt'), 'mine');
    const files = writeHelmCharts(outdir, ownedOf(objectsOf(buildMinimal(new App({ outdir: work })))), { chartVersion: '0.1.0' });
    expect(fs.existsSync(path.join(outdir, HELM_AGENTS_CHART, 'templates', 'stale.yaml'))).toBe(false);
    expect(fs.readFileSync(path.join(outdir, 'keep.txt'), 'utf8')).toBe('mine');
    expect([...files].sort()).toEqual(listFiles(outdir).filter((f) => !f.endsWith('keep.txt')));
  });

  test('a chart version that is not SemVer fails with the fix', () => {
    expect(() => writeHelmCharts(path.join(work, 'bad'), [], { chartVersion: 'v1' })).toThrow(/helm\.chartVersion: "v1" is not a SemVer 2 version.*Fix: pass a version such as "0\.1\.0"/);
  });

  test('scripts/helm-tools.sh pins the same helm as scripts/upstream-crds.sh', () => {
    const pins = (file: string) => {
      const text = fs.readFileSync(path.join(REPO, 'scripts', file), 'utf8');
      return ['HELM_NPM_PACKAGE', 'HELM_VERSION'].map((v) => new RegExp(`^${v}="([^"]+)"`, 'm').exec(text)?.[1]);
    };
    expect(pins('helm-tools.sh')).toEqual(pins('upstream-crds.sh'));
    expect(run(['version', '--template', '{{.Version}}'])).toBe(pins('helm-tools.sh')[1]);
  });
});

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)])).sort();
}
