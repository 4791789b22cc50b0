/**
 * Day 2 on a simulated cluster (real kube-apiserver, etcd, controller-manager, scheduler; kwok nodes): a mesh
 * applied for real, then applied again unchanged, then changed the way users change it, then rolled back,
 * with server-side apply as GitOps tools use it. What only real controllers can show:
 * - re-applying the same output writes nothing (no resourceVersion moves), also where an HPA owns replicas;
 * - a change rolls exactly the workloads it concerns: an image or config change rolls that agent, a new
 *   dependency rolls its caller, adding an agent restarts neither the registry nor the other agents;
 * - agents stay at full availability during their rollouts (maxUnavailable 0);
 * - what the API server forbids on a running mesh (a StatefulSet's volume claim size) fails the apply, as
 *   docs/deployment.md says.
 *
 * Env: MCP_MESH_SKIP_CONFORMANCE=1 skips (local only; CI never sets it).
 */
import { App, Chart, Duration } from 'cdk8s';
import { AgentRuntime, McpMesh, McpMeshAgentProps, RegistryStorage } from '../../src';
import { conformanceSkipReason, objectPath } from '../conformance/cluster';
import { rolloutTarget, SimulatedCluster } from './simulated-cluster';

const NS = 'rollout';
const py = (image: string) => AgentRuntime.python({ image, script: 'agent.py' });

interface Version {
  readonly weatherImage?: string;
  readonly hotelsVersion?: string;
  readonly flights?: boolean;
  readonly registrySize?: string;
}

/** The mesh as built-in objects (JSON), in apply order. */
function mesh(v: Version = {}): any[] {
  const app = new App({ outdir: '/nonexistent' });
  const chart = new Chart(app, 'rollout', { disableResourceNameHashes: true });
  const agents: McpMeshAgentProps[] = [
    { name: 'weather', runtime: py(v.weatherImage ?? 'ghcr.io/example/weather:1.0.0'), replicas: 2, capabilities: [{ name: 'weather_forecast' }] },
    { name: 'hotels', runtime: py('ghcr.io/example/hotels:1.0.0'), replicas: 2, capabilities: [{ name: 'hotel_search', version: v.hotelsVersion ?? '1.0.0' }] },
    {
      name: 'planner', runtime: py('ghcr.io/example/planner:1.0.0'), capabilities: [{ name: 'plan_trip', timeout: Duration.minutes(1) }],
      dependsOn: ['weather_forecast', 'hotel_search', ...(v.flights ? ['flight_search'] : [])],
    },
    { name: 'currency', runtime: py('ghcr.io/example/currency:1.0.0'), autoscaling: { minReplicas: 2, maxReplicas: 4 }, capabilities: [{ name: 'convert' }] },
    ...(v.flights ? [{ name: 'flights', runtime: py('ghcr.io/example/flights:1.0.0'), capabilities: [{ name: 'flight_search' }] }] : []),
  ];
  new McpMesh(chart, 'Mesh', {
    namespace: NS,
    createNamespace: true,
    registry: { storage: RegistryStorage.sqlite({ size: v.registrySize ?? '1Gi' }) },
    agents,
  });
  return chart.toJson();
}

const skip = conformanceSkipReason();
const suite = skip ? describe.skip : describe;

suite('rollouts on a simulated cluster (server-side apply, real controllers)', () => {
  let cluster: SimulatedCluster;
  /** resourceVersion (moves on any write) and generation (moves on spec writes) of each object. */
  const versions = async (objects: any[]): Promise<Record<string, { rv: string; generation?: number }>> => Object.fromEntries(await Promise.all(objects.map(async (o) => {
    const { metadata } = await cluster.get(o);
    return [objectPath(o), { rv: metadata.resourceVersion, generation: metadata.generation }];
  })));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const pods = async (agent: string) => (await cluster.list(`/api/v1/namespaces/${NS}/pods?labelSelector=app.kubernetes.io/name%3D${agent}`))
    .map((p) => ({ uid: p.metadata.uid as string, hash: p.metadata.labels['pod-template-hash'] as string | undefined })).sort((a, b) => a.uid.localeCompare(b.uid));
  const podsOf = async (names: string[]) => Object.fromEntries(await Promise.all(names.map(async (n) => [n, await pods(n)])));

  /** Applies, then polls until the rollout is done, recording the lowest availability each Deployment showed. */
  const applyAndWatch = async (objects: any[]) => {
    cluster.apply(objects, 'gitops');
    const target = rolloutTarget(objects, NS);
    const shortfall: Record<string, number> = {};
    const deadline = Date.now() + 120_000;
    for (;;) {
      for (const d of await cluster.list(`/apis/apps/v1/namespaces/${NS}/deployments`)) {
        const missing = (d.spec.replicas ?? 1) - (d.status?.availableReplicas ?? 0);
        // Only once a Deployment has been up: a new agent starts from zero.
        if ((d.status?.observedGeneration ?? 0) > 1) shortfall[d.metadata.name] = Math.max(shortfall[d.metadata.name] ?? 0, missing);
      }
      if ((await cluster.rolloutState(target)).done) return shortfall;
      if (Date.now() > deadline) await cluster.waitForRollout(target, 1); // fails with what lags
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  beforeAll(async () => {
    cluster = await SimulatedCluster.start({ nodes: 3, hpaSyncPeriodSeconds: 2, log: (l) => process.stderr.write(`rollout: ${l}\n`) });
    await cluster.createVolumesFor(mesh());
    await applyAndWatch(mesh());
    // The HPA raised currency from the default 1 to its minimum.
    await cluster.waitForRollout(rolloutTarget(mesh(), NS), 60_000);
  }, 45 * 60_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  test('applying the same output again writes nothing, not even where the HPA owns the replica count', async () => {
    const objects = mesh();
    // Objects that controllers write on their own while nothing changes (status): compared by generation only.
    const first = await versions(objects);
    await sleep(2500);
    const idle = await versions(objects);
    const busy = Object.keys(idle).filter((k) => idle[k].rv !== first[k].rv);
    expect(busy).toEqual([`/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers/currency`]); // its status, every sync period
    cluster.apply(objects, 'gitops');
    await sleep(2000);
    const after = await versions(objects);
    for (const k of Object.keys(idle)) {
      expect([k, busy.includes(k) ? after[k].generation : after[k].rv]).toEqual([k, busy.includes(k) ? idle[k].generation : idle[k].rv]);
    }
    const currency = await cluster.json('GET', `/apis/apps/v1/namespaces/${NS}/deployments/currency`);
    expect(currency.spec.replicas).toBe(2);
  });

  test('a change rolls exactly the workloads it concerns, each at full availability', async () => {
    const agents = ['weather', 'hotels', 'planner', 'currency'];
    const before = await podsOf([...agents, 'mcp-mesh-registry']);
    // An image bump, a capability version (config only), a new agent and a new dependency on it.
    const shortfall = await applyAndWatch(mesh({ weatherImage: 'ghcr.io/example/weather:1.1.0', hotelsVersion: '1.1.0', flights: true }));
    const after = await podsOf([...agents, 'mcp-mesh-registry', 'flights']);
    const hashes = (list: Array<{ hash?: string }>) => [...new Set(list.map((p) => p.hash))];
    for (const rolled of ['weather', 'hotels', 'planner']) {
      expect([rolled, hashes(after[rolled]).some((h) => hashes(before[rolled]).includes(h))]).toEqual([rolled, false]);
    }
    // Untouched: same pods, not restarted.
    expect(after.currency).toEqual(before.currency);
    expect(after['mcp-mesh-registry']).toEqual(before['mcp-mesh-registry']);
    expect(after.flights).toHaveLength(1);
    expect(shortfall).toEqual({ weather: 0, hotels: 0, planner: 0, currency: 0 });
  });

  test('rolling back is an apply of the previous output', async () => {
    const before = await podsOf(['currency']);
    await applyAndWatch(mesh());
    const weather = await cluster.json('GET', `/apis/apps/v1/namespaces/${NS}/deployments/weather`);
    expect(weather.spec.template.spec.containers[0].image).toBe('ghcr.io/example/weather:1.0.0');
    expect(await podsOf(['currency'])).toEqual(before);
  });

  test('a new size for the SQLite volume is refused by the API server (volume claim templates are immutable), as documented', () => {
    expect(() => cluster.apply(mesh({ registrySize: '2Gi' }), 'gitops'))
      .toThrow(/The StatefulSet "mcp-mesh-registry" is invalid: spec: Forbidden: updates to statefulset spec for fields other than .replicas., .ordinals., .template./);
  });
});
