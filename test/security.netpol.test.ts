/**
 * The synthesized NetworkPolicies, judged twice, never by the library's model: by an evaluator written here
 * from the Kubernetes API rules (test/util/netpol.ts), and by cyclonus's NetworkPolicy engine
 * (github.com/mattfenwick/cyclonus, built by scripts/netpol-tools.sh), which nobody here wrote. The intended flows come from what the runtime will
 * actually do: each agent's agent-config.yaml (what it provides and calls), the registry URL every agent
 * gets, DNS for everyone, plus what each example configures (Prometheus, ingress, internet, database).
 * Every intended flow must be allowed and every other flow to or from a mesh pod denied.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as path from 'path';
import { parse } from 'yaml';
import { buildApp as buildFull } from '../examples/full/main';
import { buildApp as buildHa } from '../examples/ha/main';
import { buildApp as buildLinkerd } from '../examples/linkerd/main';
import { buildApp as buildMinimal } from '../examples/minimal/main';
import { AgentRuntime, McpMesh, McpMeshAgentProps } from '../src';
import { buildDefaultApp } from '../src/main';
import { Helm, travelReleases } from './charts/helm-run';
import { Cluster, Endpoint, External, Pod, Policy } from './util/netpol';
import { K8sObject, synth, synthApp } from './util/synth';

interface Extras {
  prometheus?: boolean;
  exposed?: string[];
  /** The ingress controller's pod, when not ingress-nginx's (e.g. a Gateway's). */
  ingress?: Pod;
  internet?: string[];
  registryProxy?: boolean;
  postgres?: boolean;
  ipv6ClusterRange?: boolean;
  /** The service mesh's control plane pod and the ports every proxied pod must reach. */
  controlPlane?: { pod: Pod; ports: number[] };
  /** The registry's PostgreSQL runs in the mesh. */
  inClusterDatabase?: boolean;
  /** Tracing on: agents and the registry reach Redis, the registry reaches the OTLP collector. */
  tracing?: boolean;
  /** Ports of the proxies' own metrics, which Prometheus scrapes on every mesh pod. */
  proxyMetricsPorts?: number[];
}

const REDIS: Pod = { name: 'redis', namespace: 'tracing', labels: { 'app.kubernetes.io/name': 'redis' } };
const TEMPO: Pod = { name: 'tempo', namespace: 'tracing', labels: { 'app.kubernetes.io/name': 'tempo' } };

const ISTIOD: Pod = { name: 'istiod', namespace: 'istio-system', labels: { app: 'istiod' } };
const LINKERD_DESTINATION: Pod = { name: 'linkerd-destination', namespace: 'linkerd', labels: { 'linkerd.io/control-plane-component': 'destination' } };

const DNS: Pod = { name: 'coredns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
const PROMETHEUS: Pod = { name: 'prometheus', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } };
const INGRESS: Pod = { name: 'ingress', namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } };
/** The pods of a Gateway API gateway (the linkerd example exposes its planner through one). */
const GATEWAY: Pod = { name: 'gateway', namespace: 'gateways', labels: { 'gateway.networking.k8s.io/gateway-name': 'public' } };
const POSTGRES: Pod = { name: 'postgres', namespace: 'databases', labels: { 'app.kubernetes.io/name': 'postgresql' } };
const INTERNET: External = { ip: '1.2.3.4' };
const INTERNET_V6: External = { ip: '2606:4700::1111' };
const CLUSTER_IP: External = { ip: '10.96.0.1' };
const CGNAT_IP: External = { ip: '100.64.1.1' };
const CLUSTER_V6: External = { ip: 'fd00::10' };

function key(src: Endpoint, dst: Endpoint, port: number, protocol: string): string {
  const id = (e: Endpoint) => ('namespace' in e ? `${e.namespace}/${e.name}` : e.ip);
  return `${id(src)} -> ${id(dst)}:${port}/${protocol}`;
}

/** scripts/netpol-tools.sh: builds the cyclonus-based oracle on first use (about a minute), then prints its path. */
const ORACLE = execFileSync('bash', [path.join(__dirname, '..', 'scripts', 'netpol-tools.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();

interface Flow { key: string; src: Endpoint; dst: Endpoint; port: number; protocol: string }

/** cyclonus's verdict on each flow (pods get addresses inside 10.244.0.0/16, the outsiders keep theirs). */
function cyclonusVerdicts(policies: Policy[], flows: Flow[], nsLabels: (ns: string) => Record<string, string>): boolean[] {
  const ips = new Map<string, string>();
  const peer = (e: Endpoint) => {
    if (!('namespace' in e)) return { IP: e.ip };
    const id = `${e.namespace}/${e.name}`;
    if (!ips.has(id)) ips.set(id, `10.244.${Math.floor(ips.size / 250)}.${(ips.size % 250) + 1}`);
    return { Internal: { PodLabels: e.labels, NamespaceLabels: nsLabels(e.namespace), Namespace: e.namespace }, IP: ips.get(id) };
  };
  const portName = (dst: Endpoint, port: number) => ('namespace' in dst ? Object.entries(dst.ports ?? {}).find(([, n]) => n === port)?.[0] ?? '' : '');
  const input = JSON.stringify({
    policies,
    traffic: flows.map((f) => ({ Source: peer(f.src), Destination: peer(f.dst), ResolvedPort: f.port, ResolvedPortName: portName(f.dst, f.port), Protocol: f.protocol })),
  });
  const r = spawnSync(ORACLE, [], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`netpol-oracle failed (${r.status}): ${r.stderr}`);
  const verdicts = JSON.parse(r.stdout) as Array<{ allowed: boolean }>;
  if (verdicts.length !== flows.length) throw new Error(`netpol-oracle answered ${verdicts.length} of ${flows.length} flows`);
  return verdicts.map((v) => v.allowed);
}

function analyse(objects: K8sObject[], extras: Extras) {
  const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
  const pods: Pod[] = workloads.map((w) => ({
    name: w.metadata.name,
    namespace: w.metadata.namespace ?? 'default',
    labels: w.spec.template.metadata.labels,
    ports: Object.fromEntries(w.spec.template.spec.containers[0].ports.map((p: any) => [p.name, p.containerPort])),
  }));
  const namespace = pods[0].namespace;
  const port = (pod: Pod) => Object.values(pod.ports ?? {})[0];
  const registry = pods.find((p) => p.labels['app.kubernetes.io/component'] === 'registry')!;
  const agents = pods.filter((p) => p.labels['app.kubernetes.io/component'] === 'agent');
  const config = (agent: Pod) => {
    const deployment = workloads.find((w) => w.metadata.name === agent.name)!;
    const cm = deployment.spec.template.spec.volumes.find((v: any) => v.name === 'config').configMap.name;
    return parse(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === cm)!.data['agent-config.yaml']);
  };
  // Pods the policies must keep out: a stranger in the mesh namespace, one that copies an agent's name label,
  // and a pod elsewhere that carries an agent's full label set.
  const stranger: Pod = { name: 'stranger', namespace, labels: { app: 'debug' } };
  const impostor: Pod = { name: 'impostor', namespace, labels: { 'app.kubernetes.io/name': agents[0].labels['app.kubernetes.io/name'] } };
  const foreignTwin: Pod = { name: 'twin', namespace: 'other', labels: { ...agents[0].labels } };
  const outsiders: Endpoint[] = [REDIS, TEMPO, ISTIOD, LINKERD_DESTINATION, DNS, PROMETHEUS, INGRESS, GATEWAY, POSTGRES, stranger, impostor, foreignTwin, INTERNET, INTERNET_V6, CLUSTER_IP, CGNAT_IP, CLUSTER_V6];

  const intended = new Set<string>();
  const allow = (src: Endpoint, dst: Endpoint, p: number, protocol = 'TCP') => intended.add(key(src, dst, p, protocol));
  for (const pod of pods) {
    allow(pod, DNS, 53, 'UDP');
    allow(pod, DNS, 53, 'TCP');
    for (const p of extras.controlPlane?.ports ?? []) allow(pod, extras.controlPlane!.pod, p);
    for (const p of extras.proxyMetricsPorts ?? []) allow(PROMETHEUS, pod, p);
  }
  if (extras.tracing) {
    for (const pod of [...agents, registry]) allow(pod, REDIS, 6379);
    allow(registry, TEMPO, 4317);
  }
  for (const agent of agents) {
    allow(agent, registry, port(registry));
    for (const dependency of config(agent).dependencies) {
      for (const provider of agents.filter((a) => config(a).capabilities.some((c: any) => c.capability === dependency.capability))) {
        allow(agent, provider, port(provider));
      }
    }
    if (extras.prometheus) allow(PROMETHEUS, agent, port(agent));
    if (extras.exposed?.includes(agent.name)) allow(extras.ingress ?? INGRESS, agent, port(agent));
    if (extras.internet?.includes(agent.name)) {
      allow(agent, INTERNET, 443);
      if (extras.ipv6ClusterRange) allow(agent, INTERNET_V6, 443);
    }
    if (extras.registryProxy) allow(registry, agent, port(agent));
  }
  if (extras.postgres) allow(registry, POSTGRES, 5432);
  const database = pods.find((p) => p.labels['app.kubernetes.io/component'] === 'database');
  expect(database !== undefined).toBe(extras.inClusterDatabase === true);
  if (database !== undefined) allow(registry, database, 5432);

  const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as unknown as Policy[];
  const nsLabels = (name: string) => ({
    'kubernetes.io/metadata.name': name,
    ...(objects.find((o) => o.kind === 'Namespace' && o.metadata.name === name)?.metadata.labels ?? {}),
  });
  const cluster = new Cluster(policies, nsLabels);
  const everything: Endpoint[] = [...pods, ...outsiders];
  const candidatePorts = [...new Set([...pods.flatMap((p) => Object.values(p.ports ?? {})), 22, 53, 443, 5432, 8000, 8080, 8086, 8090, 9090, 15012, 6379, 4317, 15020, 15090, 4191])];
  const flows: Flow[] = [];
  for (const src of everything) {
    for (const dst of everything) {
      if (src === dst || (!pods.includes(src as Pod) && !pods.includes(dst as Pod))) continue;
      for (const p of candidatePorts) {
        for (const protocol of ['TCP', 'UDP']) flows.push({ key: key(src, dst, p, protocol), src, dst, port: p, protocol });
      }
    }
  }
  /** Flows a judge allows without intent, and intended flows it denies. */
  const judge = (verdicts: boolean[]) => ({
    unexpected: flows.filter((f, i) => verdicts[i] && !intended.has(f.key)).map((f) => f.key),
    missing: flows.filter((f, i) => !verdicts[i] && intended.has(f.key)).map((f) => f.key),
  });
  const { unexpected, missing } = judge(flows.map((f) => cluster.allowed(f.src, f.dst, f.port, f.protocol)));
  const cyclonus = judge(cyclonusVerdicts(policies, flows, nsLabels));
  return { unexpected, missing, cyclonus, checked: flows.length, intended, cluster, pods, agents, registry, stranger, foreignTwin };
}

/** The Helm charts (charts/), for the default mesh installed as a registry release and three agent releases. */
const helm = new Helm();
afterAll(() => helm.cleanup());

const cases: Array<[string, () => K8sObject[], Extras]> = [
  ['default app', () => synthApp(buildDefaultApp()), {}],
  ['default mesh as Helm releases (a registry and three agents, each its own release)', () => travelReleases(helm) as K8sObject[], {}],
  ['minimal', () => synthApp(buildMinimal()), {}],
  ['full', () => synthApp(buildFull()), {
    prometheus: true, exposed: ['planner'], internet: ['planner'], registryProxy: true, postgres: true, ipv6ClusterRange: true,
    controlPlane: { pod: ISTIOD, ports: [15012] }, tracing: true, proxyMetricsPorts: [15020, 15090],
  }],
  ['linkerd', () => synthApp(buildLinkerd()), {
    controlPlane: { pod: LINKERD_DESTINATION, ports: [8080, 8086, 8090] }, prometheus: true, proxyMetricsPorts: [4191], exposed: ['planner'], ingress: GATEWAY,
  }],
  ['ha', () => synthApp(buildHa()), { inClusterDatabase: true }],
];

describe.each(cases)('NetworkPolicies of the %s', (_name, build, extras) => {
  const result = analyse(build(), extras);

  test('allow every flow the mesh needs and deny every other flow to or from a mesh pod', () => {
    expect(result.intended.size).toBeGreaterThan(0);
    expect(result.checked).toBeGreaterThan(500);
    expect({ missing: result.missing, unexpected: result.unexpected }).toEqual({ missing: [], unexpected: [] });
  });

  test('cyclonus\'s NetworkPolicy engine agrees: every intended flow allowed, every other flow denied', () => {
    expect(result.cyclonus).toEqual({ missing: [], unexpected: [] });
  });

  test('fix what upstream charts got wrong: DNS works, agents reach the registry, strangers reach no agent', () => {
    const { cluster, pods, agents, registry, stranger, foreignTwin } = result;
    for (const pod of pods) {
      expect(cluster.allowed(pod, DNS, 53, 'UDP')).toBe(true);
      expect(cluster.allowed(pod, DNS, 53, 'TCP')).toBe(true);
    }
    for (const agent of agents) {
      expect(cluster.allowed(agent, registry, Object.values(registry.ports!)[0])).toBe(true);
      for (const outsider of [stranger, foreignTwin]) {
        expect(cluster.allowed(outsider, agent, Object.values(agent.ports!)[0])).toBe(false);
      }
    }
  });
});

test('the default app: the planner reaches weather and hotels, and nothing calls the planner', () => {
  const { cluster, agents } = analyse(synthApp(buildDefaultApp()), {});
  const [weather, hotels, planner] = ['weather', 'hotels', 'planner'].map((n) => agents.find((a) => a.name === n)!);
  expect(cluster.allowed(planner, weather, 8080)).toBe(true);
  expect(cluster.allowed(planner, hotels, 8080)).toBe(true);
  expect(cluster.allowed(weather, hotels, 8080)).toBe(false);
  expect(cluster.allowed(weather, planner, 8080)).toBe(false);
  expect(cluster.allowed(planner, weather, 9090)).toBe(false);
});

test('both judges can fail: a missing policy opens flows, a wrong port closes intended ones', () => {
  const objects = synthApp(buildDefaultApp());
  // Without its own policy and the mesh-wide ones (default deny, DNS: both list both policy types), nothing isolates the weather agent.
  const open = analyse(objects.filter((o) => !(o.kind === 'NetworkPolicy' && ['weather', 'mcp-mesh-default-deny', 'mcp-mesh-allow-dns'].includes(o.metadata.name))), {});
  for (const verdict of [open, open.cyclonus]) expect(verdict.unexpected).toContain('mcp-mesh/stranger -> mcp-mesh/weather:8080/TCP');
  const shifted = structuredClone(objects);
  const planner = shifted.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'planner')!;
  for (const rule of planner.spec.egress) for (const port of rule.ports ?? []) if (port.port === 8080) port.port = 9090;
  const closed = analyse(shifted, {});
  for (const verdict of [closed, closed.cyclonus]) expect(verdict.missing).toContain('mcp-mesh/planner -> mcp-mesh/weather:8080/TCP');
});

test('the evaluator itself: with no policy everything is allowed, and a lone deny policy isolates its pod', () => {
  const a: Pod = { name: 'a', namespace: 'x', labels: { app: 'a' } };
  const b: Pod = { name: 'b', namespace: 'x', labels: { app: 'b' } };
  const none = new Cluster([], () => ({}));
  expect(none.allowed(a, b, 80)).toBe(true);
  const deny = new Cluster([{ metadata: { name: 'd', namespace: 'x' }, spec: { podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'] } }], () => ({}));
  expect(deny.allowed(a, b, 80)).toBe(false);
  expect(deny.allowed(b, a, 80)).toBe(true);
});

describe('policy size grows linearly with agents and dependency edges', () => {
  const rt = AgentRuntime.python({ image: 'ghcr.io/example/agent:1.0.0', script: 'agent.py' });
  /** A chain: agent i calls agents i-1 and i-2. */
  const measure = (n: number) => {
    const agents: McpMeshAgentProps[] = Array.from({ length: n }, (_, i) => ({
      runtime: rt, name: `a${i}`, capabilities: [{ name: `c${i}` }], dependsOn: [i - 1, i - 2].filter((j) => j >= 0).map((j) => `c${j}`),
    }));
    const policies = synth((chart) => new McpMesh(chart, 'Mesh', { agents, registry: { expectedAgents: n } })).filter((o) => o.kind === 'NetworkPolicy');
    const peersOf = (p: K8sObject) => [...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])]
      .reduce((s: number, r: any) => s + (r.from ?? r.to ?? []).length, 0);
    const peers = policies.reduce((sum, p) => sum + peersOf(p), 0);
    const largest = Math.max(...policies.map(peersOf));
    return { policies: policies.length, peers, largest };
  };

  test('100 vs 1000 agents: ten times the policies and peers, and no policy grows with the mesh', () => {
    const small = measure(100);
    const large = measure(1000);
    expect(small.policies).toBe(100 + 3);
    expect(large.policies).toBe(1000 + 3);
    // Peers: one per dependency (caller egress) and one per called capability (provider ingress), one
    // registry peer per agent, and the fixed DNS and all-agents-to-registry peers: in the chain, agents call
    // 2N - 3 capabilities and N - 1 capabilities are called: 2 + N + (2N - 3) + (N - 1).
    const expected = (n: number) => 2 + n + (2 * n - 3) + (n - 1);
    expect(small.peers).toBe(expected(100));
    expect(large.peers).toBe(expected(1000));
    expect(large.largest).toBe(small.largest);
  });

  test('a capability that every agent calls keeps its provider\'s policy at one caller peer', () => {
    const hubbed = (n: number) => synth((chart) => new McpMesh(chart, 'Mesh', {
      registry: { expectedAgents: n + 1 },
      agents: [{ runtime: rt, name: 'hub', capabilities: [{ name: 'hub' }] },
        ...Array.from({ length: n }, (_, i) => ({ runtime: rt, name: `a${i}`, dependsOn: ['hub'] }))],
    })).find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'hub')!;
    const small = hubbed(10);
    const large = hubbed(1000);
    expect(large.spec.ingress[0].from).toHaveLength(1);
    expect(JSON.stringify(large).length).toBe(JSON.stringify(small).length);
  });
});
