/**
 * Registry load benchmark: `node lib/bench/registry-load.js --agents N[,N...] --backend sqlite|postgres
 * [--interval 5] [--duration 60] [--warmup 10] [--sockets 256] [--json]`.
 *
 * For each N, on 127.0.0.1 only, with a fresh registry and a fresh database:
 * 1. waits until the machine is quiet (1-minute load average below --max-load, polled every 10 s for at most
 *    --load-wait seconds; then it measures anyway and says so in the output);
 * 2. starts the real registry (`mcp-mesh-registry` 3.7.1 from @mcpmesh/cli-linux-x64) with the env the library
 *    renders for a default `McpRegistry` (read from the synthesized StatefulSet, not copied), rewritten for
 *    loopback: HOST/PORT/--host/--port, and DATABASE_URL (a temp SQLite file, or a throwaway PostgreSQL from
 *    test/util/postgres-process.ts);
 * 3. registers N agents (`POST /heartbeat`, the body a runtime sends: one capability each; every third agent
 *    also depends on the previous agent's capability), at most 32 at a time;
 * 4. heartbeats like the runtime: every agent sends `HEAD /heartbeat/<id>` once per interval, the N agents
 *    spread evenly over the interval, through one keep-alive HTTP agent with at most --sockets sockets. On
 *    202 (the topology changed since the agent's last full heartbeat) it sends the full `POST /heartbeat`, on
 *    410 (unknown agent) it registers again, as the runtime does. An agent whose previous beat is still in
 *    flight skips a beat (counted);
 * 5. measures over --duration seconds after a --warmup: registry CPU (utime+stime from /proc/<pid>/stat),
 *    peak RSS (VmHWM), HEAD latency percentiles, status counts, the load generator's own CPU, PostgreSQL's
 *    CPU (the postmaster and its children), and the whole machine's busy CPU, so that what other work took
 *    during the window is visible.
 *
 * Every process it starts is stopped on every path (normal end, error, SIGINT/SIGTERM), and handed to the
 * test reaper (test/util/reaper.ts), which kills it if this process is killed outright. Never asserted in
 * tests: the numbers go into docs/sizing.md.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { McpRegistry } from '../src';
import { RunningPostgres, startPostgres, urlSafePassword } from '../test/util/postgres-process';
import { reapDir, releaseDir } from '../test/util/reaper';
import { REGISTRY_BINARY, RunningRegistry, freePort, startRegistry } from '../test/util/registry-process';

type Backend = 'sqlite' | 'postgres';

interface Options {
  readonly agents: number[];
  readonly backend: Backend;
  readonly intervalS: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly sockets: number;
  readonly maxLoad: number;
  readonly loadWaitS: number;
  readonly json: boolean;
}

const MAX_AGENTS = 20000;
const REGISTER_CONCURRENCY = 32;
const REQUEST_TIMEOUT_MS = 10000;
const REGISTER_DEADLINE_MS = 5 * 60 * 1000;
const DRAIN_DEADLINE_MS = 15000;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function usage(message?: string): never {
  if (message) process.stderr.write(`registry-load: ${message}\n`);
  process.stderr.write('usage: node lib/bench/registry-load.js --agents N[,N...] --backend sqlite|postgres [--interval 5] [--duration 60]\n'
    + '         [--warmup 10] [--sockets 256] [--max-load 1.0] [--load-wait 600] [--json]\n');
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const values: Record<string, string> = {};
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') { json = true; continue; }
    if (a === '-h' || a === '--help') usage();
    if (!a.startsWith('--') || i + 1 >= argv.length) usage(`unexpected argument ${a}`);
    values[a.slice(2)] = argv[++i];
  }
  const known = ['agents', 'backend', 'interval', 'duration', 'warmup', 'sockets', 'max-load', 'load-wait'];
  for (const k of Object.keys(values)) if (!known.includes(k)) usage(`unknown option --${k}`);
  const num = (k: string, def: number, min: number, max: number): number => {
    const v = values[k] === undefined ? def : Number(values[k]);
    if (!Number.isFinite(v) || v < min || v > max) usage(`--${k} must be a number from ${min} to ${max}`);
    return v;
  };
  if (values.agents === undefined) usage('--agents is required');
  const agents = values.agents.split(',').map((s) => Number(s));
  if (agents.some((n) => !Number.isInteger(n) || n < 1 || n > MAX_AGENTS)) usage(`--agents takes integers from 1 to ${MAX_AGENTS}`);
  const backend = (values.backend ?? 'sqlite') as Backend;
  if (backend !== 'sqlite' && backend !== 'postgres') usage('--backend is sqlite or postgres');
  return {
    agents, backend, json,
    intervalS: num('interval', 5, 1, 300),
    durationS: num('duration', 60, 5, 600),
    warmupS: num('warmup', 10, 0, 300),
    sockets: Math.round(num('sockets', 256, 1, 10000)),
    maxLoad: num('max-load', 1.0, 0.01, 1000),
    loadWaitS: num('load-wait', 600, 0, 3600),
  };
}

// ---------------------------------------------------------------------------------------------- rendering

/** The registry container as the library renders it for a default `McpRegistry` (SQLite, every default). */
function renderedRegistryContainer(): { env: Record<string, string>; args: string[]; resources: unknown } {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'registry-load-synth-')) });
  const chart = new Chart(app, 'bench', { disableResourceNameHashes: true });
  new McpRegistry(chart, 'Registry', { namespace: 'mcp-mesh' });
  const sts = chart.toJson().find((o: any) => o.kind === 'StatefulSet');
  fs.rmSync(app.outdir, { recursive: true, force: true });
  const c = sts.spec.template.spec.containers[0];
  const env: Record<string, string> = {};
  for (const e of c.env) {
    if (e.valueFrom !== undefined) throw new Error(`registry env ${e.name} comes from ${JSON.stringify(e.valueFrom)}: the bench only handles plain values`);
    env[e.name] = String(e.value);
  }
  return { env, args: c.args, resources: c.resources };
}

function loopbackArgs(args: string[], port: number): string[] {
  const values: Record<string, string> = { '--host': '127.0.0.1', '--port': String(port) };
  return args.map((arg, i) => (i > 0 && values[args[i - 1]] !== undefined ? values[args[i - 1]] : arg));
}

// ------------------------------------------------------------------------------------------------- /proc

interface ProcStat { readonly ppid: number; readonly ticks: number; readonly childTicks: number }

function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state): field k is f[k - 3]. utime 14, stime 15, cutime 16, cstime 17.
  return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), childTicks: Number(f[13]) + Number(f[14]) };
}

function procStatusKb(pid: number, field: string): number | undefined {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of the whole machine (all CPUs), from the first line of /proc/stat. */
function machineTicks(): { busy: number; total: number; steal: number } {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user/nice)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = cpu;
  return { busy: user + nice + system + irq + softirq, total: user + nice + system + idle + iowait + irq + softirq + steal, steal };
}

/** A process and its direct children (PostgreSQL's backends and workers call setsid(): not its process group). */
function selfAndChildren(parent: number): number[] {
  const pids: number[] = [parent];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    if (procStat(Number(name))?.ppid === parent) pids.push(Number(name));
  }
  return pids;
}

/** The postmaster of a postgres-process.ts server: the process running `postgres -D <dir>/data`. */
function findPostmaster(pg: RunningPostgres): number | undefined {
  const dataDir = path.join(pg.dir, 'data');
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (path.basename(argv[0]) === 'postgres' && argv.includes(dataDir)) return Number(name);
    } catch {
      // gone
    }
  }
  return undefined;
}

/**
 * CPU ticks of a PostgreSQL server: the postmaster and its live children plus what exited children
 * left in the postmaster's cutime/cstime. Per-process deltas are taken between two snapshots, so backends
 * that come and go are counted for the part they ran in the window (an exited backend: its whole life).
 */
class PostgresCpu {
  private before = new Map<number, number>();
  private beforeChildren = 0;
  constructor(private readonly postmaster: number) {}
  private snapshot(): { per: Map<number, number>; children: number } {
    const per = new Map<number, number>();
    for (const pid of selfAndChildren(this.postmaster)) {
      const s = procStat(pid);
      if (s) per.set(pid, s.ticks);
    }
    return { per, children: procStat(this.postmaster)?.childTicks ?? 0 };
  }
  start(): void {
    const s = this.snapshot();
    this.before = s.per;
    this.beforeChildren = s.children;
  }
  /** Ticks since start(). */
  stop(): number {
    const s = this.snapshot();
    let ticks = s.children - this.beforeChildren;
    for (const [pid, t] of s.per) ticks += t - (this.before.get(pid) ?? 0);
    return ticks;
  }
}

// ----------------------------------------------------------------------------------------------- machine

async function waitForQuiet(maxLoad: number, waitS: number, log: (s: string) => void): Promise<{ waitedS: number; loadAtStart: number; quiet: boolean }> {
  const started = Date.now();
  for (;;) {
    const load = os.loadavg()[0];
    if (load < maxLoad) return { waitedS: Math.round((Date.now() - started) / 1000), loadAtStart: round(load, 2), quiet: true };
    if (Date.now() - started >= waitS * 1000) {
      log(`load average ${load.toFixed(2)} still >= ${maxLoad} after ${waitS} s: measuring anyway`);
      return { waitedS: Math.round((Date.now() - started) / 1000), loadAtStart: round(load, 2), quiet: false };
    }
    log(`waiting for the 1-minute load average (${load.toFixed(2)}) to drop below ${maxLoad}`);
    await sleep(Math.min(10000, Math.max(0, waitS * 1000 - (Date.now() - started))));
  }
}

// ------------------------------------------------------------------------------------------------- agents

interface AgentBody { readonly agent_id: string; readonly [key: string]: unknown }

/** The `POST /heartbeat` body of agent i: one capability; every third agent depends on agent i-1's capability. */
function heartbeatBody(i: number): AgentBody {
  const name = `agent-${i}`;
  const dependencies = i % 3 === 1 ? [{ capability: `capability_${i - 1}` }] : undefined;
  return {
    agent_id: `${name}-7d4b9c5f6-x2x7z`,
    name,
    agent_type: 'mcp_agent',
    version: '1.0.0',
    http_host: `${name}.mcp-mesh.svc.cluster.local`,
    http_port: 8080,
    runtime: 'python',
    tools: [{
      function_name: `capability_${i}`, capability: `capability_${i}`, version: '1.0.0', tags: ['bench', `group-${i % 10}`],
      kwargs: { timeout: 30 }, ...(dependencies ? { dependencies } : {}),
    }],
  };
}

interface Reply { readonly status: number; readonly ms: number; readonly body?: string }

function request(agent: http.Agent, port: number, method: 'HEAD' | 'POST', urlPath: string, payload?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request({
      host: '127.0.0.1', port, method, path: urlPath, agent, timeout: REQUEST_TIMEOUT_MS,
      headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - started) / 1e6, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Runs `task` over 0..n-1 with at most `concurrency` at a time. */
async function pool(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, async () => {
    while (next < n) await task(next++);
  }));
}

interface Counts { head200: number; head202: number; head410: number; headOther: number; headErrors: number; posts: number; postErrors: number; postNotSuccess: number; skipped: number }

function emptyCounts(): Counts {
  return { head200: 0, head202: 0, head410: 0, headOther: 0, headErrors: 0, posts: 0, postErrors: 0, postNotSuccess: 0, skipped: 0 };
}

// -------------------------------------------------------------------------------------------------- run

export interface RunResult {
  readonly agents: number;
  readonly backend: Backend;
  readonly intervalS: number;
  readonly warmupS: number;
  readonly durationS: number;
  readonly sockets: number;
  readonly registry: { readonly version: string; readonly env: Record<string, string> };
  readonly machine: {
    readonly cores: number;
    readonly loadBefore: number;
    readonly waitedForQuietS: number;
    readonly quietBeforeStart: boolean;
    readonly loadAfter: number;
    /** Busy CPU of the whole machine over the window, and what neither the registry, PostgreSQL nor the load generator took. */
    readonly busyMillicores: number;
    readonly otherMillicores: number;
    readonly stealMillicores: number;
  };
  readonly registration: { readonly seconds: number; readonly perSecond: number; readonly failures: number };
  readonly registryCpu: { readonly millicores: number; readonly peakSecondMillicores: number; readonly p95SecondMillicores: number };
  readonly registryMemory: { readonly peakRssMb: number; readonly rssAtEndMb: number };
  readonly postgresCpuMillicores?: number;
  readonly loadGeneratorCpuMillicores: number;
  readonly heartbeats: {
    readonly expected: number;
    readonly sent: number;
    readonly perSecond: number;
    readonly p50Ms: number;
    readonly p95Ms: number;
    readonly p99Ms: number;
    readonly maxMs: number;
    readonly postP99Ms?: number;
    readonly maxSchedulerLagMs: number;
  } & Counts;
  readonly warmupCounts: Counts;
  readonly healthyAtEnd: number;
}

function round(v: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const cleanups = new Set<() => Promise<void>>();

async function runOne(n: number, opts: Options, log: (s: string) => void): Promise<RunResult> {
  const quiet = await waitForQuiet(opts.maxLoad, opts.loadWaitS, log);
  const rendered = renderedRegistryContainer();
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-load-'));
  reapDir(dataDir);
  let pg: RunningPostgres | undefined;
  let registry: RunningRegistry | undefined;
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.sockets, maxFreeSockets: opts.sockets });
  const cleanup = async () => {
    agent.destroy();
    await registry?.stop().catch(() => undefined);
    await pg?.stop().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
    releaseDir(dataDir);
  };
  cleanups.add(cleanup);
  try {
    let databaseUrl = path.join(dataDir, path.basename(rendered.env.DATABASE_URL));
    if (opts.backend === 'postgres') {
      ensurePostgresBinDir();
      pg = await startPostgres();
      const password = urlSafePassword();
      await pg.createRoleAndDatabase('mesh', password, 'mesh');
      // As postgresInCluster composes it (sslmode=disable inside the cluster, connect_timeout=10).
      databaseUrl = `postgres://mesh:${password}@127.0.0.1:${pg.port}/mesh?sslmode=disable&connect_timeout=10`;
    }
    const env = { ...rendered.env, HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: databaseUrl };
    registry = await startRegistry(env, loopbackArgs(rendered.args, port), port, dataDir, { reap: true });
    const pid = registry.pid;
    const postmaster = pg ? findPostmaster(pg) : undefined;
    if (pg && postmaster === undefined) throw new Error(`no postmaster found for ${pg.dir}`);
    log(`${n} agents on ${opts.backend}: registry pid ${pid} on 127.0.0.1:${port}${postmaster ? `, postmaster pid ${postmaster}` : ''}`);

    // ---- registration
    const bodies = Array.from({ length: n }, (_, i) => JSON.stringify(heartbeatBody(i)));
    const ids = Array.from({ length: n }, (_, i) => heartbeatBody(i).agent_id);
    let registerFailures = 0;
    const regStarted = Date.now();
    await pool(n, REGISTER_CONCURRENCY, async (i) => {
      if (Date.now() - regStarted > REGISTER_DEADLINE_MS) { registerFailures++; return; }
      try {
        const r = await request(agent, port, 'POST', '/heartbeat', bodies[i]);
        if (r.status !== 200 || !r.body?.includes('"status":"success"')) registerFailures++;
      } catch {
        registerFailures++;
      }
    });
    const regSeconds = (Date.now() - regStarted) / 1000;
    log(`registered ${n - registerFailures}/${n} in ${regSeconds.toFixed(1)} s`);

    // ---- heartbeats
    const intervalMs = opts.intervalS * 1000;
    const warmupMs = opts.warmupS * 1000;
    const durationMs = opts.durationS * 1000;
    const inFlight = new Uint8Array(n);
    const warmupCounts = emptyCounts();
    const counts = emptyCounts();
    const latencies: number[] = [];
    const postLatencies: number[] = [];
    let measuring = false;
    let sentInWindow = 0;
    let maxLag = 0;
    let pending = 0;

    const beat = async (i: number) => {
      const c = measuring ? counts : warmupCounts;
      const inWindow = measuring;
      if (inFlight[i]) { c.skipped++; return; }
      inFlight[i] = 1;
      pending++;
      if (inWindow) sentInWindow++;
      try {
        const r = await request(agent, port, 'HEAD', `/heartbeat/${ids[i]}`);
        if (inWindow && measuring) latencies.push(r.ms);
        if (r.status === 200) c.head200++;
        else if (r.status === 202) c.head202++;
        else if (r.status === 410) c.head410++;
        else c.headOther++;
        if (r.status === 202 || r.status === 410) {
          // The runtime's answer to "topology changed" (202) and "unknown agent" (410): a full heartbeat.
          c.posts++;
          try {
            const p = await request(agent, port, 'POST', '/heartbeat', bodies[i]);
            if (inWindow && measuring) postLatencies.push(p.ms);
            if (p.status !== 200 || !p.body?.includes('"status":"success"')) c.postNotSuccess++;
          } catch {
            c.postErrors++;
          }
        }
      } catch {
        c.headErrors++;
      } finally {
        inFlight[i] = 0;
        pending--;
      }
    };

    const t0 = performance.now();
    let k = 0; // the next beat in the global sequence: agent k % n at t0 + k * intervalMs / n
    const endAt = warmupMs + durationMs;
    let windowStart: { ticks: number; machine: ReturnType<typeof machineTicks>; cpu: NodeJS.CpuUsage; at: number } | undefined;
    const pgCpu = postmaster === undefined ? undefined : new PostgresCpu(postmaster);
    const perSecond: number[] = [];
    let lastSample: { ticks: number; at: number } | undefined;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const elapsed = performance.now() - t0;
        if (!measuring && windowStart === undefined && elapsed >= warmupMs) {
          windowStart = { ticks: procStat(pid)!.ticks, machine: machineTicks(), cpu: process.cpuUsage(), at: performance.now() };
          pgCpu?.start();
          lastSample = { ticks: windowStart.ticks, at: windowStart.at };
          measuring = true;
        }
        if (measuring && lastSample && performance.now() - lastSample.at >= 1000) {
          const now = { ticks: procStat(pid)?.ticks ?? lastSample.ticks, at: performance.now() };
          perSecond.push(((now.ticks - lastSample.ticks) / CLK_TCK) / ((now.at - lastSample.at) / 1000) * 1000);
          lastSample = now;
        }
        if (elapsed >= endAt) { resolve(); return; }
        const due = Math.floor((elapsed * n) / intervalMs);
        if (k <= due) maxLag = Math.max(maxLag, measuring ? elapsed - (k * intervalMs) / n : 0);
        for (; k <= due; k++) void beat(k % n);
        setTimeout(tick, 5);
      };
      tick();
    });
    // The window ends here: CPU first, then let the requests in flight finish (they count, their CPU does not).
    const endTicks = procStat(pid)!.ticks;
    const endMachine = machineTicks();
    const endCpu = process.cpuUsage(windowStart!.cpu);
    const windowS = (performance.now() - windowStart!.at) / 1000;
    const pgTicks = pgCpu?.stop();
    measuring = false;
    const loadAfter = os.loadavg()[0];
    const drainStarted = Date.now();
    while (pending > 0 && Date.now() - drainStarted < DRAIN_DEADLINE_MS) await sleep(20);
    const peakRssKb = procStatusKb(pid, 'VmHWM') ?? NaN;
    const rssKb = procStatusKb(pid, 'VmRSS') ?? NaN;

    // Sanity: every agent still listed and healthy (outside the window).
    let healthyAtEnd = -1;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/agents`);
      const listed = ((await res.json()) as { agents?: { status?: string }[] }).agents ?? [];
      healthyAtEnd = listed.filter((a) => a.status === 'healthy').length;
    } catch {
      // reported as -1
    }

    const ms = (ticks: number) => round(((ticks / CLK_TCK) / windowS) * 1000);
    const registryMc = ms(endTicks - windowStart!.ticks);
    const pgMc = pgTicks === undefined ? undefined : ms(pgTicks);
    const loadGenMc = round(((endCpu.user + endCpu.system) / 1e6 / windowS) * 1000);
    const busyMc = ms(endMachine.busy - windowStart!.machine.busy);
    const sorted = Float64Array.from(latencies).sort();
    const postSorted = Float64Array.from(postLatencies).sort();
    const secSorted = Float64Array.from(perSecond).sort();
    return {
      agents: n,
      backend: opts.backend,
      intervalS: opts.intervalS,
      warmupS: opts.warmupS,
      durationS: opts.durationS,
      sockets: opts.sockets,
      registry: { version: registryVersion(), env: { ...env, DATABASE_URL: env.DATABASE_URL.replace(/:[^:@/]+@/, ':***@') } },
      machine: {
        cores: os.cpus().length,
        loadBefore: quiet.loadAtStart,
        waitedForQuietS: quiet.waitedS,
        quietBeforeStart: quiet.quiet,
        loadAfter: round(loadAfter, 2),
        busyMillicores: busyMc,
        otherMillicores: Math.max(0, busyMc - registryMc - (pgMc ?? 0) - loadGenMc),
        stealMillicores: ms(endMachine.steal - windowStart!.machine.steal),
      },
      registration: { seconds: round(regSeconds, 1), perSecond: round((n - registerFailures) / regSeconds), failures: registerFailures },
      registryCpu: { millicores: registryMc, peakSecondMillicores: round(secSorted[secSorted.length - 1] ?? NaN), p95SecondMillicores: round(percentile(secSorted, 95)) },
      registryMemory: { peakRssMb: round(peakRssKb / 1024, 1), rssAtEndMb: round(rssKb / 1024, 1) },
      ...(pgMc === undefined ? {} : { postgresCpuMillicores: pgMc }),
      loadGeneratorCpuMillicores: loadGenMc,
      heartbeats: {
        expected: Math.round((n * durationMs) / intervalMs),
        sent: sentInWindow,
        perSecond: round(sentInWindow / windowS, 1),
        p50Ms: round(percentile(sorted, 50), 2),
        p95Ms: round(percentile(sorted, 95), 2),
        p99Ms: round(percentile(sorted, 99), 2),
        maxMs: round(sorted[sorted.length - 1] ?? NaN, 2),
        ...(postSorted.length > 0 ? { postP99Ms: round(percentile(postSorted, 99), 2) } : {}),
        maxSchedulerLagMs: round(maxLag, 1),
        ...counts,
      },
      warmupCounts,
      healthyAtEnd,
    };
  } finally {
    await cleanup();
    cleanups.delete(cleanup);
  }
}

/**
 * postgres-process.ts finds scripts/postgres.sh relative to its own file, which is not where the compiled copy
 * under lib/ lives: run the script from the package root here and hand its answer over in POSTGRES_BIN_DIR.
 */
function ensurePostgresBinDir(): void {
  if (process.env.POSTGRES_BIN_DIR) return;
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'scripts', 'postgres.sh'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('scripts/postgres.sh not found above ' + __dirname + ': set POSTGRES_BIN_DIR');
    dir = up;
  }
  process.env.POSTGRES_BIN_DIR = execFileSync('bash', [path.join(dir, 'scripts', 'postgres.sh')],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 10 * 60 * 1000 }).trim();
}

let cachedVersion: string | undefined;
function registryVersion(): string {
  if (cachedVersion === undefined) {
    const pkg = path.join(path.dirname(path.dirname(REGISTRY_BINARY)), 'package.json');
    cachedVersion = JSON.parse(fs.readFileSync(pkg, 'utf8')).version as string;
  }
  return cachedVersion;
}

function table(results: RunResult[]): string {
  const head = ['agents', 'backend', 'beats/s', 'registry CPU', 'peak 1 s', 'peak RSS', 'p50', 'p95', 'p99', 'max', 'non-200', 'errors',
    'postgres CPU', 'loadgen CPU', 'other CPU', 'load before/after'];
  const rows = results.map((r) => {
    const h = r.heartbeats;
    return [
      String(r.agents), r.backend, String(h.perSecond), `${r.registryCpu.millicores}m`, `${r.registryCpu.peakSecondMillicores}m`,
      `${r.registryMemory.peakRssMb} MB`, `${h.p50Ms} ms`, `${h.p95Ms} ms`, `${h.p99Ms} ms`, `${h.maxMs} ms`,
      `${h.head202} x 202, ${h.head410} x 410, ${h.headOther} other`, `${h.headErrors + h.postErrors + h.postNotSuccess}, ${h.skipped} skipped`,
      r.postgresCpuMillicores === undefined ? '-' : `${r.postgresCpuMillicores}m`, `${r.loadGeneratorCpuMillicores}m`,
      `${r.machine.otherMillicores}m`, `${r.machine.loadBefore}${r.machine.quietBeforeStart ? '' : ' (busy)'} / ${r.machine.loadAfter}`,
    ];
  });
  return [head, head.map(() => '---'), ...rows].map((cols) => `| ${cols.join(' | ')} |`).join('\n');
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const log = (s: string) => process.stderr.write(`registry-load: ${s}\n`);
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      log(`${signal}: stopping`);
      void Promise.all([...cleanups].map((c) => c())).finally(() => process.exit(130));
    });
  }
  if (opts.warmupS < opts.intervalS) {
    log(`--warmup ${opts.warmupS} is shorter than one heartbeat interval: the measured window will include the first round's 202s and POSTs`);
  }
  const results: RunResult[] = [];
  for (const n of opts.agents) {
    const r = await runOne(n, opts, log);
    results.push(r);
    log(`${n} agents: registry ${r.registryCpu.millicores}m, peak RSS ${r.registryMemory.peakRssMb} MB, p99 ${r.heartbeats.p99Ms} ms`);
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    process.stdout.write(`mcp-mesh-registry ${registryVersion()}, ${opts.backend}, heartbeat every ${opts.intervalS} s, `
      + `${opts.warmupS} s warm-up + ${opts.durationS} s measured, ${opts.sockets} client sockets, ${os.cpus().length} cores\n\n${table(results)}\n`);
  }
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`registry-load: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  });
}
