/**
 * A simulated cluster on loopback: the conformance suite's etcd + kube-apiserver (TestCluster) plus a
 * real kube-controller-manager and kube-scheduler (same Kubernetes release) and kwok, which fakes the
 * kubelets of fake nodes (pods are scheduled for real and reported Running/Ready without containers).
 *
 * Used by the scale benchmark (`npm run bench:cluster`) and by test/simulated/scale.test.ts,
 * so that the benchmark's path is exercised by every `npm test`.
 *
 * Binaries come from scripts/cluster-tools.sh (builds them into the tools cache on first use).
 * Every process started here is stopped by `stop()`, on process exit, and by a watchdog when the
 * parent process dies (jest workers do not run exit hooks).
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { freePort, objectPath, parseKubeToolsOutput, REPO_ROOT, runStreaming, TestCluster } from '../conformance/cluster';

export const CLUSTER_TOOLS_SCRIPT = path.join(REPO_ROOT, 'scripts', 'cluster-tools.sh');
const KWOK_ANNOTATION = 'kwok.x-k8s.io/node';

export interface ClusterTools {
  readonly kubeApiserver: string;
  readonly kubectl: string;
  readonly etcd: string;
  readonly controllerManager: string;
  readonly scheduler: string;
  readonly kwok: string;
}

/** Runs scripts/cluster-tools.sh (building on a cold cache, progress on stderr) and returns the binaries. */
export async function resolveClusterTools(env: NodeJS.ProcessEnv = process.env): Promise<ClusterTools> {
  const { code, stdout, stderrTail } = await runStreaming('bash', [CLUSTER_TOOLS_SCRIPT], { cwd: REPO_ROOT, env });
  if (code !== 0) throw new Error(`scripts/cluster-tools.sh exited with ${code}:\n${stderrTail}`);
  const kv = parseKubeToolsOutput(stdout);
  const missing = ['KUBE_APISERVER', 'KUBECTL', 'ETCD', 'KUBE_CONTROLLER_MANAGER', 'KUBE_SCHEDULER', 'KWOK'].filter((k) => !kv[k]);
  if (missing.length > 0) throw new Error(`scripts/cluster-tools.sh printed no ${missing.join(', ')}:\n${stdout}`);
  return {
    kubeApiserver: kv.KUBE_APISERVER, kubectl: kv.KUBECTL, etcd: kv.ETCD,
    controllerManager: kv.KUBE_CONTROLLER_MANAGER, scheduler: kv.KUBE_SCHEDULER, kwok: kv.KWOK,
  };
}

export interface SimulatedClusterOptions {
  /** Fake nodes to register (kwok-node-0..N-1). */
  readonly nodes: number;
  /** Zones the nodes are spread over round-robin (topology.kubernetes.io/zone zone-a, zone-b, ...). @default 3 */
  readonly zones?: number;
  /** Prebuilt binaries. @default resolveClusterTools() */
  readonly tools?: ClusterTools;
  /** The HorizontalPodAutoscaler controller's sync period in seconds. @default 15 (the controller's own default) */
  readonly hpaSyncPeriodSeconds?: number;
  readonly log?: (line: string) => void;
}

/** Peak RSS (VmHWM) and CPU time (user + system) of a process. */
export interface ProcessStats {
  readonly peakRssMb: number;
  readonly cpuS: number;
}

/** Replica counts a rollout must reach, by workload name. */
export interface RolloutTarget {
  readonly namespace: string;
  readonly deployments: Readonly<Record<string, number>>;
  readonly statefulSets: Readonly<Record<string, number>>;
}

export interface RolloutState {
  readonly done: boolean;
  /** e.g. "deployments 48/50 available, statefulsets 1/1 ready" */
  readonly summary: string;
  /** Workloads not (yet) at their target, with what they report. */
  readonly lagging: string[];
}

/**
 * What a rollout of these objects must reach: each Deployment's `spec.replicas` (1 when absent), or,
 * when a HorizontalPodAutoscaler scales it, the autoscaler's `minReplicas` (the HPA controller raises a
 * Deployment below its minimum even without metrics); each StatefulSet's `spec.replicas`.
 */
export function rolloutTarget(objects: any[], namespace: string): RolloutTarget {
  const hpaMin = new Map<string, number>();
  for (const o of objects) {
    if (o.kind === 'HorizontalPodAutoscaler' && o.spec?.scaleTargetRef?.kind === 'Deployment') {
      hpaMin.set(o.spec.scaleTargetRef.name, o.spec.minReplicas ?? 1);
    }
  }
  const deployments: Record<string, number> = {};
  const statefulSets: Record<string, number> = {};
  for (const o of objects) {
    if ((o.metadata?.namespace ?? namespace) !== namespace) continue;
    if (o.kind === 'Deployment') {
      const base = o.spec?.replicas ?? 1;
      const min = hpaMin.get(o.metadata.name);
      deployments[o.metadata.name] = min === undefined ? base : Math.max(base, min);
    }
    if (o.kind === 'StatefulSet') statefulSets[o.metadata.name] = o.spec?.replicas ?? 1;
  }
  return { namespace, deployments, statefulSets };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function procStats(pid: number | undefined): ProcessStats | undefined {
  if (!pid) return undefined;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (stat fields 14 and 15)
    return { peakRssMb: hwm ? Math.round(Number(hwm[1]) / 1024) : 0, cpuS: Math.round(ticks) / 100 };
  } catch {
    return undefined;
  }
}

export class SimulatedCluster {
  /** Starts the control plane, the fake kubelets and registers the nodes. Always `stop()` it. */
  static async start(opts: SimulatedClusterOptions): Promise<SimulatedCluster> {
    const log = opts.log ?? ((l: string) => process.stderr.write(`simulated-cluster: ${l}\n`));
    const tools = opts.tools ?? (await resolveClusterTools());
    const api = await TestCluster.start({ tools: { kubeApiserver: tools.kubeApiserver, kubectl: tools.kubectl, etcd: tools.etcd }, log });
    const cluster = new SimulatedCluster(api, tools, log);
    try {
      await cluster.startComponents(opts.hpaSyncPeriodSeconds ?? 15);
      await cluster.createNodes(opts.nodes, opts.zones ?? 3);
      return cluster;
    } catch (e) {
      await cluster.stop();
      throw e;
    }
  }

  private readonly children: { name: string; child: ChildProcess }[] = [];
  private watchdog?: ChildProcess;
  private readonly onExit = () => this.killNow();

  private constructor(readonly api: TestCluster, private readonly tools: ClusterTools, private readonly log: (line: string) => void) {
    process.on('exit', this.onExit);
  }

  /** A JSON request to the API server; fails on any status >= 300 with the server's answer. */
  async json(method: string, apiPath: string, body?: object, headers?: Record<string, string>): Promise<any> {
    // A kept-alive connection can be gone after a long idle spell (kubectl apply): EPIPE/ECONNRESET, retried.
    let r: Awaited<ReturnType<TestCluster['request']>> | undefined;
    for (let attempt = 1; !r; attempt++) {
      try {
        r = await this.api.request(method, apiPath, body, headers);
      } catch (e) {
        if (attempt >= 4 || !/EPIPE|ECONNRESET|socket hang up|timed out/.test(String(e))) throw e;
        await sleep(500);
      }
    }
    if (r.status >= 300) throw new Error(`${method} ${apiPath}: HTTP ${r.status}: ${r.body.slice(0, 500)}`);
    return JSON.parse(r.body);
  }

  /** The object as the API server holds it now, or undefined when it has none of that kind and name. */
  async get(o: any): Promise<any | undefined> {
    const r = await this.api.request('GET', objectPath(o));
    if (r.status === 404) return undefined;
    if (r.status >= 300) throw new Error(`GET ${objectPath(o)}: HTTP ${r.status}: ${r.body.slice(0, 500)}`);
    return JSON.parse(r.body);
  }

  /** Every item of a list (one request: these lists are small enough). */
  async list(apiPath: string): Promise<any[]> {
    return (await this.json('GET', apiPath)).items ?? [];
  }

  /** Static hostPath PersistentVolumes for the claims these StatefulSets will make (there is no provisioner). */
  async createVolumesFor(objects: any[]): Promise<number> {
    let count = 0;
    for (const sts of objects.filter((o) => o.kind === 'StatefulSet')) {
      for (const tpl of sts.spec.volumeClaimTemplates ?? []) {
        for (let r = 0; r < (sts.spec.replicas ?? 1); r++) {
          await this.json('POST', '/api/v1/persistentvolumes', {
            apiVersion: 'v1', kind: 'PersistentVolume',
            metadata: { name: `simulated-pv-${count}` },
            spec: {
              capacity: { storage: '100Gi' },
              accessModes: tpl.spec?.accessModes ?? ['ReadWriteOnce'],
              storageClassName: tpl.spec?.storageClassName ?? '',
              persistentVolumeReclaimPolicy: 'Delete',
              hostPath: { path: `/tmp/simulated-pv-${count}` },
            },
          });
          count++;
        }
      }
    }
    return count;
  }

  /**
   * `kubectl apply --server-side` of these objects (for real, not a dry run), Namespaces first and the rest in
   * the given order; returns the time it took.
   */
  apply(objects: any[], fieldManager: string): { ms: number } {
    const file = path.join(this.api.tmpDir, `apply-${Date.now()}.json`);
    const items = [...objects.filter((o) => o.kind === 'Namespace'), ...objects.filter((o) => o.kind !== 'Namespace')];
    fs.writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    const t0 = Date.now();
    const r = this.api.kubectl(['apply', '--server-side', `--field-manager=${fieldManager}`, '-f', file]);
    const ms = Date.now() - t0;
    if (r.status !== 0) throw new Error(`kubectl apply --server-side failed (${r.status}):\n${r.stderr.slice(-3000)}`);
    return { ms };
  }

  /** Where the rollout stands: every workload at its target, observed and updated. */
  async rolloutState(target: RolloutTarget): Promise<RolloutState> {
    const ns = target.namespace;
    const lagging: string[] = [];
    const deployments = new Map((await this.list(`/apis/apps/v1/namespaces/${ns}/deployments`)).map((d) => [d.metadata.name, d]));
    const statefulSets = new Map((await this.list(`/apis/apps/v1/namespaces/${ns}/statefulsets`)).map((s) => [s.metadata.name, s]));
    let depDone = 0;
    for (const [name, want] of Object.entries(target.deployments)) {
      const d = deployments.get(name);
      const s = d?.status ?? {};
      if (d && (s.observedGeneration ?? 0) >= d.metadata.generation && d.spec.replicas === want
        && s.replicas === want && s.updatedReplicas === want && s.availableReplicas === want) depDone++;
      else lagging.push(`Deployment/${name}: want ${want}, spec ${d?.spec?.replicas ?? '-'}, available ${s.availableReplicas ?? 0}`);
    }
    let stsDone = 0;
    for (const [name, want] of Object.entries(target.statefulSets)) {
      const o = statefulSets.get(name);
      const s = o?.status ?? {};
      if (o && s.replicas === want && s.readyReplicas === want && s.availableReplicas === want) stsDone++;
      else lagging.push(`StatefulSet/${name}: want ${want}, ready ${s.readyReplicas ?? 0}`);
    }
    const nDep = Object.keys(target.deployments).length;
    const nSts = Object.keys(target.statefulSets).length;
    return {
      done: lagging.length === 0,
      summary: `deployments ${depDone}/${nDep} available, statefulsets ${stsDone}/${nSts} ready`,
      lagging,
    };
  }

  /**
   * Polls until the rollout reaches its target; fails after `timeoutMs` with what lags, the pods that
   * are not running, the last events and the components' log tails.
   */
  async waitForRollout(target: RolloutTarget, timeoutMs: number, since = Date.now()): Promise<{ ms: number; state: RolloutState }> {
    const deadline = since + timeoutMs;
    let state: RolloutState = { done: false, summary: 'not polled', lagging: [] };
    let lastLog = Date.now();
    while (Date.now() < deadline) {
      this.checkComponents();
      state = await this.rolloutState(target);
      if (state.done) return { ms: Date.now() - since, state };
      if (Date.now() - lastLog > 10_000) {
        this.log(`${((Date.now() - since) / 1000).toFixed(0)}s: ${state.summary}`);
        lastLog = Date.now();
      }
      await sleep(1000);
    }
    const ns = target.namespace;
    const pending = this.api.kubectl(['get', 'pods', '-n', ns, '--field-selector=status.phase!=Running', '-o', 'wide']).stdout;
    const events = this.api.kubectl(['get', 'events', '-n', ns, '--sort-by=.lastTimestamp']).stdout;
    throw new Error(`rollout not done after ${timeoutMs / 1000}s: ${state.summary}\n${state.lagging.slice(0, 10).join('\n')}\n`
      + `pods not running:\n${pending.split('\n').slice(0, 10).join('\n')}\nevents:\n${events.split('\n').slice(-15).join('\n')}\n`
      + `kwok log:\n${this.logTail('kwok', 10)}\ncontroller-manager log:\n${this.logTail('kube-controller-manager', 10)}`);
  }

  /**
   * Every object the API server holds, counted by listing each listable resource of the discovery
   * documents (preferred version of each group) with limit=1: items + remainingItemCount.
   */
  async storedObjects(): Promise<{ total: number; byResource: Record<string, number> }> {
    const versions: string[] = ['/api/v1'];
    for (const g of (await this.json('GET', '/apis')).groups ?? []) {
      // events.k8s.io serves the core Events again (same storage): counted once, as core events.
      if (g.name !== 'events.k8s.io') versions.push(`/apis/${g.preferredVersion.groupVersion}`);
    }
    const byResource: Record<string, number> = {};
    let total = 0;
    for (const gv of versions) {
      for (const r of (await this.json('GET', gv)).resources ?? []) {
        if (String(r.name).includes('/') || !(r.verbs ?? []).includes('list')) continue;
        const count = await this.count(`${gv}/${r.name}`);
        if (count > 0) byResource[`${r.name}${gv.startsWith('/apis/') ? `.${gv.split('/')[2]}` : ''}`] = count;
        total += count;
      }
    }
    return { total, byResource };
  }

  /** How many objects a list path holds, without transferring them (limit=1 + remainingItemCount). */
  async count(listPath: string): Promise<number> {
    const list = await this.json('GET', `${listPath}?limit=1`);
    return (list.items?.length ?? 0) + Number(list.metadata?.remainingItemCount ?? 0);
  }

  /** Peak memory and CPU of every control-plane process, by name. */
  processStats(): Record<string, ProcessStats | undefined> {
    const ids = this.api.processIds();
    const out: Record<string, ProcessStats | undefined> = { 'etcd': procStats(ids.etcd), 'kube-apiserver': procStats(ids.apiserver) };
    for (const { name, child } of this.children) out[name] = procStats(child.pid);
    return out;
  }

  /** Fails with the log tail of any component that exited. */
  checkComponents(): void {
    for (const { name, child } of this.children) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}):\n${this.logTail(name)}`);
      }
    }
  }

  logTail(name: string, lines = 30): string {
    return this.api.logTail(name, lines);
  }

  /** Stops the components (newest first), then kube-apiserver and etcd. Safe to call more than once. */
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
    process.removeListener('exit', this.onExit);
    await this.api.stop();
  }

  private killNow(): void {
    for (const { child } of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    this.watchdog?.kill('SIGKILL');
  }

  private async startComponents(hpaSyncPeriodSeconds: number): Promise<void> {
    const [kcmPort, schedPort, kwokPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const kubeconfig = this.api.kubeconfig;
    const auth = [`--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`];
    this.spawnComponent('kube-controller-manager', this.tools.controllerManager, [
      ...auth, '--bind-address=127.0.0.1', `--secure-port=${kcmPort}`, '--leader-elect=false',
      `--service-account-private-key-file=${this.api.serviceAccountKeyFile}`, `--root-ca-file=${this.api.servingCertFile}`,
      '--use-service-account-credentials=false',
      // No cloud, no node IPAM (kwok assigns pod IPs itself).
      '--controllers=*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-node-route-controller',
      '--cluster-cidr=10.244.0.0/16', '--service-cluster-ip-range=10.96.0.0/16',
      `--horizontal-pod-autoscaler-sync-period=${hpaSyncPeriodSeconds}s`,
      '--kube-api-qps=200', '--kube-api-burst=400', '--concurrent-deployment-syncs=10', '--concurrent-replicaset-syncs=10', '--v=1',
    ]);
    this.spawnComponent('kube-scheduler', this.tools.scheduler, [
      ...auth, '--bind-address=127.0.0.1', `--secure-port=${schedPort}`, '--leader-elect=false', '--v=1',
    ]);
    this.spawnComponent('kwok', this.tools.kwok, [
      `--kubeconfig=${kubeconfig}`, '--manage-all-nodes=false', `--manage-nodes-with-annotation-selector=${KWOK_ANNOTATION}=fake`,
      `--server-address=127.0.0.1:${kwokPort}`, '--node-ip=10.0.0.1', '--cidr=10.128.0.0/12', '--node-lease-duration-seconds=40', '--v=INFO',
    ]);
    await sleep(2000);
    this.checkComponents();
  }

  private async createNodes(count: number, zones: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const name = `kwok-node-${i}`;
      const status = {
        allocatable: { 'cpu': '1000', 'memory': '4Ti', 'pods': '1000', 'ephemeral-storage': '10Ti' },
        capacity: { 'cpu': '1000', 'memory': '4Ti', 'pods': '1000', 'ephemeral-storage': '10Ti' },
        nodeInfo: { architecture: 'amd64', operatingSystem: 'linux', kubeletVersion: 'fake', kubeProxyVersion: 'fake' },
      };
      await this.json('POST', '/api/v1/nodes', {
        apiVersion: 'v1', kind: 'Node',
        metadata: {
          name,
          annotations: { [KWOK_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
          labels: {
            'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'type': 'kwok',
            'topology.kubernetes.io/zone': `zone-${String.fromCharCode(97 + (i % zones))}`, 'topology.kubernetes.io/region': 'simulated',
          },
        },
        spec: {},
        status,
      });
      await this.json('PATCH', `/api/v1/nodes/${name}/status`, { status }, { 'Content-Type': 'application/merge-patch+json' });
    }
  }

  private spawnComponent(name: string, bin: string, args: string[]): void {
    const fd = fs.openSync(path.join(this.api.tmpDir, `${name}.log`), 'a');
    const child = spawn(bin, args, { stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    child.on('error', () => undefined);
    this.children.push({ name, child });
    // Kills the components if this process dies without stopping them.
    const pids = this.children.map((c) => c.child.pid).filter((p): p is number => !!p);
    const script = 'parent=$1; shift; while kill -0 "$parent" 2>/dev/null; do sleep 0.5; done; kill -KILL "$@" 2>/dev/null';
    this.watchdog?.kill('SIGKILL');
    this.watchdog = spawn('bash', ['-c', script, 'watchdog', String(process.pid), ...pids.map(String)], { detached: true, stdio: 'ignore' });
    this.watchdog.unref();
  }
}
