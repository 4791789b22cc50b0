/**
 * Simulated-cluster benchmark: `npm run bench:cluster -- --agents N [--registry sqlite|postgres] [--service-mesh none|istio|linkerd]
 *   [--timeout SECONDS] [--json]`.
 *
 * Starts a simulated cluster on loopback (test/simulated/simulated-cluster.ts: etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler and kwok fake nodes, max(3, ceil(3N/100)) of them over 3
 * zones), synthesizes a mesh of N agents (by default no service mesh; with one, the upstream CRDs are
 * installed and its objects applied too, with the monitoring objects of `observability: { scrapeAgents:
 * true }`; SQLite registry up to 700 agents, in-cluster PostgreSQL beyond),
 * applies it with `kubectl apply --server-side` into its own Namespace (which enforces Pod Security
 * "restricted"), and measures:
 * - the apply time, and the time from the start of the apply until every Deployment has all the
 *   replicas it must have (spec.replicas, or the HPA's minReplicas) available and every StatefulSet is
 *   ready (kwok fakes the kubelets: pods go Running/Ready without containers); --timeout bounds it
 *   (default max(180, 0.6 N) s);
 * - the objects the API server holds (a limit=1 list of every listable resource), and those in the
 *   mesh namespace;
 * - peak RSS (VmHWM) and CPU time of etcd, kube-apiserver and the other components.
 * test/simulated/scale.test.ts runs it with 50 agents and Istio in every `npm test`.
 */
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { McpMesh, NetworkPeer, RegistryStorage, ServiceMesh } from '../src';
import { meshAgents } from './synth-bench';
import { installExtraCrds } from '../test/conformance/apply';
import { REPO_ROOT, resolveUpstreamCrds } from '../test/conformance/cluster';
import { ProcessStats, rolloutTarget, SimulatedCluster } from '../test/simulated/simulated-cluster';

export const BENCH_NAMESPACE = 'bench';
/** The ingress controller's identity (Linkerd authorizes exposed agents by it; it runs in the mesh). */
export const BENCH_INGRESS_IDENTITY = { name: 'ingress-nginx', namespace: 'ingress-nginx' };
/** API groups a bare control plane serves; objects of other groups (CRDs) are skipped and reported. */
const BUILTIN_GROUPS = new Set(['', 'apps', 'batch', 'policy', 'autoscaling', 'networking.k8s.io', 'rbac.authorization.k8s.io',
  'scheduling.k8s.io', 'storage.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io']);

/** API groups of each service mesh's objects (their CRDs come from scripts/upstream-crds.sh). */
const SERVICE_MESH_GROUPS: Record<ServiceMesh, string[]> = {
  [ServiceMesh.NONE]: [],
  [ServiceMesh.ISTIO]: ['security.istio.io', 'networking.istio.io'],
  [ServiceMesh.LINKERD]: ['policy.linkerd.io', 'linkerd.io'],
};

export interface ClusterBenchOptions {
  /** Bound on the wait for the rollout, in seconds. @default max(180, 0.6 N) */
  readonly timeoutS?: number;
  /**
   * Registry storage: SQLite (one replica) or the in-cluster PostgreSQL with replicas as docs/sizing.md
   * gives (at least 3, spread over nodes as a hard rule). @default SQLite up to 700 agents (its measured
   * heartbeat ceiling at 2 pods per agent), PostgreSQL beyond
   */
  readonly registry?: 'sqlite' | 'postgres';
  /**
   * The service mesh whose objects are applied too (the upstream CRDs of scripts/upstream-crds.sh are installed
   * first; no proxy runs, so they are stored, not enforced).
   * @default ServiceMesh.NONE: built-in kinds only
   */
  readonly serviceMesh?: ServiceMesh;
  /** Called with the live cluster once the rollout is done, before anything is stopped. */
  readonly inspect?: (cluster: SimulatedCluster, objects: any[]) => Promise<void>;
  readonly log?: (line: string) => void;
}

export interface ClusterBenchResult {
  readonly agents: number;
  readonly nodes: number;
  readonly registry: 'sqlite' | 'postgres';
  readonly serviceMesh: ServiceMesh;
  readonly appliedObjects: number;
  readonly skippedCrdObjects: Record<string, number>;
  readonly applyS: number;
  readonly readyS: number;
  readonly storedObjects: number;
  readonly storedByResource: Record<string, number>;
  readonly namespaceObjects: Record<string, number>;
  readonly processes: Record<string, (ProcessStats & { cpuDuringRunS?: number }) | undefined>;
}

/**
 * The mesh of n agents the benchmark applies, as JSON: built-in kinds, and the service mesh's kinds when there
 * is one (other CRD-backed kinds are counted apart).
 */
export function clusterBenchMesh(n: number, registry: 'sqlite' | 'postgres', serviceMesh: ServiceMesh = ServiceMesh.NONE): { objects: any[]; skipped: Record<string, number> } {
  const app = new App({ outdir: path.join(REPO_ROOT, 'cdk8s.out.unused') }); // nothing is written: only toJson()
  const chart = new Chart(app, 'mesh', { disableResourceNameHashes: true });
  new McpMesh(chart, 'Mesh', {
    namespace: BENCH_NAMESPACE,
    createNamespace: true,
    serviceMesh,
    // One VirtualService lists every capability: fine up to a few thousand (the size guard says when not).
    capabilityRouting: serviceMesh === ServiceMesh.ISTIO,
    registry: registry === 'sqlite'
      ? { replicas: 1, expectedAgents: Math.max(200, 2 * n + 10), storage: RegistryStorage.sqlite({ size: '1Gi' }) }
      : {
        replicas: Math.max(3, Math.ceil((2 * n) / 2500)),
        expectedAgents: 2 * n + 10,
        storage: RegistryStorage.postgresInCluster({ credentials: { secretName: 'registry-db' } }),
      },
    security: {
      prometheus: NetworkPeer.podsInNamespace('monitoring', { 'app.kubernetes.io/name': 'prometheus' }),
      ingressController: NetworkPeer.podsInNamespace('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }),
      // Linkerd admits a meshed controller by its identity only; Istio here by the controller's namespace.
      ...(serviceMesh === ServiceMesh.LINKERD ? { ingressServiceAccount: BENCH_INGRESS_IDENTITY } : {}),
    },
    // With the CRDs installed (any service mesh), the monitoring objects too: PrometheusRule, the agents'
    // PodMonitor, the dashboards' ConfigMaps.
    ...(serviceMesh !== ServiceMesh.NONE ? { observability: { scrapeAgents: true } } : {}),
    agents: meshAgents(n),
  });
  const objects: any[] = [];
  const skipped: Record<string, number> = {};
  for (const o of chart.toJson()) {
    const group = String(o.apiVersion).includes('/') ? String(o.apiVersion).split('/')[0] : '';
    if (BUILTIN_GROUPS.has(group) || SERVICE_MESH_GROUPS[serviceMesh].includes(group) || (serviceMesh !== ServiceMesh.NONE && group === 'monitoring.coreos.com')) objects.push(o);
    else skipped[`${o.apiVersion}/${o.kind}`] = (skipped[`${o.apiVersion}/${o.kind}`] ?? 0) + 1;
  }
  // The mesh owns its Namespace (createNamespace), labelled to enforce Pod Security "restricted".
  const ns = objects.find((o) => o.kind === 'Namespace' && o.metadata?.name === BENCH_NAMESPACE);
  if (ns?.metadata?.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted') {
    throw new Error(`the mesh's Namespace ${BENCH_NAMESPACE} does not enforce Pod Security "restricted"`);
  }
  return { objects, skipped };
}

/**
 * Starts a simulated cluster with ceil(3N/100) nodes (at least 3) over 3 zones, applies a mesh of n
 * agents for real and measures the time to a complete rollout, the objects the API server holds and
 * the control plane's memory and CPU. Stops everything before returning or failing.
 */
export async function runClusterBench(n: number, opts: ClusterBenchOptions = {}): Promise<ClusterBenchResult> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`cluster-bench: ${line}\n`));
  const registry = opts.registry ?? (n <= 700 ? 'sqlite' : 'postgres');
  const timeoutS = opts.timeoutS ?? Math.max(180, Math.ceil(n * 0.6));
  const nodes = Math.max(3, Math.ceil((n * 3) / 100));
  const serviceMesh = opts.serviceMesh ?? ServiceMesh.NONE;
  const { objects, skipped } = clusterBenchMesh(n, registry, serviceMesh);
  log(`mesh of ${n} agents (${registry} registry, service mesh ${serviceMesh}): ${objects.length} objects to apply, skipped (CRD kinds): ${JSON.stringify(skipped)}`);

  const cluster = await SimulatedCluster.start({ nodes, log, hpaSyncPeriodSeconds: 5 });
  try {
    if (serviceMesh !== ServiceMesh.NONE) {
      const crds = await installExtraCrds(cluster.api, (await resolveUpstreamCrds()).map((u) => u.dir));
      log(`${crds.docs.length} upstream CRDs installed`);
    }
    const pvs = await cluster.createVolumesFor(objects);
    log(`${nodes} kwok nodes and ${pvs} PersistentVolumes created`);
    const target = rolloutTarget(objects, BENCH_NAMESPACE);
    const cpu0 = cluster.processStats();
    const t0 = Date.now();
    const applied = cluster.apply(objects, 'cluster-bench');
    log(`applied ${objects.length} objects in ${(applied.ms / 1000).toFixed(1)}s`);
    const rollout = await cluster.waitForRollout(target, timeoutS * 1000, t0);
    log(`rollout done in ${(rollout.ms / 1000).toFixed(1)}s: ${rollout.state.summary}`);
    await opts.inspect?.(cluster, objects);
    await new Promise((r) => setTimeout(r, 3000)); // let endpoint slices and events settle before counting
    const stored = await cluster.storedObjects();
    const namespaceObjects: Record<string, number> = {};
    for (const [k, p] of Object.entries({
      pods: '/api/v1', services: '/api/v1', configmaps: '/api/v1', events: '/api/v1', persistentvolumeclaims: '/api/v1',
      endpointslices: '/apis/discovery.k8s.io/v1', replicasets: '/apis/apps/v1', deployments: '/apis/apps/v1',
      networkpolicies: '/apis/networking.k8s.io/v1',
    })) {
      namespaceObjects[k] = await cluster.count(`${p}/namespaces/${BENCH_NAMESPACE}/${k}`);
    }
    const processes: ClusterBenchResult['processes'] = {};
    for (const [name, s] of Object.entries(cluster.processStats())) {
      const before = cpu0[name]?.cpuS;
      processes[name] = s && { ...s, ...(before === undefined ? {} : { cpuDuringRunS: +(s.cpuS - before).toFixed(2) }) };
    }
    return {
      agents: n, nodes, registry, serviceMesh, appliedObjects: objects.length, skippedCrdObjects: skipped,
      applyS: +(applied.ms / 1000).toFixed(1), readyS: +(rollout.ms / 1000).toFixed(1),
      storedObjects: stored.total, storedByResource: stored.byResource, namespaceObjects, processes,
    };
  } finally {
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string) => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : undefined);
  const n = Number(opt('--agents'));
  if (!Number.isInteger(n) || n < 1) {
    console.error('usage: npm run bench:cluster -- --agents N [--registry sqlite|postgres] [--service-mesh none|istio|linkerd] [--timeout SECONDS] [--json]');
    process.exit(2);
  }
  const registry = opt('--registry');
  if (registry !== undefined && registry !== 'sqlite' && registry !== 'postgres') {
    console.error(`--registry must be sqlite or postgres, got "${registry}"`);
    process.exit(2);
  }
  const serviceMesh = opt('--service-mesh') ?? ServiceMesh.NONE;
  if (!(Object.values(ServiceMesh) as string[]).includes(serviceMesh)) {
    console.error(`--service-mesh must be one of ${Object.values(ServiceMesh).join(', ')}, got "${serviceMesh}"`);
    process.exit(2);
  }
  const timeout = opt('--timeout');
  const result = await runClusterBench(n, { timeoutS: timeout === undefined ? undefined : Number(timeout), registry, serviceMesh: serviceMesh as ServiceMesh });
  if (args.includes('--json')) {
    console.log(JSON.stringify(result));
  } else {
    console.log(JSON.stringify(result, null, 2));
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`cluster-bench: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
