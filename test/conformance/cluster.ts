/**
 * A throw-away Kubernetes control plane for the conformance suite: one etcd and one
 * kube-apiserver on 127.0.0.1 (no controllers, no scheduler, no nodes), enough to run every
 * synthesized manifest through the real API server's validation and admission (dry-run).
 *
 * Binaries come from `scripts/kube-tools.sh` (which builds them into a cache outside the
 * repository on first use) unless KUBE_APISERVER, ETCD and KUBECTL all point at binaries.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as https from 'https';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** The repository root, from test/conformance (ts-jest) or lib/test/conformance (compiled, e.g. for the benchmarks). */
export const REPO_ROOT = [path.resolve(__dirname, '..', '..'), path.resolve(__dirname, '..', '..', '..')]
  .find((d) => fs.existsSync(path.join(d, 'scripts', 'kube-tools.sh'))) ?? path.resolve(__dirname, '..', '..');
export const KUBE_TOOLS_SCRIPT = path.join(REPO_ROOT, 'scripts', 'kube-tools.sh');
export const UPSTREAM_CRDS_SCRIPT = path.join(REPO_ROOT, 'scripts', 'upstream-crds.sh');

/** Set to 1 to report the conformance tests as skipped (never set in CI). */
export const SKIP_ENV = 'MCP_MESH_SKIP_CONFORMANCE';

export function conformanceSkipReason(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[SKIP_ENV] === '1' ? `${SKIP_ENV}=1 is set` : undefined;
}

export interface KubeTools {
  kubeApiserver: string;
  kubectl: string;
  etcd: string;
  /** e.g. v1.35.4 when known from scripts/kube-tools.sh */
  kubeVersion?: string;
  etcdVersion?: string;
}

/** Parses the KEY=VALUE lines that scripts/kube-tools.sh prints (values are bash %q quoted). */
export function parseKubeToolsOutput(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2];
    if (v.startsWith("$'")) throw new Error(`kube-tools.sh printed a path with control characters: ${line}`);
    if (v.startsWith("'") && v.endsWith("'")) v = v.slice(1, -1);
    else v = v.replace(/\\(.)/g, '$1');
    out[m[1]] = v;
  }
  return out;
}

/**
 * Returns the tool paths: KUBE_APISERVER/ETCD/KUBECTL from the environment when all three are
 * set, otherwise by running scripts/kube-tools.sh (building on a cold cache: many minutes). Its
 * progress is streamed to stderr. Fails with the script's message (e.g. "install Go").
 */
export async function resolveKubeTools(env: NodeJS.ProcessEnv = process.env): Promise<KubeTools> {
  if (env.KUBE_APISERVER && env.ETCD && env.KUBECTL) {
    for (const p of [env.KUBE_APISERVER, env.ETCD, env.KUBECTL]) {
      if (!isExecutable(p)) throw new Error(`not an executable file: ${p} (from KUBE_APISERVER/ETCD/KUBECTL)`);
    }
    return { kubeApiserver: env.KUBE_APISERVER, etcd: env.ETCD, kubectl: env.KUBECTL };
  }
  const { code, stdout, stderrTail } = await runStreaming('bash', [KUBE_TOOLS_SCRIPT], { cwd: REPO_ROOT, env });
  if (code !== 0) {
    throw new Error(
      `scripts/kube-tools.sh exited with ${code}; the conformance suite needs kube-apiserver, kubectl and etcd.\n` +
        `${stderrTail}\n(set KUBE_APISERVER, ETCD and KUBECTL to use existing binaries, or ${SKIP_ENV}=1 to skip locally)`,
    );
  }
  const kv = parseKubeToolsOutput(stdout);
  if (!kv.KUBE_APISERVER || !kv.ETCD || !kv.KUBECTL) {
    throw new Error(`scripts/kube-tools.sh printed no tool paths:\n${stdout}`);
  }
  return {
    kubeApiserver: kv.KUBE_APISERVER,
    kubectl: kv.KUBECTL,
    etcd: kv.ETCD,
    kubeVersion: kv.KUBE_VERSION,
    etcdVersion: kv.ETCD_VERSION,
  };
}

export interface UpstreamCrdSet {
  /** e.g. prometheus-operator, istio, linkerd, gateway-api, external-secrets */
  project: string;
  /** the pinned release, e.g. v0.85.0 or stable-2.14.10 */
  version: string;
  dir: string;
}

/** Known project names of scripts/upstream-crds.sh (its folders are named <project>-<version>). */
export const UPSTREAM_PROJECTS = ['prometheus-operator', 'istio', 'linkerd', 'gateway-api', 'external-secrets', 'cert-manager'] as const;

/** Parses the folders scripts/upstream-crds.sh prints, one per line. */
export function parseUpstreamCrdsOutput(stdout: string): UpstreamCrdSet[] {
  const out: UpstreamCrdSet[] = [];
  for (const line of stdout.split('\n')) {
    const dir = line.trim();
    if (!dir) continue;
    if (!path.isAbsolute(dir)) throw new Error(`upstream-crds.sh printed a line that is not an absolute folder: ${line}`);
    const base = path.basename(dir);
    const project = [...UPSTREAM_PROJECTS].sort((a, b) => b.length - a.length).find((p) => base.startsWith(`${p}-`));
    out.push({ project: project ?? base, version: project ? base.slice(project.length + 1) : '', dir });
  }
  return out;
}

/**
 * Fetches (first time: from the Go module proxy and npm, a few seconds) the pinned upstream CRDs
 * through scripts/upstream-crds.sh and returns their folders. Its progress is streamed to stderr.
 */
export async function resolveUpstreamCrds(env: NodeJS.ProcessEnv = process.env): Promise<UpstreamCrdSet[]> {
  const { code, stdout, stderrTail } = await runStreaming('bash', [UPSTREAM_CRDS_SCRIPT], { cwd: REPO_ROOT, env });
  if (code !== 0) {
    throw new Error(
      `scripts/upstream-crds.sh exited with ${code}; the conformance suite installs the upstream CRDs it fetches.\n` +
        `${stderrTail}\n(${SKIP_ENV}=1 skips the conformance tests locally)`,
    );
  }
  const sets = parseUpstreamCrdsOutput(stdout);
  if (!sets.length) throw new Error(`scripts/upstream-crds.sh printed no folders:\n${stdout}`);
  for (const s of sets) if (!fs.statSync(s.dir).isDirectory()) throw new Error(`upstream-crds.sh printed ${s.dir}, not a folder`);
  return sets;
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

export function runStreaming(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number; stdout: string; stderrTail: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-20000);
      process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const lines = stderr.trimEnd().split('\n');
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderrTail: lines.slice(-15).join('\n') });
    });
  });
}

/** The REST path of a built-in object (the plural as Kubernetes forms it for the kinds a mesh renders). */
export function objectPath(o: any): string {
  const base = String(o.apiVersion).includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  const kind = String(o.kind).toLowerCase();
  const plural = kind.endsWith('y') ? `${kind.slice(0, -1)}ies` : kind.endsWith('s') ? `${kind}es` : `${kind}s`;
  const namespace = o.metadata?.namespace === undefined ? '' : `/namespaces/${o.metadata.namespace}`;
  return `${base}${namespace}/${plural}/${o.metadata.name}`;
}

/** A free TCP port on 127.0.0.1 (bound and released; the caller retries on a lost race). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface ClusterOptions {
  tools?: KubeTools;
  /** How long to wait for etcd and for kube-apiserver /readyz (default 180 s). */
  readyTimeoutMs?: number;
  /** Keep the temp dir (logs, kubeconfig, etcd data) after stop(); also MCP_MESH_CONFORMANCE_KEEP=1. */
  keepTempDir?: boolean;
  /** Where progress lines go (default: stderr). */
  log?: (line: string) => void;
}

export interface HttpResponse {
  status: number;
  body: string;
  /** Every `Warning` response header, decoded (RFC 7234 `299 - "text"` → `text`). */
  warnings: string[];
  headers: http.IncomingHttpHeaders;
}

const TEMP_PREFIX = 'mcp-mesh-conformance-';

/**
 * A running etcd + kube-apiserver pair. Start with `TestCluster.start()`, always `stop()`
 * (also wired to process exit, SIGINT/SIGTERM and, via a watchdog, to the test process dying).
 */
export class TestCluster {
  private static readonly live = new Set<TestCluster>();
  private static hooksInstalled = false;

  readonly tmpDir: string;
  readonly token: string;
  readonly kubeconfig: string;
  server = '';
  /** `kube-apiserver --version` without the "Kubernetes " prefix, e.g. v1.35.4. */
  version = '';
  /** /version gitVersion reported by the running server. */
  serverGitVersion = '';
  readonly tools: KubeTools;

  private etcd?: ChildProcess;
  private apiserver?: ChildProcess;
  private watchdog?: ChildProcess;
  private readonly agent: https.Agent;
  private readonly log: (line: string) => void;
  private stopped = false;
  private readonly keep: boolean;

  private constructor(tools: KubeTools, opts: ClusterOptions) {
    this.tools = tools;
    this.tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), TEMP_PREFIX));
    this.token = crypto.randomBytes(24).toString('hex');
    this.kubeconfig = path.join(this.tmpDir, 'kubeconfig');
    // Self-signed serving certificate on loopback: skip verification (see kubeconfig too).
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false });
    this.log = opts.log ?? ((l) => process.stderr.write(`${l}\n`));
    this.keep = opts.keepTempDir ?? process.env.MCP_MESH_CONFORMANCE_KEEP === '1';
  }

  /** Resolves tools (building them if needed), starts etcd and kube-apiserver, waits for /readyz. */
  static async start(opts: ClusterOptions = {}): Promise<TestCluster> {
    const tools = { ...(opts.tools ?? (await resolveKubeTools())) };
    const versionOut = spawnSync(tools.kubeApiserver, ['--version'], { encoding: 'utf8' });
    const m = /Kubernetes (v\S+)/.exec(`${versionOut.stdout}${versionOut.stderr}`);
    if (versionOut.status !== 0 || !m) {
      throw new Error(`${tools.kubeApiserver} --version failed: ${versionOut.stdout}${versionOut.stderr}`);
    }
    if (!tools.etcdVersion) {
      const e = spawnSync(tools.etcd, ['--version'], { encoding: 'utf8' });
      const ev = /etcd Version: (\S+)/.exec(`${e.stdout}${e.stderr}`);
      if (e.status !== 0 || !ev) throw new Error(`${tools.etcd} --version failed: ${e.stdout}${e.stderr}`);
      tools.etcdVersion = `v${ev[1]}`;
    }
    let lastErr: unknown;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const cluster = new TestCluster(tools, opts);
      cluster.version = m[1];
      TestCluster.register(cluster);
      try {
        await cluster.boot(opts.readyTimeoutMs ?? 180_000);
        return cluster;
      } catch (e) {
        lastErr = e;
        await cluster.stop();
        // A port taken between freePort() and bind: try again with new ports.
        if (!/address already in use|bind: /i.test(String(e))) break;
      }
    }
    throw lastErr;
  }

  /**
   * Exit/signal hooks for use outside jest (e.g. a script). Inside a jest test file these
   * listeners sit on jest's per-file copy of `process` and do not fire; there afterAll() and
   * the watchdog process do the teardown.
   */
  private static register(c: TestCluster): void {
    TestCluster.live.add(c);
    if (TestCluster.hooksInstalled) return;
    TestCluster.hooksInstalled = true;
    process.on('exit', () => {
      for (const cl of TestCluster.live) cl.killNow();
    });
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      const handler = () => {
        for (const cl of TestCluster.live) cl.killNow();
        process.removeListener(sig, handler);
        process.kill(process.pid, sig);
      };
      process.on(sig, handler);
    }
  }

  private async boot(readyTimeoutMs: number): Promise<void> {
    const t0 = Date.now();
    const [etcdClient, etcdPeer, securePort] = await Promise.all([freePort(), freePort(), freePort()]);
    const dir = this.tmpDir;
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;

    this.etcd = this.spawnLogged('etcd', this.tools.etcd, [
      '--name=conformance',
      `--data-dir=${path.join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=conformance=http://127.0.0.1:${etcdPeer}`,
      '--initial-cluster-state=new',
      ...(etcdSupports(this.tools.etcd, '--unsafe-no-fsync') ? ['--unsafe-no-fsync'] : []), // throw-away data (etcd >= 3.5)
      '--log-level=warn',
    ]);
    this.startWatchdog();
    await this.waitFor('etcd', this.etcd, readyTimeoutMs, async () => {
      const r = await plainGet(`${etcdUrl}/health`);
      return r.status === 200 && /"health":\s*"true"/.test(r.body);
    });

    // Service-account token signing key pair (required flags; nothing here mints tokens).
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const saKey = this.serviceAccountKeyFile;
    const saPub = path.join(dir, 'sa.pub');
    fs.writeFileSync(saKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    fs.writeFileSync(saPub, publicKey.export({ type: 'spki', format: 'pem' }));
    const tokens = path.join(dir, 'tokens.csv');
    fs.writeFileSync(tokens, `${this.token},conformance-admin,conformance-admin,"system:masters"\n`, { mode: 0o600 });

    this.server = `https://127.0.0.1:${securePort}`;
    this.apiserver = this.spawnLogged('kube-apiserver', this.tools.kubeApiserver, [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${securePort}`,
      `--cert-dir=${path.join(dir, 'certs')}`, // no --tls-cert-file: self-signed serving cert
      `--token-auth-file=${tokens}`,
      '--authorization-mode=RBAC',
      '--anonymous-auth=false',
      `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      // PodSecurity is on by default; listed to make the dependency explicit.
      '--enable-admission-plugins=NamespaceLifecycle,ServiceAccount,PodSecurity,LimitRanger,Priority,RuntimeClass,ResourceQuota',
      '--allow-privileged=true', // like a real cluster: privileged pods are refused by Pod Security, not by this flag
      '--profiling=false',
      '--v=1',
    ]);
    this.startWatchdog(); // again, now with both processes
    this.writeKubeconfig();
    await this.waitFor('kube-apiserver', this.apiserver, readyTimeoutMs, async () => {
      const r = await this.request('GET', '/readyz');
      return r.status === 200;
    });
    const v = await this.request('GET', '/version');
    try {
      this.serverGitVersion = (JSON.parse(v.body) as { gitVersion?: string }).gitVersion ?? '';
    } catch {
      /* ignore */
    }
    this.log(
      `kube-apiserver ${this.version} (etcd ${this.tools.etcdVersion})` +
        ` ready at ${this.server} in ${((Date.now() - t0) / 1000).toFixed(1)}s (kubeconfig ${this.kubeconfig})`,
    );
  }

  private writeKubeconfig(): void {
    const cfg = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: conformance',
      '  cluster:',
      `    server: ${this.server}`,
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: conformance-admin',
      '  user:',
      `    token: ${this.token}`,
      'contexts:',
      '- name: conformance',
      '  context:',
      '    cluster: conformance',
      '    user: conformance-admin',
      'current-context: conformance',
      '',
    ].join('\n');
    fs.writeFileSync(this.kubeconfig, cfg, { mode: 0o600 });
  }

  private spawnLogged(name: string, bin: string, args: string[]): ChildProcess {
    const logFile = path.join(this.tmpDir, `${name}.log`);
    const fd = fs.openSync(logFile, 'a');
    // Not detached: a Ctrl-C in the terminal reaches etcd/kube-apiserver directly. Under jest,
    // process.on('SIGINT'/'exit') in a test file never fires (jest gives each test file its own
    // `process` object), so the watchdog below is what guarantees teardown when jest dies.
    const child = spawn(bin, args, { stdio: ['ignore', fd, fd], env: { ...process.env } });
    fs.closeSync(fd);
    child.on('error', () => undefined); // surfaced through waitFor (exit) instead
    return child;
  }

  /** Kills etcd/kube-apiserver and removes the temp dir as soon as this (node) process is gone, however it died. */
  private startWatchdog(): void {
    const pids = [this.etcd?.pid, this.apiserver?.pid].filter((p): p is number => !!p);
    const script =
      'parent=$1; shift; dir=$1; keep=$2; shift 2; ' +
      'while kill -0 "$parent" 2>/dev/null; do sleep 0.5; done; ' +
      'kill -TERM "$@" 2>/dev/null; for i in 1 2 3 4 5 6; do kill -0 "$@" 2>/dev/null || break; sleep 0.5; done; ' +
      'kill -KILL "$@" 2>/dev/null; ' +
      '[ "$keep" = 1 ] || rm -rf -- "$dir"';
    this.watchdog?.kill('SIGKILL');
    this.watchdog = spawn('bash', ['-c', script, 'watchdog', String(process.pid), this.tmpDir, this.keep ? '1' : '0', ...pids.map(String)], {
      detached: true,
      stdio: 'ignore',
    });
    this.watchdog.unref();
  }

  private async waitFor(name: string, child: ChildProcess, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastErr = '';
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before becoming ready:\n${this.logTail(name)}`);
      }
      try {
        if (await probe()) return;
      } catch (e) {
        lastErr = String(e);
      }
      await sleep(200);
    }
    throw new Error(`${name} not ready after ${timeoutMs / 1000}s (${lastErr}):\n${this.logTail(name)}`);
  }

  /** The service-account signing key (what kube-controller-manager signs tokens with). */
  get serviceAccountKeyFile(): string {
    return path.join(this.tmpDir, 'sa.key');
  }

  /** The API server's self-signed serving certificate (a root CA file for controllers). */
  get servingCertFile(): string {
    return path.join(this.tmpDir, 'certs', 'apiserver.crt');
  }

  /** Process ids of etcd and kube-apiserver while they run (for resource measurements). */
  processIds(): { etcd?: number; apiserver?: number } {
    return { etcd: this.etcd?.pid, apiserver: this.apiserver?.pid };
  }

  logTail(name: 'etcd' | 'kube-apiserver' | string, lines = 40): string {
    try {
      const text = fs.readFileSync(path.join(this.tmpDir, `${name}.log`), 'utf8');
      return text.trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** An authenticated request to the API server. `body` objects are sent as JSON. */
  request(
    method: string,
    apiPath: string,
    body?: string | object,
    headers: Record<string, string> = {},
    timeoutMs = 60_000,
  ): Promise<HttpResponse> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const url = new URL(apiPath, this.server);
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            Authorization: `Bearer ${this.token}`,
            Accept: 'application/json',
            ...(payload !== undefined
              ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }
              : {}),
            ...headers,
          },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              warnings: parseWarningHeaders(res.rawHeaders),
              headers: res.headers,
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${apiPath}: timed out after ${timeoutMs}ms`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** A server-side apply dry run (strict field validation) of one object, at the path its kind and name give. */
  applyDryRun(object: any): Promise<HttpResponse> {
    return this.request('PATCH', `${objectPath(object)}?dryRun=All&fieldManager=conformance&fieldValidation=Strict`, JSON.stringify(object),
      { 'Content-Type': 'application/apply-patch+yaml' });
  }

  /** Runs the matching kubectl against this cluster. */
  kubectl(args: string[], input?: string): { status: number; stdout: string; stderr: string } {
    const r = spawnSync(this.tools.kubectl, ['--kubeconfig', this.kubeconfig, ...args], {
      encoding: 'utf8',
      input,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, KUBECONFIG: this.kubeconfig },
    });
    return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? `${r.error ?? ''}` };
  }

  /** Stops kube-apiserver, then etcd, and removes the temp dir. Safe to call more than once. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.agent.destroy();
    for (const child of [this.apiserver, this.etcd]) {
      if (!child || child.pid === undefined) continue;
      if (child.exitCode === null && child.signalCode === null) {
        signal(child.pid, 'SIGTERM');
        const exited = await waitExit(child, 10_000);
        if (!exited) {
          signal(child.pid, 'SIGKILL');
          await waitExit(child, 5_000);
        }
      }
    }
    this.watchdog?.kill('SIGKILL');
    this.cleanupDir();
    TestCluster.live.delete(this);
  }

  /** Synchronous last-resort teardown for exit/signal handlers. */
  private killNow(): void {
    for (const child of [this.apiserver, this.etcd]) {
      if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) signal(child.pid, 'SIGKILL');
    }
    this.watchdog?.kill('SIGKILL');
    this.cleanupDir();
    this.stopped = true;
    TestCluster.live.delete(this);
  }

  private cleanupDir(): void {
    if (this.keep) {
      this.log(`conformance: kept ${this.tmpDir}`);
      return;
    }
    try {
      fs.rmSync(this.tmpDir, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

function etcdSupports(etcd: string, flag: string): boolean {
  const r = spawnSync(etcd, ['--help'], { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`.includes(flag);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function plainGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Decodes `Warning: 299 - "message"` headers (one per raw header; quotes are backslash-escaped). */
export function parseWarningHeaders(rawHeaders: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() !== 'warning') continue;
    const value = rawHeaders[i + 1];
    const re = /\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"/g;
    let m: RegExpExecArray | null;
    let any = false;
    while ((m = re.exec(value))) {
      any = true;
      out.push(m[1].replace(/\\(.)/g, '$1'));
    }
    if (!any) out.push(value);
  }
  return out;
}
