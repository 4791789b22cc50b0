/**
 * Simulated-cluster benchmark: `npm run bench:cluster -- --agents N [--timeout SECONDS] [--json]`.
 *
 * Starts a real control plane on loopback (etcd + kube-apiserver through TestCluster, plus
 * kube-controller-manager, kube-scheduler and kwok from scripts/cluster-tools.sh), registers
 * ceil(3N/100) fake kwok nodes, synthesizes a plain mesh of N agents (no service mesh; SQLite
 * registry up to 700 agents, in-cluster PostgreSQL beyond), applies it with `kubectl apply
 * --server-side` in a namespace enforcing the restricted Pod Security level, and measures:
 * - the apply time, and the time from the start of the apply until every Deployment has
 *   availableReplicas == replicas and every StatefulSet is ready (kwok fakes the kubelets: pods go
 *   Running/Ready without containers); --timeout bounds the latter (default max(180, 0.6 N) s);
 * - the objects the API server holds (a limit=1 list of every listable resource), and those in the
 *   mesh namespace;
 * - peak RSS (VmHWM) and CPU time of etcd, kube-apiserver and the other components.
 * Every process it starts is stopped whatever happens (bounded waits, exit/signal hooks, watchdog).
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { McpMesh, NetworkPeer, RegistryStorage, ServiceMesh } from '../src';
import { meshAgents } from './synth-bench';
import { freePort, parseKubeToolsOutput, TestCluster } from '../test/conformance/cluster';

/** The repository root, from bench/ (ts-node) or lib/bench/ (compiled). */
const REPO_ROOT = [path.resolve(__dirname, '..'), path.resolve(__dirname, '..', '..')]
  .find((d) => fs.existsSync(path.join(d, 'scripts', 'cluster-tools.sh'))) ?? path.resolve(__dirname, '..', '..');

const NAMESPACE = 'bench';
const KWOK_ANNOTATION = 'kwok.x-k8s.io/node';
/** API groups a bare control plane serves; objects of other groups (CRDs) are skipped and reported. */
const BUILTIN_GROUPS = new Set(['', 'apps', 'batch', 'policy', 'autoscaling', 'networking.k8s.io', 'rbac.authorization.k8s.io',
  'scheduling.k8s.io', 'storage.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io']);

interface Tools {
  controllerManager: string;
  scheduler: string;
  kwok: string;
  kubeApiserver: string;
  kubectl: string;
  etcd: string;
}

function log(line: string): void {
  process.stderr.write(`cluster-bench: ${line}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function resolveTools(): Tools {
  const r = spawnSync('bash', [path.join(REPO_ROOT, 'scripts', 'cluster-tools.sh')], {
    cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`scripts/cluster-tools.sh exited with ${r.status}`);
  const kv = parseKubeToolsOutput(r.stdout);
  for (const k of ['KUBE_CONTROLLER_MANAGER', 'KUBE_SCHEDULER', 'KWOK', 'KUBE_APISERVER', 'KUBECTL', 'ETCD']) {
    if (!kv[k]) throw new Error(`scripts/cluster-tools.sh printed no ${k}:\n${r.stdout}`);
  }
  return {
    controllerManager: kv.KUBE_CONTROLLER_MANAGER, scheduler: kv.KUBE_SCHEDULER, kwok: kv.KWOK,
    kubeApiserver: kv.KUBE_APISERVER, kubectl: kv.KUBECTL, etcd: kv.ETCD,
  };
}

/** Peak RSS (VmHWM, MB) and CPU seconds (user + system) of a live process. */
function procStats(pid: number | undefined): { peakRssMb: number; cpuS: number } | undefined {
  if (!pid) return undefined;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
    return { peakRssMb: hwm ? Math.round(Number(hwm[1]) / 1024) : 0, cpuS: Math.round(ticks) / 100 };
  } catch {
    return undefined;
  }
}

/** The mesh's objects as JSON, CRD-backed ones split off. */
function synthesize(n: number): { objects: any[]; skipped: Record<string, number> } {
  const app = new App({ outdir: path.join(REPO_ROOT, 'cdk8s.out.unused') }); // nothing is written: only toJson()
  const chart = new Chart(app, 'mesh', { disableResourceNameHashes: true });
  new McpMesh(chart, 'Mesh', {
    namespace: NAMESPACE,
    createNamespace: true,
    serviceMesh: ServiceMesh.NONE,
    capabilityRouting: false,
    // SQLite carries about 300 heartbeats/s (docs/sizing.md): 2 pods per agent at 5 s allow ~750 agents.
    // Beyond that, the in-cluster PostgreSQL and the replica count docs/sizing.md gives (as bench/synth-bench.ts).
    registry: n <= 700
      ? { replicas: 1, expectedAgents: Math.max(200, 2 * n + 10), storage: RegistryStorage.sqlite({ size: '1Gi' }) }
      : {
        replicas: Math.max(3, Math.ceil((2 * n) / 2500)),
        expectedAgents: 2 * n + 10,
        storage: RegistryStorage.postgresInCluster({ credentials: { secretName: 'registry-db' } }),
      },
    security: {
      prometheus: NetworkPeer.podsInNamespace('monitoring', { 'app.kubernetes.io/name': 'prometheus' }),
      ingressController: NetworkPeer.podsInNamespace('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }),
    },
    agents: meshAgents(n),
  });
  const all: any[] = chart.toJson();
  const objects: any[] = [];
  const skipped: Record<string, number> = {};
  for (const o of all) {
    const group = String(o.apiVersion).includes('/') ? String(o.apiVersion).split('/')[0] : '';
    if (BUILTIN_GROUPS.has(group)) objects.push(o);
    else skipped[`${o.apiVersion}/${o.kind}`] = (skipped[`${o.apiVersion}/${o.kind}`] ?? 0) + 1;
  }
  let ns = objects.find((o) => o.kind === 'Namespace' && o.metadata?.name === NAMESPACE);
  if (!ns) {
    ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } };
    objects.push(ns);
  }
  ns.metadata.labels = { ...(ns.metadata.labels ?? {}), 'pod-security.kubernetes.io/enforce': 'restricted' };
  // Namespaces first, then everything else in synthesis order.
  objects.sort((a, b) => Number(b.kind === 'Namespace') - Number(a.kind === 'Namespace'));
  return { objects, skipped };
}

class Components {
  private readonly children: { name: string; child: ChildProcess }[] = [];
  private watchdog?: ChildProcess;
  constructor(private readonly dir: string) {
    process.on('exit', () => this.killNow());
  }

  start(name: string, bin: string, args: string[]): ChildProcess {
    const fd = fs.openSync(path.join(this.dir, `${name}.log`), 'a');
    const child = spawn(bin, args, { stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    child.on('error', () => undefined);
    this.children.push({ name, child });
    this.startWatchdog();
    return child;
  }

  pid(name: string): number | undefined {
    return this.children.find((c) => c.name === name)?.child.pid;
  }

  /** Fails with the log tail of any component that exited. */
  check(): void {
    for (const { name, child } of this.children) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}):\n${this.logTail(name)}`);
      }
    }
  }

  logTail(name: string, lines = 30): string {
    try {
      return fs.readFileSync(path.join(this.dir, `${name}.log`), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  private startWatchdog(): void {
    const pids = this.children.map((c) => c.child.pid).filter((p): p is number => !!p);
    const script = 'parent=$1; shift; while kill -0 "$parent" 2>/dev/null; do sleep 0.5; done; kill -KILL "$@" 2>/dev/null';
    this.watchdog?.kill('SIGKILL');
    this.watchdog = spawn('bash', ['-c', script, 'watchdog', String(process.pid), ...pids.map(String)], { detached: true, stdio: 'ignore' });
    this.watchdog.unref();
  }

  async stop(): Promise<void> {
    for (const { child } of [...this.children].reverse()) {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
      child.kill('SIGTERM');
      const exited = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), 10_000);
        child.once('exit', () => { clearTimeout(t); resolve(true); });
      });
      if (!exited) child.kill('SIGKILL');
    }
    this.watchdog?.kill('SIGKILL');
  }

  killNow(): void {
    for (const { child } of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    this.watchdog?.kill('SIGKILL');
  }
}

async function json(cluster: TestCluster, method: string, apiPath: string, body?: object, headers?: Record<string, string>): Promise<any> {
  // A kept-alive connection can be gone after a long idle spell (kubectl apply): EPIPE/ECONNRESET, retried.
  let r: Awaited<ReturnType<TestCluster['request']>> | undefined;
  for (let attempt = 1; !r; attempt++) {
    try {
      r = await cluster.request(method, apiPath, body, headers);
    } catch (e) {
      if (attempt >= 4 || !/EPIPE|ECONNRESET|socket hang up|timed out/.test(String(e))) throw e;
      await sleep(500);
    }
  }
  if (r.status >= 300) throw new Error(`${method} ${apiPath}: HTTP ${r.status}: ${r.body.slice(0, 500)}`);
  return JSON.parse(r.body);
}

async function createNodes(cluster: TestCluster, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const name = `kwok-node-${i}`;
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        annotations: { [KWOK_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: {
          'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'kubernetes.io/role': 'agent',
          'type': 'kwok', 'topology.kubernetes.io/zone': `zone-${String.fromCharCode(97 + (i % 3))}`, 'topology.kubernetes.io/region': 'bench',
        },
      },
      spec: {},
      status: {
        allocatable: { 'cpu': '1000', 'memory': '4Ti', 'pods': '1000', 'ephemeral-storage': '10Ti' },
        capacity: { 'cpu': '1000', 'memory': '4Ti', 'pods': '1000', 'ephemeral-storage': '10Ti' },
        nodeInfo: { architecture: 'amd64', operatingSystem: 'linux', kubeletVersion: 'fake', kubeProxyVersion: 'fake' },
      },
    };
    await json(cluster, 'POST', '/api/v1/nodes', node);
    await json(cluster, 'PATCH', `/api/v1/nodes/${name}/status`, { status: node.status }, { 'Content-Type': 'application/merge-patch+json' });
  }
}

/** Static hostPath PersistentVolumes for the claims the StatefulSets will make (no provisioner here). */
async function createVolumes(cluster: TestCluster, objects: any[]): Promise<number> {
  let count = 0;
  for (const sts of objects.filter((o) => o.kind === 'StatefulSet')) {
    for (const tpl of sts.spec.volumeClaimTemplates ?? []) {
      for (let r = 0; r < (sts.spec.replicas ?? 1); r++) {
        await json(cluster, 'POST', '/api/v1/persistentvolumes', {
          apiVersion: 'v1', kind: 'PersistentVolume',
          metadata: { name: `bench-pv-${count}` },
          spec: {
            capacity: { storage: '100Gi' },
            accessModes: tpl.spec?.accessModes ?? ['ReadWriteOnce'],
            storageClassName: tpl.spec?.storageClassName ?? '',
            persistentVolumeReclaimPolicy: 'Delete',
            hostPath: { path: `/tmp/bench-pv-${count}` },
          },
        });
        count++;
      }
    }
  }
  return count;
}

/**
 * Every object the API server holds, counted by listing each listable resource of the discovery
 * documents (preferred version of each group) with limit=1: items + remainingItemCount.
 */
async function storageObjects(cluster: TestCluster): Promise<{ total: number; byResource: Record<string, number> }> {
  const versions: string[] = ['/api/v1'];
  const groups = await json(cluster, 'GET', '/apis');
  for (const g of groups.groups ?? []) {
    // events.k8s.io serves the core Events again (same storage): counted once, as core events.
    if (g.name !== 'events.k8s.io') versions.push(`/apis/${g.preferredVersion.groupVersion}`);
  }
  const byResource: Record<string, number> = {};
  let total = 0;
  for (const gv of versions) {
    const list = await json(cluster, 'GET', gv);
    for (const r of list.resources ?? []) {
      if (String(r.name).includes('/') || !(r.verbs ?? []).includes('list')) continue;
      const items = await json(cluster, 'GET', `${gv}/${r.name}?limit=1`);
      const count = (items.items?.length ?? 0) + Number(items.metadata?.remainingItemCount ?? 0);
      const group = gv.startsWith('/apis/') ? `.${gv.split('/')[2]}` : '';
      if (count > 0) byResource[`${r.name}${group}`] = count;
      total += count;
    }
  }
  return { total, byResource };
}

async function namespaceCounts(cluster: TestCluster): Promise<Record<string, number>> {
  const paths: Record<string, string> = {
    pods: `/api/v1/namespaces/${NAMESPACE}/pods`, services: `/api/v1/namespaces/${NAMESPACE}/services`,
    endpointslices: `/apis/discovery.k8s.io/v1/namespaces/${NAMESPACE}/endpointslices`,
    replicasets: `/apis/apps/v1/namespaces/${NAMESPACE}/replicasets`, deployments: `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`,
    configmaps: `/api/v1/namespaces/${NAMESPACE}/configmaps`, networkpolicies: `/apis/networking.k8s.io/v1/namespaces/${NAMESPACE}/networkpolicies`,
    events: `/api/v1/namespaces/${NAMESPACE}/events`,
  };
  const out: Record<string, number> = {};
  for (const [k, p] of Object.entries(paths)) {
    const list = await json(cluster, 'GET', `${p}?limit=1`);
    out[k] = (list.items?.length ?? 0) + Number(list.metadata?.remainingItemCount ?? 0);
  }
  return out;
}

async function readiness(cluster: TestCluster): Promise<{ ready: boolean; summary: string }> {
  const deps = (await json(cluster, 'GET', `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`)).items as any[];
  const stss = (await json(cluster, 'GET', `/apis/apps/v1/namespaces/${NAMESPACE}/statefulsets`)).items as any[];
  const depReady = deps.filter((d) => (d.status?.availableReplicas ?? 0) === (d.spec.replicas ?? 1)
    && (d.status?.observedGeneration ?? 0) >= d.metadata.generation).length;
  const stsReady = stss.filter((s) => (s.status?.readyReplicas ?? 0) === (s.spec.replicas ?? 1)
    && (s.status?.availableReplicas ?? 0) === (s.spec.replicas ?? 1)).length;
  const ready = deps.length > 0 && depReady === deps.length && stsReady === stss.length;
  return { ready, summary: `deployments ${depReady}/${deps.length} available, statefulsets ${stsReady}/${stss.length} ready` };
}

async function run(n: number, timeoutS: number): Promise<Record<string, unknown>> {
  const tools = resolveTools();
  const nodeCount = Math.max(1, Math.ceil((n * 3) / 100));
  const { objects, skipped } = synthesize(n);
  log(`mesh of ${n} agents: ${objects.length} built-in objects to apply, skipped (CRD kinds): ${JSON.stringify(skipped)}`);

  const cluster = await TestCluster.start({ tools: { kubeApiserver: tools.kubeApiserver, kubectl: tools.kubectl, etcd: tools.etcd }, log });
  const c = cluster as unknown as { etcd?: ChildProcess; apiserver?: ChildProcess };
  const comps = new Components(cluster.tmpDir);
  try {
    const [kcmPort, schedPort, kwokPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const kubeconfig = cluster.kubeconfig;
    comps.start('kube-controller-manager', tools.controllerManager, [
      `--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1', `--secure-port=${kcmPort}`, '--leader-elect=false',
      `--service-account-private-key-file=${path.join(cluster.tmpDir, 'sa.key')}`,
      `--root-ca-file=${path.join(cluster.tmpDir, 'certs', 'apiserver.crt')}`,
      '--use-service-account-credentials=false', '--controllers=*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-node-route-controller',
      '--cluster-cidr=10.244.0.0/16', '--service-cluster-ip-range=10.96.0.0/16',
      '--kube-api-qps=200', '--kube-api-burst=400', '--concurrent-deployment-syncs=10', '--concurrent-replicaset-syncs=10', '--v=1',
    ]);
    comps.start('kube-scheduler', tools.scheduler, [
      `--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1', `--secure-port=${schedPort}`, '--leader-elect=false', '--v=1',
    ]);
    comps.start('kwok', tools.kwok, [
      `--kubeconfig=${kubeconfig}`, '--manage-all-nodes=false',
      `--manage-nodes-with-annotation-selector=${KWOK_ANNOTATION}=fake`,
      '--server-address=127.0.0.1:' + kwokPort, '--node-ip=10.0.0.1', '--cidr=10.128.0.0/12', '--node-lease-duration-seconds=40', '--v=INFO',
    ]);
    await sleep(2000);
    comps.check();
    await createNodes(cluster, nodeCount);
    const pvs = await createVolumes(cluster, objects);
    log(`${nodeCount} kwok nodes and ${pvs} PersistentVolumes created`);

    // The default ServiceAccount must exist before pods are admitted; wait for the controllers.
    const file = path.join(cluster.tmpDir, 'mesh.json');
    fs.writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
    const t0 = Date.now();
    const cpu0 = { etcd: procStats(c.etcd?.pid)?.cpuS ?? 0, apiserver: procStats(c.apiserver?.pid)?.cpuS ?? 0 };
    const applied = cluster.kubectl(['apply', '--server-side', '--field-manager=cluster-bench', '-f', file]);
    const applyMs = Date.now() - t0;
    if (applied.status !== 0) throw new Error(`kubectl apply --server-side failed (${applied.status}):\n${applied.stderr.slice(-3000)}`);
    log(`applied ${objects.length} objects in ${(applyMs / 1000).toFixed(1)}s`);

    const deadline = t0 + timeoutS * 1000;
    let state = { ready: false, summary: '' };
    let lastLog = 0;
    while (Date.now() < deadline) {
      comps.check();
      state = await readiness(cluster);
      if (state.ready) break;
      if (Date.now() - lastLog > 10_000) {
        log(`${((Date.now() - t0) / 1000).toFixed(0)}s: ${state.summary}`);
        lastLog = Date.now();
      }
      await sleep(1000);
    }
    const readyMs = Date.now() - t0;
    if (!state.ready) {
      const pending = cluster.kubectl(['get', 'pods', '-n', NAMESPACE, '--field-selector=status.phase!=Running', '-o', 'wide']).stdout.split('\n').slice(0, 10).join('\n');
      const events = cluster.kubectl(['get', 'events', '-n', NAMESPACE, '--sort-by=.lastTimestamp']).stdout.split('\n').slice(-15).join('\n');
      throw new Error(`not ready after ${timeoutS}s: ${state.summary}\npods not running:\n${pending}\nevents:\n${events}\n`
        + `kwok log:\n${comps.logTail('kwok', 10)}\ncontroller-manager log:\n${comps.logTail('kube-controller-manager', 10)}`);
    }
    log(`ready in ${(readyMs / 1000).toFixed(1)}s: ${state.summary}`);
    await sleep(3000); // let endpoint slices and events settle before counting
    const stored = await storageObjects(cluster);
    const inNamespace = await namespaceCounts(cluster);
    const etcd = procStats(c.etcd?.pid);
    const apiserver = procStats(c.apiserver?.pid);
    return {
      agents: n, nodes: nodeCount, appliedObjects: objects.length, skippedCrdObjects: skipped,
      applyS: +(applyMs / 1000).toFixed(1), readyS: +(readyMs / 1000).toFixed(1),
      storedObjects: stored.total, storedByResource: stored.byResource, namespaceObjects: inNamespace,
      etcd: etcd && { ...etcd, cpuDuringRunS: +(etcd.cpuS - cpu0.etcd).toFixed(2) },
      apiserver: apiserver && { ...apiserver, cpuDuringRunS: +(apiserver.cpuS - cpu0.apiserver).toFixed(2) },
      controllerManager: procStats(comps.pid('kube-controller-manager')),
      scheduler: procStats(comps.pid('kube-scheduler')),
      kwok: procStats(comps.pid('kwok')),
    };
  } finally {
    await comps.stop();
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string) => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : undefined);
  const n = Number(opt('--agents'));
  if (!Number.isInteger(n) || n < 1) {
    console.error('usage: npm run bench:cluster -- --agents N [--timeout SECONDS] [--json]');
    process.exit(2);
  }
  const timeoutS = Number(opt('--timeout') ?? Math.max(180, Math.ceil(n * 0.6)));
  const result = await run(n, timeoutS);
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
