/**
 * Synthesis benchmark: `npm run bench -- --agents N [--json]`.
 *
 * Measures, each in a fresh child process so that memory and JIT state do not leak between them:
 * - the library: a mesh of N agents with every feature on, written with writeManifests();
 * - the baseline: N plain cdk8s-plus Deployment + Service pairs written by cdk8s's own app.synth().
 * Reports wall time (build + synth + write), peak RSS, object count and bytes, and the ratio of objects per
 * second. `--runs K` runs K mesh/baseline pairs and reports medians (the ratio per pair, which is steadier on
 * a shared machine than either time). Never asserted in tests: the machines are shared and noisy, the numbers
 * go into notes and docs.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import {
  AdvertiseMode, AgentRuntime, McpMesh, McpMeshAgentProps, MeshEnvironment, NetworkPeer, RegistryStorage, SecretValue, ServiceMesh,
  writeManifests,
} from '../src';

interface Measurement {
  readonly objects: number;
  readonly bytes: number;
  readonly wallMs: number;
  /** CPU time (user + system): steadier than wall time on a shared machine. */
  readonly cpuMs: number;
  readonly peakRssMb: number;
}

/** A mesh of n agents with every option on; agent i depends on the capabilities of agents i-1 and i-2. */
export function meshAgents(n: number): McpMeshAgentProps[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `agent-${i}`,
    runtime: AgentRuntime.python({ image: `ghcr.io/example/agent-${i % 10}:1.0.${i % 7}`, script: 'agent.py' }),
    ...(i % 5 === 4 ? { autoscaling: { minReplicas: 2, maxReplicas: 6 } } : { replicas: 2 }),
    // Pod IPs only where they can work: fixed replicas, no traffic overrides (refused at synth otherwise).
    advertise: i % 4 === 3 && i % 5 !== 4 && i % 3 !== 0 ? AdvertiseMode.POD_IP : AdvertiseMode.SERVICE,
    internetEgress: i % 10 === 0,
    exposed: i % 20 === 0,
    traffic: i % 3 === 0 ? { retries: 1, maxConnections: 50 } : undefined,
    headlessService: i % 2 === 0,
    capabilities: [{ name: `capability_${i}`, version: '1.0.0', timeout: Duration.seconds(30), tags: ['bench'] }],
    dependsOn: [i - 1, i - 2].filter((j) => j >= 0).map((j) => `capability_${j}`),
    secretEnv: [{ name: 'ANTHROPIC_API_KEY', value: SecretValue.fromSecretKey('llm-keys', 'anthropic') }],
    env: [{ name: 'AGENT_INDEX', value: String(i) }],
    resources: { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '512Mi' },
    callTimeout: Duration.seconds(120),
  }));
}

/** Times `run`; the object count it returns is taken after the clock stops (counting is not synthesis). */
function measure(run: (outdir: string) => () => number): Measurement {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-bench-'));
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const count = run(outdir);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage(cpuBefore);
  const objects = count();
  const bytes = fs.readdirSync(outdir).reduce((sum, f) => sum + fs.statSync(path.join(outdir, f)).size, 0);
  fs.rmSync(outdir, { recursive: true, force: true });
  return {
    objects, bytes, wallMs: Math.round(wallMs), cpuMs: Math.round((cpu.user + cpu.system) / 1000), peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

/** The benchmark's mesh of n agents with every feature on, in a chart of `app`. */
export function buildBenchMesh(app: App, n: number): Chart {
  const chart = new Chart(app, 'mesh', { disableResourceNameHashes: true });
  new McpMesh(chart, 'Mesh', {
    namespace: 'bench',
    createNamespace: true,
    environment: MeshEnvironment.prod(),
    serviceMesh: ServiceMesh.ISTIO,
    // One VirtualService lists every capability: past a few thousand it would outgrow etcd's object limit.
    capabilityRouting: n <= 2000,
    // Sized as docs/sizing.md says: one core per replica carries about 2500 agent pods at a 5 s heartbeat.
    registry: {
      replicas: Math.max(3, Math.ceil((2 * n) / 2500)),
      expectedAgents: 2 * n,
      storage: RegistryStorage.postgresInCluster({ credentials: { secretName: 'registry-db' } }),
    },
    security: {
      prometheus: NetworkPeer.podsInNamespace('monitoring', { 'app.kubernetes.io/name': 'prometheus' }),
      ingressController: NetworkPeer.podsInNamespace('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }),
      allowRegistryProxy: true,
    },
    agents: meshAgents(n),
  });
  return chart;
}

function runMesh(n: number): Measurement {
  return measure((outdir) => {
    const app = new App({ outdir });
    const chart = buildBenchMesh(app, n);
    writeManifests(app);
    return () => chart.node.findAll().filter((c) => c instanceof ApiObject).length;
  });
}

function runBaseline(n: number): Measurement {
  return measure((outdir) => {
    const app = new App({ outdir });
    const chart = new Chart(app, 'baseline');
    for (let i = 0; i < n; i++) {
      const deployment = new kplus.Deployment(chart, `agent-${i}`, {
        replicas: 2,
        containers: [{ image: `ghcr.io/example/agent-${i % 10}:1.0.${i % 7}`, portNumber: 8080 }],
      });
      deployment.exposeViaService({ ports: [{ port: 8080 }] });
    }
    app.synth();
    return () => chart.node.findAll().filter((c) => c instanceof ApiObject).length;
  });
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
};
const perSecond = (objects: number, ms: number) => objects / Math.max(ms, 1) * 1000;

function main(): void {
  const args = process.argv.slice(2);
  const flag = (name: string) => args.indexOf(name);
  const child = args[flag('--child') + 1];
  const n = Number(args[flag('--agents') + 1] ?? 100);
  const runs = flag('--runs') >= 0 ? Number(args[flag('--runs') + 1]) : 1;
  if (!Number.isInteger(n) || n < 1 || flag('--agents') < 0 || !Number.isInteger(runs) || runs < 1) {
    console.error('usage: npm run bench -- --agents N [--runs K] [--json]');
    process.exit(2);
  }
  if (flag('--child') >= 0) {
    const result = child === 'mesh' ? runMesh(n) : runBaseline(n);
    process.stdout.write(JSON.stringify(result));
    return;
  }
  const runChild = (kind: string): Measurement => JSON.parse(execFileSync(process.execPath,
    [__filename, '--child', kind, '--agents', String(n)], { encoding: 'utf8', maxBuffer: 1 << 20 }));
  // Mesh and baseline run back to back, K pairs: each pair meets the same load on a shared machine, so the
  // ratio of a pair is steadier than either time. Times and ratio are the medians of the K.
  const meshes: Measurement[] = [];
  const baselines: Measurement[] = [];
  for (let i = 0; i < runs; i++) {
    meshes.push(runChild('mesh'));
    baselines.push(runChild('baseline'));
  }
  const ratios = meshes.map((m, i) => perSecond(m.objects, m.wallMs) / perSecond(baselines[i].objects, baselines[i].wallMs));
  const mesh = meshes[0];
  const baseline = baselines[0];
  const wallMs = median(meshes.map((m) => m.wallMs));
  const baselineWallMs = median(baselines.map((b) => b.wallMs));
  const ratio = Number(median(ratios.map((r) => Math.round(r * 100))) / 100);
  const result = {
    agents: n, objects: mesh.objects, bytes: mesh.bytes, wallMs, peakRssMb: Math.max(...meshes.map((m) => m.peakRssMb)),
    baselineObjects: baseline.objects, baselineWallMs, cpuMs: median(meshes.map((m) => m.cpuMs)), baselineCpuMs: median(baselines.map((b) => b.cpuMs)),
    baselineBytes: baseline.bytes, runs, ratio,
    ...(runs > 1 ? {
      wallMsRange: [Math.min(...meshes.map((m) => m.wallMs)), Math.max(...meshes.map((m) => m.wallMs))],
      ratioRange: [Math.min(...ratios), Math.max(...ratios)].map((r) => Math.round(r * 100) / 100),
    } : {}),
  };
  if (flag('--json') >= 0) {
    console.log(JSON.stringify(result));
    return;
  }
  const of = runs > 1 ? ` (median of ${runs} runs)` : '';
  console.log(`mesh of ${n} agents: ${mesh.objects} objects, ${(mesh.bytes / 1e6).toFixed(2)} MB in ${wallMs} ms${of} (CPU ${result.cpuMs} ms) `
    + `(${Math.round(perSecond(mesh.objects, wallMs))} objects/s), peak RSS ${result.peakRssMb} MB`);
  console.log(`baseline (cdk8s-plus Deployment+Service x ${n}, app.synth()): ${baseline.objects} objects, ${(baseline.bytes / 1e6).toFixed(2)} MB in ${baselineWallMs} ms `
    + `(${Math.round(perSecond(baseline.objects, baselineWallMs))} objects/s), peak RSS ${Math.max(...baselines.map((b) => b.peakRssMb))} MB`);
  console.log(`throughput ratio: ${ratio.toFixed(2)}x the baseline's objects per second${runs > 1 ? ` (median of the ${runs} pairs; ${result.ratioRange!.join('-')})` : ''}`);
}

if (require.main === module) main();
