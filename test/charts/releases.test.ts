/**
 * The charts as Helm users meet them, with real helm: strict lint, the default travel mesh installed as four
 * releases and as one umbrella release (the same objects, and those of the constructs' default mesh),
 * --namespace honoured everywhere, `global` accepted (as Helm passes it to subcharts), every problem of bad
 * values at once with field and fix, and the generated READMEs and umbrella schema fresh.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { AgentRuntime, McpMesh, McpMeshAgentProps, ServiceMesh } from '../../src';
import { buildDefaultApp } from '../../src/main';
import { synthApp } from '../util/synth';
import {
  byKey, CHARTS_DIR, Helm, Obj, parseObjects, REPO, travelReleaseArgs, travelReleases, travelUmbrellaArgs, umbrellaChart, withoutHelmLabels,
} from './helm-run';
import { istioVerdicts } from './mesh-parity';

let helm: Helm;
let umbrella: string;
beforeAll(() => {
  helm = new Helm();
  umbrella = umbrellaChart(helm);
}, 5 * 60 * 1000);
afterAll(() => helm?.cleanup());

const chart = (name: string) => path.join(CHARTS_DIR, name);

test('helm lint --strict passes on every chart with the example values', () => {
  const out = [
    helm.run(['lint', '--strict', chart('mcp-mesh-registry'), '-f', path.join(REPO, 'examples', 'helm', 'registry.yaml')]),
    helm.run(['lint', '--strict', chart('mcp-mesh-agent'), ...travelReleaseArgs('planner')]),
    helm.run(['lint', '--strict', umbrella, ...travelUmbrellaArgs()]),
  ].join('\n');
  expect(out.match(/1 chart\(s\) linted, 0 chart\(s\) failed/g)).toHaveLength(3);
  // A chart that does not render fails lint: the check can fail.
  expect(helm.runFailing(['lint', '--strict', chart('mcp-mesh-agent')])).toMatch(/agent\.name: is not set/);
});

test('four releases and one umbrella release render the same objects', () => {
  const releases = byKey(travelReleases(helm).map(withoutHelmLabels));
  const mesh = byKey(parseObjects(helm.run(['template', 'travel', umbrella, '--namespace', 'mcp-mesh', ...travelUmbrellaArgs()])).map(withoutHelmLabels));
  expect(Object.keys(mesh).sort()).toEqual(Object.keys(releases).sort());
  for (const key of Object.keys(releases)) expect({ key, object: mesh[key] }).toEqual({ key, object: releases[key] });
});

test('the releases render the constructs\' default mesh: every object equal but the planner\'s policy, which also admits callers of plan_trip', () => {
  const releases = byKey(travelReleases(helm).map(withoutHelmLabels));
  const constructs = byKey(synthApp(buildDefaultApp(new App())) as Obj[]);
  expect(Object.keys(releases).sort()).toEqual(Object.keys(constructs).sort());
  const differ = Object.keys(constructs).filter((k) => JSON.stringify(releases[k]) !== JSON.stringify(constructs[k]) && !equalObjects(releases[k], constructs[k]));
  expect(differ).toEqual(['NetworkPolicy/planner']);
  // The one difference: an ingress rule for plan_trip, which no agent of this mesh calls (no pod carries its label).
  const { ingress, ...rest } = releases['NetworkPolicy/planner'].spec;
  expect(rest).toEqual(constructs['NetworkPolicy/planner'].spec);
  expect(constructs['NetworkPolicy/planner'].spec.ingress).toBeUndefined();
  expect(ingress).toEqual([{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/component': 'agent', 'app.kubernetes.io/instance': 'mcp-mesh', 'calls.mesh.mcp.io/plan_trip': 'true' } } }], ports: [{ port: 8080, protocol: 'TCP' }] }]);
});

function equalObjects(a: unknown, b: unknown): boolean {
  try {
    expect(a).toEqual(b);
    return true;
  } catch {
    return false;
  }
}

test('--namespace places every object and every name the agents dial in the release namespace', () => {
  const objects = [...travelReleases(helm, 'travel-prod'), ...parseObjects(helm.run(['template', 'travel', umbrella, '--namespace', 'travel-prod', ...travelUmbrellaArgs()]))];
  expect(objects.length).toBeGreaterThan(50);
  for (const o of objects) expect([o.kind, o.metadata.name, o.metadata.namespace]).toEqual([o.kind, o.metadata.name, 'travel-prod']);
  const planner = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'planner')!;
  const env = Object.fromEntries(planner.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
  expect(env.MCP_MESH_REGISTRY_URL).toBe('http://mcp-mesh-registry.travel-prod.svc.cluster.local:8000');
  expect(env.MCP_MESH_HTTP_HOST).toBe('planner.travel-prod.svc.cluster.local');
});

test('global values are accepted, as Helm passes them to every chart and subchart', () => {
  for (const [name, args] of [['mcp-mesh-registry', []], ['mcp-mesh-agent', travelReleaseArgs('weather')]] as const) {
    expect(helm.run(['template', 'r', chart(name), ...args, '--set', 'global.imageRegistry=mirror.example.com', '--set', 'global.storageClass=fast']).length).toBeGreaterThan(1000);
  }
  expect(helm.run(['template', 'r', umbrella, ...travelUmbrellaArgs(), '--set', 'global.imageRegistry=mirror.example.com']).length).toBeGreaterThan(1000);
});

test('bad values: every problem at once, with its field and fix, schema and cross-field checks alike', () => {
  const schema = helm.runFailing(['template', 'r', chart('mcp-mesh-agent'), '--set', 'agent.name=Weather', '--set', 'agent.port=80', '--set', 'image.tag=latest',
    '--set', 'replicaCount=-1', '--set', 'agent.logLevel=verbose', '--set', 'foo=1', '--set', 'env[0].name=HOST', '--set', 'env[0].value=x']);
  for (const field of ['/agent/name', '/agent/port', '/image/tag', '/replicaCount', '/agent/logLevel', "additional properties 'foo'", '/env/0/name']) expect(schema).toContain(field);
  const crossField = helm.runFailing(['template', 'r', chart('mcp-mesh-agent'), '--set', 'agent.name=weather', '--set', 'agent.script=a.py', '--set', 'agent.source=x',
    '--set', 'agent.heartbeatInterval=10', '--set', 'resources.requests.memory=1Gi', '--set', 'env[0].name=OPENAI_API_KEY', '--set', 'env[0].value=sk-abcdefghijklmnopqrstuvwxyz',
    '--set', 'agent.capabilities[0].name=c', '--set', 'agent.dependencies[0].name=c', '--set', 'ingress.enabled=true']);
  for (const line of [
    'agent.script: is set together with agent.source', 'agent.heartbeatInterval: 10s leaves room for fewer than 3 heartbeats',
    'resources.limits.memory: "512Mi" is lower than the memory request 1Gi', 'env[0].name: "OPENAI_API_KEY" looks like a secret',
    'agent.dependencies[0].name: "c" is provided by this agent itself', 'ingress.className: is not set', 'ingress.host: is not set', 'networkPolicy.ingressController: is not set',
  ]) expect(crossField).toContain(line);
  const registry = helm.runFailing(['template', 'r', chart('mcp-mesh-registry'), '--set', 'replicaCount=3', '--set', 'registry.admin.port=8000', '--set', 'registry.evictionThreshold=20']);
  for (const line of ['replicaCount: 3 is more than the 1 replica that SQLite storage allows', 'registry.admin.port: 8000 is the port agents call', 'registry.evictionThreshold: 20s is not longer than the timeout threshold 20s']) {
    expect(registry).toContain(line);
  }
  const mesh = helm.runFailing(['template', 'r', umbrella, ...travelUmbrellaArgs(), '--set', 'agents[1].agent.name=weather', '--set', 'agents[2].agent.dependencies[2].name=flights', '--set', 'agents[0].agent.heartbeatInterval=30']);
  for (const line of ['agents[1].agent.name: "weather" is also the name of agents[0]', 'agents[2].agent.dependencies[2].name: "flights" is a capability that no agent in this mesh provides', 'agents[0].agent.heartbeatInterval: 30s']) {
    expect(mesh).toContain(line);
  }
});

test('an umbrella entry cannot set what the umbrella wires (mesh, registry)', () => {
  const out = helm.runFailing(['template', 'r', umbrella, ...travelUmbrellaArgs(), '--set', 'agents[0].registry.host=elsewhere', '--set', 'agents[0].mesh.name=other']);
  expect(out).toMatch(/agents\/0.*additional properties/s);
});

test('the READMEs\' values tables, the umbrella\'s schema and the chart versions are what scripts/charts.js generates', () => {
  execFileSync('node', [path.join(REPO, 'scripts', 'charts.js'), '--check'], { stdio: 'pipe' });
});

test('NOTES.txt says how to reach the registry and check registration, with this release\'s names and namespace', () => {
  const notes = (args: string[]) => helm.run(['install', '--dry-run=client', ...args]).split('NOTES:')[1];
  const registry = notes(['registry', chart('mcp-mesh-registry'), '--namespace', 'travel', '--set', 'registry.name=reg']);
  expect(registry).toContain('http://reg.travel.svc.cluster.local:8000');
  expect(registry).toContain('kubectl --namespace travel port-forward svc/reg 8000');
  expect(registry).toContain('curl http://localhost:8000/agents');
  const agent = notes(['planner', chart('mcp-mesh-agent'), '--namespace', 'travel', ...travelReleaseArgs('planner'), '--set', 'ingress.enabled=true', '--set', 'ingress.className=nginx',
    '--set', 'ingress.host=plan.example.com', '--set', 'networkPolicy.ingressController.podSelector.matchLabels.app=ingress']);
  expect(agent).toContain('kubectl --namespace travel rollout status deployment/planner');
  expect(agent).toContain('"name": "planner", "status": "healthy"');
  expect(agent).toContain('Its dependencies (weather_forecast, hotel_search)');
  expect(agent).toContain('http://plan.example.com/');
  const mesh = notes(['travel', umbrella, '--namespace', 'travel', ...travelUmbrellaArgs()]);
  expect(mesh).toContain('3 agent(s) (weather, hotels, planner)');
  expect(mesh).toContain('kubectl --namespace travel port-forward svc/mcp-mesh-registry 8000');
});

test('Istio: the travel mesh as four releases allows exactly the calls of the constructs\' mesh, and the judge can tell when it does not', () => {
  const releases = travelReleases(helm, 'mcp-mesh', ['--set', 'serviceMesh=istio']);
  const istioApp = new App();
  const defaults = synthApp(buildDefaultApp(new App()));
  const agents = defaults.filter((o) => o.kind === 'Deployment').map((d) => d.metadata.name);
  expect(agents).toEqual(['weather', 'hotels', 'planner']);
  new McpMesh(new Chart(istioApp, 'mcp-mesh', { disableResourceNameHashes: true }), 'Mesh', {
    namespace: 'mcp-mesh', serviceMesh: ServiceMesh.ISTIO, capabilityRouting: false,
    agents: travelAgentProps(),
  });
  const constructs = synthApp(istioApp) as Obj[];
  // The same agents as the default app (without Istio, the same Deployments but for the proxy's labels).
  const plain = new App();
  new McpMesh(new Chart(plain, 'mcp-mesh', { disableResourceNameHashes: true }), 'Mesh', { namespace: 'mcp-mesh', agents: travelAgentProps() });
  const deployments = (objects: Obj[]) => objects.filter((o) => o.kind === 'Deployment');
  expect(deployments(synthApp(plain) as Obj[])).toEqual(deployments(synthApp(buildDefaultApp(new App())) as Obj[]));
  const outsiders = [{ principal: 'cluster.local/ns/mcp-mesh/sa/stranger', namespace: 'mcp-mesh' }];
  const allowed = istioVerdicts(constructs, 'cluster.local', outsiders);
  expect(allowed).toEqual([
    'cluster.local/ns/mcp-mesh/sa/hotels -> mcp-mesh-registry:8000',
    'cluster.local/ns/mcp-mesh/sa/planner -> hotels:8080',
    'cluster.local/ns/mcp-mesh/sa/planner -> mcp-mesh-registry:8000',
    'cluster.local/ns/mcp-mesh/sa/planner -> weather:8080',
    'cluster.local/ns/mcp-mesh/sa/weather -> mcp-mesh-registry:8000',
  ]);
  expect(istioVerdicts(releases, 'cluster.local', outsiders)).toEqual(allowed);
  // Without the planner's policy for its call to weather_forecast, the planner cannot reach weather.
  const cut = releases.filter((o) => !(o.kind === 'AuthorizationPolicy' && o.metadata.name === 'planner.calls.weather-forecast'));
  expect(istioVerdicts(cut, 'cluster.local', outsiders)).not.toContain('cluster.local/ns/mcp-mesh/sa/planner -> weather:8080');
});

/** The default app's agents (src/main.ts), for a variant of the mesh. */
function travelAgentProps(): McpMeshAgentProps[] {
  const source = (name: string) => AgentRuntime.python({ source: fs.readFileSync(path.join(REPO, 'examples', 'agents', `${name}.py`), 'utf8') });
  return [
    { name: 'weather', runtime: source('weather'), replicas: 2, capabilities: [{ name: 'weather_forecast', version: '1.0.0', timeout: Duration.seconds(10), tags: ['weather', 'demo'] }] },
    { name: 'hotels', runtime: source('hotels'), replicas: 2, capabilities: [{ name: 'hotel_search', version: '1.0.0', timeout: Duration.seconds(20), tags: ['hotels', 'demo'] }] },
    {
      name: 'planner', runtime: source('planner'), capabilities: [{ name: 'plan_trip', version: '1.0.0', timeout: Duration.seconds(60), tags: ['planner', 'demo'] }],
      dependsOn: ['weather_forecast', 'hotel_search'],
    },
  ];
}

test('Helm 3 (v3.17.3, still what many clusters run): the charts lint strictly and render the same objects as Helm 4', () => {
  const helm3 = new Helm({ helm3: true });
  try {
    expect(helm3.run(['version', '--template', '{{.Version}}'])).toMatch(/^v3\./);
    for (const [name, args] of [
      ['mcp-mesh-registry', ['-f', path.join(REPO, 'examples', 'helm', 'registry-postgres-in-cluster.yaml')]],
      ['mcp-mesh-agent', ['-f', path.join(REPO, 'examples', 'helm', 'agent-image.yaml')]],
    ] as const) {
      expect(helm3.run(['lint', '--strict', chart(name), ...args])).toContain('1 chart(s) linted, 0 chart(s) failed');
    }
    const umbrella3 = umbrellaChart(helm3);
    expect(helm3.run(['lint', '--strict', umbrella3, ...travelUmbrellaArgs('mesh-istio.yaml')])).toContain('1 chart(s) linted, 0 chart(s) failed');
    for (const extra of [[], ['--set', 'serviceMesh=istio']]) {
      expect(byKey(travelReleases(helm3, 'mcp-mesh', extra))).toEqual(byKey(travelReleases(helm, 'mcp-mesh', extra)));
    }
    const render = (h: Helm, dir: string) => byKey(parseObjects(h.run(['template', 'travel', dir, '--namespace', 'mcp-mesh', ...travelUmbrellaArgs('mesh-istio.yaml')])));
    expect(render(helm3, umbrella3)).toEqual(render(helm, umbrella));
  } finally {
    helm3.cleanup();
  }
});

test('names YAML 1.1 would misread (yes, on, 0123, 1e3) stay strings where Kubernetes reads them', () => {
  const yaml11 = (text: string): Obj[] => parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS()).filter(Boolean);
  const agent = yaml11(helm.run(['template', 'r', chart('mcp-mesh-agent'), '--namespace', 'on', ...travelReleaseArgs('planner'),
    '--set-string', 'agent.name=yes', '--set-string', 'mesh.name=on', '--set-string', 'registry.host=no', '--set', 'env[0].name=Y', '--set', 'env[0].value=x',
    '--set', 'secretEnv[0].name=K', '--set-string', 'secretEnv[0].secretName=0123', '--set', 'secretEnv[0].key=k',
    '--set', 'ingress.enabled=true', '--set-string', 'ingress.className=true', '--set', 'ingress.host=plan.example.com', '--set-string', 'ingress.tlsSecretName=2024',
    '--set', 'networkPolicy.ingressController.podSelector.matchLabels.app=ingress']));
  const deployment = agent.find((o: Obj) => o.kind === 'Deployment')!;
  expect([deployment.metadata.name, deployment.metadata.namespace, deployment.metadata.labels['app.kubernetes.io/instance']]).toEqual(['yes', 'on', 'on']);
  const env = deployment.spec.template.spec.containers[0].env;
  expect(env.find((e: Obj) => e.name === 'K').valueFrom.secretKeyRef.name).toBe('0123');
  expect(env.map((e: Obj) => typeof e.name)).toEqual(env.map(() => 'string'));
  const ingress = agent.find((o: Obj) => o.kind === 'Ingress')!;
  expect([ingress.spec.ingressClassName, ingress.spec.tls[0].secretName]).toEqual(['true', '2024']);
  const registry = yaml11(helm.run(['template', 'r', chart('mcp-mesh-registry'), '--set-string', 'registry.name=no', '--set-string', 'storage.sqlite.storageClassName=0123',
    '--set', 'storage.type=postgres-in-cluster', '--set-string', 'storage.postgresInCluster.credentialsSecret.name=123', '--set-string', 'storage.postgresInCluster.database=on']));
  const db = registry.find((o: Obj) => o.kind === 'StatefulSet' && o.metadata.name === 'no-postgres')!;
  expect(db.spec.template.spec.containers[0].env.find((e: Obj) => e.name === 'POSTGRES_DB').value).toBe('on');
  expect(db.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name).toBe('123');
  expect(registry.find((o: Obj) => o.kind === 'StatefulSet' && o.metadata.name === 'no')).toBeDefined();
});

test('the umbrella refuses an agent named like the registry\'s objects, and a peer with both an IP range and selectors is refused', () => {
  const mesh = helm.runFailing(['template', 'r', umbrella, ...travelUmbrellaArgs(), '--set', 'agents[0].agent.name=mcp-mesh-registry', '--set', 'agents[1].agent.name=planner-pods']);
  expect(mesh).toContain('agents[0].agent.name: "mcp-mesh-registry" is the name of the registry');
  expect(mesh).toContain('agents[1].agent.name: "planner-pods" is the name of the headless Service of agents[2]');
  const peer = helm.runFailing(['template', 'r', chart('mcp-mesh-registry'), '--set', 'registry.admin.allowFrom[0].ipBlock.cidr=10.0.0.0/8',
    '--set', 'registry.admin.allowFrom[0].podSelector.matchLabels.app=x']);
  expect(peer).toContain('registry.admin.allowFrom[0]: names an IP range together with selectors');
  // A selector is taken whole: a custom DNS peer replaces the default instead of narrowing it.
  const dns = parseObjects(helm.run(['template', 'r', chart('mcp-mesh-registry'), '--set', 'networkPolicy.dns.podSelector.matchLabels.app=coredns',
    '--set', 'networkPolicy.dns.namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=dns']));
  expect(dns.find((o: Obj) => o.metadata.name === 'mcp-mesh-allow-dns')?.spec.egress[0].to).toEqual([{
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns' } }, podSelector: { matchLabels: { app: 'coredns' } },
  }]);
});

test('review fixes hold: --set key=null cannot drop a needed key, values-file numbers render as integers, the umbrella takes the registry\'s cluster domain, NOTES give the agent chart\'s settings', () => {
  const nulls = helm.runFailing(['template', 'w', chart('mcp-mesh-agent'), ...travelReleaseArgs('weather'), '--set', 'image.tag=null', '--set', 'replicaCount=null', '--set', 'resources.limits.memory=null']);
  for (const missing of ["missing property 'replicaCount'", "missing property 'tag'", "missing property 'memory'"]) expect(nulls).toContain(missing);
  const big = helm.valuesFile({ serviceMesh: 'istio', traffic: { maxConnections: 1000000 }, tolerations: [{ key: 'k', effect: 'NoExecute', tolerationSeconds: 3600000 }] });
  const text = helm.run(['template', 'w', chart('mcp-mesh-agent'), ...travelReleaseArgs('weather'), '-f', big]);
  expect(text).toMatch(/maxConnections: 1000000\n/);
  expect(text).toMatch(/tolerationSeconds: 3600000\n/);
  const mesh = parseObjects(helm.run(['template', 't', umbrella, '--namespace', 'mcp-mesh', ...travelUmbrellaArgs(), '--set', 'registry.mesh.clusterDomain=corp.local']));
  const planner = mesh.find((o) => o.kind === 'Deployment' && o.metadata.name === 'planner')!;
  expect(planner.spec.template.spec.containers[0].env.find((e: Obj) => e.name === 'MCP_MESH_REGISTRY_URL').value).toBe('http://mcp-mesh-registry.mcp-mesh.svc.corp.local:8000');
  const notes = helm.run(['install', '--dry-run=client', 'r', chart('mcp-mesh-registry'), '--namespace', 'travel', '--set', 'mesh.clusterDomain=corp.local', '--set', 'registry.port=9000']).split('NOTES:')[1];
  expect(notes).toContain('http://mcp-mesh-registry.travel.svc.corp.local:9000');
  expect(notes).toContain('registry.port=9000');
});
