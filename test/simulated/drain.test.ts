/**
 * A node drain on a simulated cluster (real kube-apiserver with its eviction API, controller-manager,
 * scheduler; kwok nodes), the way a cluster upgrade does it: `kubectl drain` one node, then uncordon it.
 * What only real controllers show: the PodDisruptionBudgets let the drain through one pod at a time, agents
 * with replicas never lose all of them, the highly available registry keeps two of three replicas, and its
 * hard one-replica-per-node rule keeps the evicted replica Pending (never doubled up on a node) until the
 * node is back.
 *
 * Env: MCP_MESH_SKIP_CONFORMANCE=1 skips (local only; CI never sets it).
 */
import { App, Chart } from 'cdk8s';
import { AgentRuntime, McpMesh, RegistryStorage } from '../../src';
import { conformanceSkipReason, REPO_ROOT, runStreaming } from '../conformance/cluster';
import { rolloutTarget, SimulatedCluster } from './simulated-cluster';

const NS = 'drain';
const py = (name: string) => AgentRuntime.python({ image: `ghcr.io/example/${name}:1.0.0`, script: 'agent.py' });

function mesh(): any[] {
  const chart = new Chart(new App({ outdir: '/nonexistent' }), 'drain', { disableResourceNameHashes: true });
  new McpMesh(chart, 'Mesh', {
    namespace: NS,
    createNamespace: true,
    registry: { replicas: 3, storage: RegistryStorage.postgresInCluster({ credentials: { secretName: 'registry-db' } }) },
    agents: [
      { name: 'weather', runtime: py('weather'), replicas: 2, capabilities: [{ name: 'weather_forecast' }] },
      { name: 'hotels', runtime: py('hotels'), replicas: 3, capabilities: [{ name: 'hotel_search' }] },
      { name: 'planner', runtime: py('planner'), replicas: 2, dependsOn: ['weather_forecast', 'hotel_search'] },
    ],
  });
  return chart.toJson();
}

const skip = conformanceSkipReason();
const suite = skip ? describe.skip : describe;

suite('a node drain on a simulated cluster (eviction API, PodDisruptionBudgets, real scheduler)', () => {
  let cluster: SimulatedCluster;
  const objects = mesh();
  const target = rolloutTarget(objects, NS);
  const registry = Object.keys(target.statefulSets).find((n) => n.endsWith('registry'))!;
  /** Lowest number of ready pods each workload showed while the drain ran. */
  const lowest: Record<string, number> = {};
  let drained = '';
  let drain: { code: number; stdout: string; stderrTail: string };
  let pendingWhileCordoned: any[] = [];

  /** kubectl without blocking the event loop, so that availability is watched while it runs. */
  const kubectlAsync = (args: string[]) => runStreaming(cluster.api.tools.kubectl, ['--kubeconfig', cluster.api.kubeconfig, ...args], { cwd: REPO_ROOT, env: process.env });

  const readyByWorkload = async () => {
    const counts: Record<string, number> = {};
    for (const pod of await cluster.list(`/api/v1/namespaces/${NS}/pods`)) {
      const name = pod.metadata.labels['app.kubernetes.io/name'];
      const ready = pod.metadata.deletionTimestamp === undefined && pod.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
      counts[name] = (counts[name] ?? 0) + (ready ? 1 : 0);
    }
    return counts;
  };

  beforeAll(async () => {
    cluster = await SimulatedCluster.start({ nodes: 3, log: (l) => process.stderr.write(`drain: ${l}\n`) });
    await cluster.createVolumesFor(objects);
    cluster.apply(objects, 'gitops');
    await cluster.waitForRollout(target, 120_000);
    // The node that holds a registry replica and the most other pods.
    const pods = await cluster.list(`/api/v1/namespaces/${NS}/pods`);
    const registryNodes = new Set(pods.filter((p) => p.metadata.labels['app.kubernetes.io/name'] === registry).map((p) => p.spec.nodeName));
    drained = [...registryNodes].sort((a, b) => pods.filter((p) => p.spec.nodeName === b).length - pods.filter((p) => p.spec.nodeName === a).length)[0];
    // Watch availability while kubectl drains (it evicts through the API, retrying while a PDB says no).
    let draining = true;
    const watcher = (async () => {
      while (draining) {
        for (const [name, n] of Object.entries(await readyByWorkload())) lowest[name] = Math.min(lowest[name] ?? n, n);
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    const t0 = Date.now();
    drain = await kubectlAsync(['drain', drained, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=90s']);
    const drainS = (Date.now() - t0) / 1000;
    // Give the controllers time to replace what was evicted.
    await new Promise((r) => setTimeout(r, 8000));
    draining = false;
    await watcher;
    pendingWhileCordoned = (await cluster.list(`/api/v1/namespaces/${NS}/pods`)).filter((p) => p.status.phase === 'Pending');
    process.stderr.write(`drain: ${drained} drained in ${drainS.toFixed(1)}s; fewest ready pods while draining: ${JSON.stringify(lowest)}; `
      + `pending after: ${pendingWhileCordoned.map((p) => p.metadata.name).join(', ') || 'none'}\n`);
  }, 45 * 60_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  test('the drain completes, and no pod of the mesh is left on the drained node', async () => {
    expect([drain.code, drain.stderrTail.includes('error')]).toEqual([0, false]);
    expect(drain.stdout).toContain(`node/${drained} drained`);
    const left = (await cluster.list(`/api/v1/namespaces/${NS}/pods`)).filter((p) => p.spec.nodeName === drained);
    expect(left.map((p) => p.metadata.name)).toEqual([]);
  });

  test('agents with replicas never lost all of them, and the registry kept two of three', () => {
    expect(lowest.weather).toBeGreaterThanOrEqual(1);
    expect(lowest.hotels).toBeGreaterThanOrEqual(2);
    expect(lowest.planner).toBeGreaterThanOrEqual(1);
    expect(lowest[registry]).toBeGreaterThanOrEqual(2);
  });

  test('the evicted registry replica waits for a node of its own instead of doubling up', async () => {
    expect(pendingWhileCordoned.map((p) => p.metadata.labels['app.kubernetes.io/name'])).toEqual([registry]);
    const registryPods = (await cluster.list(`/api/v1/namespaces/${NS}/pods`)).filter((p) => p.metadata.labels['app.kubernetes.io/name'] === registry && p.spec.nodeName);
    expect(new Set(registryPods.map((p) => p.spec.nodeName)).size).toBe(registryPods.length);
    const uncordon = cluster.api.kubectl(['uncordon', drained]);
    expect(uncordon.status).toBe(0);
    await cluster.waitForRollout(target, 120_000);
    const after = (await cluster.list(`/api/v1/namespaces/${NS}/pods`)).filter((p) => p.metadata.labels['app.kubernetes.io/name'] === registry);
    expect(new Set(after.map((p) => p.spec.nodeName)).size).toBe(3);
  });
});
