/**
 * The charts of charts/ installed for real with helm 4 into a simulated cluster (real kube-apiserver,
 * controller-manager, scheduler; kwok nodes), as a Helm user would, in a namespace of their choosing that
 * enforces Pod Security "restricted": a registry release and the three agents of the travel mesh, each its own
 * release; an upgrade with --set replicaCount; a rollback; uninstalls that keep the registry's claim. Then the
 * same mesh as one release of the umbrella chart.
 *
 * Env: MCP_MESH_SKIP_CONFORMANCE=1 skips (local only; CI never sets it).
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { McpNamespace } from '../../src';
import { synthApp } from '../util/synth';
import { CHARTS_DIR, Helm, REPO, TRAVEL_AGENTS, travelReleaseArgs, travelReleases, travelUmbrellaArgs, umbrellaChart } from '../charts/helm-run';
import { conformanceSkipReason } from '../conformance/cluster';
import { rolloutTarget, SimulatedCluster } from './simulated-cluster';

const NS = 'travel';
const skip = conformanceSkipReason();
const suite = skip ? describe.skip : describe;

suite('the charts installed for real (helm 4, simulated cluster)', () => {
  let cluster: SimulatedCluster;
  const helmTool = new Helm();
  const objects = travelReleases(helmTool, NS);

  const helm = (...args: string[]) => {
    const r = spawnSync(helmTool.bin, [...args, '--kubeconfig', cluster.api.kubeconfig], { encoding: 'utf8', env: helmTool.env });
    if (r.status !== 0) throw new Error(`helm ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
    return r.stdout;
  };
  const deployment = async (name: string) => cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NS } });

  beforeAll(async () => {
    cluster = await SimulatedCluster.start({ nodes: 3, log: (l) => process.stderr.write(`charts-install: ${l}\n`) });
    // The namespace as the library's bootstrap gives it (Pod Security "restricted" enforced), in the user's name.
    cluster.apply(synthApp((() => {
      const app = new App();
      new McpNamespace(new Chart(app, 'ns'), 'Namespace', { name: NS });
      return app;
    })()), 'bootstrap');
    await cluster.createVolumesFor([...objects, ...objects]);
  }, 45 * 60_000);

  afterAll(async () => {
    await cluster?.stop();
    helmTool.cleanup();
  }, 60_000);

  test('a registry release and three agent releases install and the mesh rolls out', async () => {
    helm('install', 'registry', path.join(CHARTS_DIR, 'mcp-mesh-registry'), '--namespace', NS, '-f', path.join(REPO, 'examples', 'helm', 'registry.yaml'), '--wait', '--timeout', '3m');
    for (const agent of TRAVEL_AGENTS) helm('install', agent, path.join(CHARTS_DIR, 'mcp-mesh-agent'), '--namespace', NS, ...travelReleaseArgs(agent));
    await cluster.waitForRollout(rolloutTarget(objects, NS), 180_000);
    for (const o of objects) {
      const live = await cluster.get(o);
      expect([o.kind, o.metadata.name, live?.metadata.namespace, live?.metadata.annotations?.['meta.helm.sh/release-namespace']]).toEqual([o.kind, o.metadata.name, NS, NS]);
    }
    const releases = JSON.parse(helm('list', '--namespace', NS, '--output', 'json')).map((r: any) => [r.name, r.status]).sort();
    expect(releases).toEqual([['hotels', 'deployed'], ['planner', 'deployed'], ['registry', 'deployed'], ['weather', 'deployed']]);
  }, 10 * 60_000);

  test('upgrade with --set replicaCount scales one agent, and a rollback restores it', async () => {
    helm('upgrade', 'planner', path.join(CHARTS_DIR, 'mcp-mesh-agent'), '--namespace', NS, ...travelReleaseArgs('planner'), '--set', 'replicaCount=3');
    const scaled = objects.map((o) => (o.kind === 'Deployment' && o.metadata.name === 'planner' ? { ...o, spec: { ...o.spec, replicas: 3 } } : o));
    await cluster.waitForRollout(rolloutTarget(scaled, NS), 180_000);
    expect((await deployment('planner')).spec.replicas).toBe(3);
    // Two replicas and more get a PodDisruptionBudget and spread.
    expect(await cluster.get({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'planner', namespace: NS } })).toBeDefined();
    helm('rollback', 'planner', '1', '--namespace', NS, '--wait', '--timeout', '3m');
    await cluster.waitForRollout(rolloutTarget(objects, NS), 180_000);
    expect((await deployment('planner')).spec.replicas).toBe(1);
    expect(await cluster.get({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'planner', namespace: NS } })).toBeUndefined();
    expect(JSON.parse(helm('history', 'planner', '--namespace', NS, '--output', 'json')).map((h: any) => h.revision)).toEqual([1, 2, 3]);
  }, 10 * 60_000);

  test('uninstalling the agents and the registry removes their objects and keeps the registry\'s volume claim', async () => {
    for (const agent of TRAVEL_AGENTS) helm('uninstall', agent, '--namespace', NS, '--wait');
    helm('uninstall', 'registry', '--namespace', NS, '--wait');
    for (const o of objects) expect([o.kind, o.metadata.name, await cluster.get(o)]).toEqual([o.kind, o.metadata.name, undefined]);
    const claims = await cluster.list(`/api/v1/namespaces/${NS}/persistentvolumeclaims`);
    expect(claims.map((c) => c.metadata.name)).toEqual(['data-mcp-mesh-registry-0']);
  }, 10 * 60_000);

  test('the same mesh as one umbrella release (the registry chart as its subchart) installs, rolls out and uninstalls', async () => {
    helm('install', 'mesh', umbrellaChart(helmTool), '--namespace', NS, ...travelUmbrellaArgs());
    await cluster.waitForRollout(rolloutTarget(objects, NS), 180_000);
    for (const o of objects) expect([o.kind, o.metadata.name, (await cluster.get(o))?.metadata.annotations?.['meta.helm.sh/release-name']]).toEqual([o.kind, o.metadata.name, 'mesh']);
    helm('uninstall', 'mesh', '--namespace', NS, '--wait');
    expect(await deployment('planner')).toBeUndefined();
  }, 10 * 60_000);
});
