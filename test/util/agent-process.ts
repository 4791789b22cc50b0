/**
 * Runs a synthesized agent Deployment as a real process on this machine, the way a kubelet would run one of
 * its pods, on loopback.
 *
 * What is taken from the manifest as it is: the command (the image's entrypoint `python`, here the venv's
 * python, since the stock runtime image sets no command of its own) and the container args, every env var,
 * the probes, the preStop pause and the grace period. valueFrom is resolved the way the kubelet resolves it
 * (fieldRef metadata.name → a pod name `<deployment>-<template hash>-<suffix>`, metadata.namespace → the
 * namespace, status.podIP → 127.0.0.1), and `$(VAR)` references are expanded as the kubelet expands them.
 * Volumes are materialized in a temp "pod" dir: a ConfigMap volume
 * becomes its keys as files, an emptyDir an empty dir, and every arg or env value that names a path under a
 * mount is pointed at the materialized copy.
 *
 * What is rewritten, and only because loopback lacks what a pod network provides (each pod has its own IP,
 * and a Service gives a stable name and port):
 *
 *   manifest                                   loopback                     why
 *   HOST=0.0.0.0                               127.0.0.1                    bind on loopback only
 *   MCP_MESH_HTTP_PORT=<containerPort>         a free port P per process    pods share no port space here
 *     (and the named probe port it stands for)   (probes go to P)
 *   MCP_MESH_HTTP_HOST=<svc>.<ns>.svc.<domain> 127.0.0.1                    so the Service <svc>:<port> is
 *                                                                           reached at 127.0.0.1:P
 *   MCP_MESH_REGISTRY_URL=http://<registry svc> the loopback registry       same reason, for the registry
 *
 * `planPod` returns the list of rewrites so that a test can assert that nothing else was changed.
 */
import { ChildProcess, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { reapGroup } from './reaper';
import { expandKubeletVars } from './registry-process';
import { K8sObject } from './synth';

export type ProbeKind = 'startupProbe' | 'livenessProbe' | 'readinessProbe';
export const PROBE_KINDS: ProbeKind[] = ['startupProbe', 'livenessProbe', 'readinessProbe'];

export interface Rewrite {
  /** `env:NAME`, `arg[i]` or `port:NAME`. */
  readonly what: string;
  readonly manifest: string;
  readonly loopback: string;
  readonly why: string;
}

export interface PodPlan {
  readonly deployment: K8sObject;
  readonly container: Record<string, any>;
  readonly podName: string;
  /** The temp dir standing for the pod's filesystem: volumes/<name>/ and the working directory. */
  readonly podDir: string;
  readonly command: string[];
  readonly env: Record<string, string>;
  /** The loopback port P that stands for the container port named `http` (and for the Service). */
  readonly port: number;
  readonly rewrites: Rewrite[];
  /** mountPath → materialized dir. */
  readonly mounts: Record<string, string>;
}

export interface PlanOptions {
  /** All synthesized objects (ConfigMaps for volumes, the Service the agent advertises). */
  objects: K8sObject[];
  deployment: K8sObject;
  /** The venv interpreter standing for the image's `python` entrypoint. */
  python: string;
  /** What the manifest says the registry is (`McpRegistry.url`), and where it runs on loopback. */
  registry: { inClusterUrl: string; loopbackUrl: string };
  /** A fresh, empty directory for this pod. */
  podDir: string;
  port: number;
  /** Which replica (for a stable pod name suffix). */
  replica?: number;
}

/** Kubernetes' alphabet for generated name parts (no vowels, no 0/1/3). */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** `<deployment>-<hash>-<suffix>` like a ReplicaSet's pod, stable for the same template and replica. */
export function podNameFor(deployment: K8sObject, replica: number): string {
  // The pod-template-hash is fnv32a of the template, written in SAFE (kubernetes' ComputeHash + SafeEncodeString).
  let h = 0x811c9dc5;
  for (const b of Buffer.from(JSON.stringify(deployment.spec.template))) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  const hash = [...String(h)].map((c) => SAFE[c.charCodeAt(0) % SAFE.length]).join('');
  const digest = crypto.createHash('sha256').update(`${deployment.metadata.name}/${hash}/${replica}`).digest();
  const suffix = [...digest.subarray(0, 5)].map((b) => SAFE[b % SAFE.length]).join('');
  return `${deployment.metadata.name}-${hash}-${suffix}`;
}

function unsupported(deployment: K8sObject, what: string): Error {
  return new Error(`deployment ${deployment.metadata.name}: ${what} is not modelled by test/util/agent-process.ts; extend it rather than skip it`);
}

function materializeVolumes(o: PlanOptions, container: Record<string, any>): Record<string, string> {
  const { deployment, objects } = o;
  const volumes: any[] = deployment.spec.template.spec.volumes ?? [];
  const mounts: Record<string, string> = {};
  for (const mount of container.volumeMounts ?? []) {
    if (mount.subPath || mount.subPathExpr) throw unsupported(deployment, `subPath on mount ${mount.name}`);
    const volume = volumes.find((v) => v.name === mount.name);
    if (volume === undefined) throw new Error(`deployment ${deployment.metadata.name}: mount ${mount.name} has no volume`);
    const dir = path.join(o.podDir, 'volumes', mount.name);
    fs.mkdirSync(dir, { recursive: true });
    if (volume.configMap) {
      const cm = objects.find((x) => x.kind === 'ConfigMap' && x.metadata.name === volume.configMap.name
        && (x.metadata.namespace ?? deployment.metadata.namespace) === deployment.metadata.namespace);
      if (cm === undefined) throw new Error(`deployment ${deployment.metadata.name}: ConfigMap ${volume.configMap.name} is not in the synthesized output`);
      const data: Record<string, Buffer> = {
        ...Object.fromEntries(Object.entries(cm.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v))])),
        ...Object.fromEntries(Object.entries(cm.binaryData ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64')])),
      };
      const items: { key: string; path: string; mode?: number }[] = volume.configMap.items ?? Object.keys(data).map((key) => ({ key, path: key }));
      for (const item of items) {
        if (!(item.key in data)) throw new Error(`ConfigMap ${cm.metadata.name} has no key ${item.key}`);
        const file = path.join(dir, item.path);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, data[item.key], { mode: item.mode ?? volume.configMap.defaultMode ?? 0o644 });
      }
    } else if (!volume.emptyDir) {
      throw unsupported(deployment, `volume ${mount.name} (${Object.keys(volume).filter((k) => k !== 'name').join(', ')})`);
    }
    mounts[mount.mountPath] = dir;
  }
  return mounts;
}

/** A path under a mount, pointed at the materialized dir; anything else unchanged. */
function underMount(value: string, mounts: Record<string, string>): string {
  const longestFirst = Object.keys(mounts).sort((a, b) => b.length - a.length);
  for (const mp of longestFirst) {
    if (value === mp) return mounts[mp];
    if (value.startsWith(`${mp.replace(/\/$/, '')}/`)) return path.join(mounts[mp], value.slice(mp.replace(/\/$/, '').length + 1));
  }
  return value;
}

/** Works out command, args, env and files for one pod of `deployment` on loopback. Creates the pod dir's volumes. */
export function planPod(o: PlanOptions): PodPlan {
  const { deployment, objects } = o;
  const podSpec = deployment.spec.template.spec;
  if (podSpec.containers.length !== 1 || podSpec.initContainers?.length) throw unsupported(deployment, 'more than one container');
  const container = podSpec.containers[0];
  if (container.envFrom?.length) throw unsupported(deployment, 'envFrom');
  const httpPort = (container.ports ?? []).find((p: any) => p.name === 'http');
  if (httpPort === undefined) throw new Error(`deployment ${deployment.metadata.name}: no container port named http`);
  const podName = podNameFor(deployment, o.replica ?? 0);
  const namespace = deployment.metadata.namespace ?? 'default';
  const rewrites: Rewrite[] = [];

  const mounts = materializeVolumes(o, container);

  // The stock runtime image: python:3.11-slim + `pip install mcp-mesh==<v>`, ENTRYPOINT ["python"], no CMD.
  if (container.command !== undefined) throw unsupported(deployment, `command ${JSON.stringify(container.command)}`);
  if (!/^mcpmesh\/python-runtime:/.test(container.image)) throw unsupported(deployment, `image ${container.image} (only the stock mcpmesh/python-runtime image)`);
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    let value: string;
    if (e.valueFrom?.fieldRef) {
      const field = e.valueFrom.fieldRef.fieldPath;
      const resolved: Record<string, string> = { 'metadata.name': podName, 'metadata.namespace': namespace, 'status.podIP': '127.0.0.1' };
      if (!(field in resolved)) throw unsupported(deployment, `env ${e.name} fieldRef ${field}`);
      value = resolved[field];
    } else if (e.valueFrom) {
      throw unsupported(deployment, `env ${e.name} valueFrom ${Object.keys(e.valueFrom).join(', ')}`);
    } else {
      value = expandKubeletVars(String(e.value ?? ''), env); // $(VAR) against the variables defined before it
    }
    env[e.name] = value;
  }
  // Args are $(VAR)-expanded against the whole container env, as the kubelet does (before any loopback rewrite).
  const args: string[] = (container.args ?? []).map((manifestArg: string, i: number) => {
    const arg = expandKubeletVars(manifestArg, env);
    const mapped = underMount(arg, mounts);
    if (mapped !== arg) rewrites.push({ what: `arg[${i}]`, manifest: arg, loopback: mapped, why: 'path under a materialized volume' });
    return mapped;
  });

  const rewrite = (name: string, loopback: string, why: string) => {
    rewrites.push({ what: `env:${name}`, manifest: env[name], loopback, why });
    env[name] = loopback;
  };
  // The pod network rewrites (see the table at the top).
  if (env.HOST !== '0.0.0.0') throw new Error(`deployment ${deployment.metadata.name}: HOST is ${env.HOST}, expected 0.0.0.0`);
  rewrite('HOST', '127.0.0.1', 'bind on loopback only');
  if (env.MCP_MESH_HTTP_PORT !== String(httpPort.containerPort)) {
    throw new Error(`deployment ${deployment.metadata.name}: MCP_MESH_HTTP_PORT ${env.MCP_MESH_HTTP_PORT} is not the containerPort ${httpPort.containerPort}`);
  }
  rewrite('MCP_MESH_HTTP_PORT', String(o.port), 'one free port per process: pods share no port space on loopback');
  rewrites.push({ what: 'port:http', manifest: String(httpPort.containerPort), loopback: String(o.port), why: 'the probes name this port' });
  const advertised = (container.env ?? []).find((e: any) => e.name === 'MCP_MESH_HTTP_HOST');
  if (advertised?.valueFrom === undefined) {
    // AdvertiseMode.SERVICE: the Service FQDN, and that Service must select this pod and forward to its http port.
    const service = serviceFor(objects, deployment, env.MCP_MESH_HTTP_HOST, httpPort);
    rewrite('MCP_MESH_HTTP_HOST', '127.0.0.1', `the Service ${service} is reached at 127.0.0.1:${o.port}`);
  } // AdvertiseMode.POD_IP: status.podIP, already resolved to 127.0.0.1 above.
  if (env.MCP_MESH_REGISTRY_URL !== o.registry.inClusterUrl) {
    throw new Error(`deployment ${deployment.metadata.name}: MCP_MESH_REGISTRY_URL ${env.MCP_MESH_REGISTRY_URL} is not the registry's ${o.registry.inClusterUrl}`);
  }
  rewrite('MCP_MESH_REGISTRY_URL', o.registry.loopbackUrl, 'the registry Service, on loopback');
  for (const [name, value] of Object.entries(env)) {
    const mapped = underMount(value, mounts);
    if (mapped !== value) rewrite(name, mapped, 'path under a materialized volume');
  }

  return { deployment, container, podName, podDir: o.podDir, command: [o.python, ...args], env, port: o.port, rewrites, mounts };
}

/** Checks that `fqdn` is `<svc>.<namespace>.svc.<domain>` of a Service that selects the pod and forwards its port to `http`. */
function serviceFor(objects: K8sObject[], deployment: K8sObject, fqdn: string, httpPort: any): string {
  const [svcName, ns, svc] = fqdn.split('.');
  const service = objects.find((x) => x.kind === 'Service' && x.metadata.name === svcName && x.metadata.namespace === ns);
  if (svc !== 'svc' || service === undefined) throw new Error(`deployment ${deployment.metadata.name}: MCP_MESH_HTTP_HOST ${fqdn} is not a synthesized Service`);
  const labels = deployment.spec.template.metadata.labels ?? {};
  if (!Object.entries(service.spec.selector ?? {}).every(([k, v]) => labels[k] === v)) {
    throw new Error(`Service ${svcName} does not select the pods of ${deployment.metadata.name}`);
  }
  const port = (service.spec.ports ?? []).find((p: any) => p.targetPort === httpPort.name || p.targetPort === httpPort.containerPort);
  if (port === undefined || port.port !== httpPort.containerPort) {
    throw new Error(`Service ${svcName} has no port ${httpPort.containerPort} forwarding to the container port ${httpPort.name}`);
  }
  return `${fqdn}:${port.port}`;
}

export interface ExitInfo { code: number | null; signal: NodeJS.Signals | null; at: number }

export interface ProbeResult { status: number; ms: number }

/** A running pod process. */
export class AgentProcess {
  readonly child: ChildProcess;
  readonly spawnedAt: number;
  readonly exited: Promise<ExitInfo>;
  exit?: ExitInfo;
  private out = '';

  private constructor(readonly plan: PodPlan) {
    fs.mkdirSync(path.join(plan.podDir, 'work'), { recursive: true });
    this.spawnedAt = Date.now();
    // The image's env under the manifest's (the container env wins, as in a pod). HOME is the image user's
    // home, which does not exist in the image either.
    const imageEnv = { PATH: `${path.dirname(plan.command[0])}:/usr/bin:/bin`, LANG: 'C.UTF-8', HOME: path.join(plan.podDir, 'home', 'mcp-mesh') };
    // Detached: the pod's own process group, so that the whole group can be killed (see reaper.ts).
    this.child = spawn(plan.command[0], plan.command.slice(1), {
      env: { ...imageEnv, ...plan.env }, cwd: path.join(plan.podDir, 'work'), stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    reapGroup(this.child);
    const log = fs.createWriteStream(path.join(plan.podDir, 'output.log'));
    const collect = (d: Buffer) => { this.out += d; log.write(d); };
    this.child.stdout!.on('data', collect);
    this.child.stderr!.on('data', collect);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal, at: Date.now() };
        log.end();
        resolve(this.exit);
      });
    });
  }

  static start(plan: PodPlan): AgentProcess {
    return new AgentProcess(plan);
  }

  get name(): string { return this.plan.deployment.metadata.name; }
  get baseUrl(): string { return `http://127.0.0.1:${this.plan.port}`; }
  /** Everything the process printed so far. */
  output(): string { return this.out; }
  /** Everything printed so far, without the ANSI colours the runtime's Rust core uses even when not on a TTY. */
  plainOutput(): string {
    // eslint-disable-next-line no-control-regex
    return this.out.replace(/\x1b\[[0-9;]*m/g, '');
  }
  /** The last lines of the output, for error messages. */
  tail(lines = 40): string {
    return this.plainOutput().split('\n').slice(-lines).join('\n');
  }

  /** One kubelet-style HTTP probe: GET path on the mapped named port, bounded by timeoutSeconds. */
  async probe(kind: ProbeKind): Promise<ProbeResult> {
    const p = this.plan.container[kind];
    if (p?.httpGet === undefined) throw new Error(`${this.name}: ${kind} is not an httpGet probe`);
    const named = (this.plan.container.ports ?? []).find((x: any) => x.name === p.httpGet.port || x.containerPort === p.httpGet.port);
    if (named === undefined) throw new Error(`${this.name}: ${kind} names port ${p.httpGet.port}, which the container does not have`);
    if (named.name !== 'http') throw new Error(`${this.name}: ${kind} probes port ${named.name}, which is not mapped to loopback`);
    const started = Date.now();
    const res = await fetch(`${this.baseUrl}${p.httpGet.path}`, { signal: AbortSignal.timeout((p.timeoutSeconds ?? 1) * 1000) });
    await res.arrayBuffer();
    return { status: res.status, ms: Date.now() - started };
  }

  /**
   * Polls a probe until it succeeds (200-399) and returns the seconds since spawn. Polls every 100 ms to
   * measure (the kubelet polls every periodSeconds, which only rounds the time up). Fails after `withinMs`.
   */
  async waitFor(kind: ProbeKind, withinMs: number): Promise<number> {
    const deadline = this.spawnedAt + withinMs;
    let last = 'no answer yet';
    for (;;) {
      if (this.exit !== undefined) throw new Error(`${this.name} exited (${this.exit.code ?? this.exit.signal}) before its ${kind} succeeded:\n${this.tail()}`);
      try {
        const r = await this.probe(kind);
        if (r.status >= 200 && r.status < 400) return (Date.now() - this.spawnedAt) / 1000;
        last = `HTTP ${r.status}`;
      } catch (e) {
        last = String((e as Error).cause ?? e);
      }
      if (Date.now() > deadline) throw new Error(`${this.name}: ${kind} did not succeed within ${withinMs / 1000} s (last: ${last}):\n${this.tail()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Sends a signal to the container's main process, as the container runtime does (not to the group). */
  signal(sig: NodeJS.Signals): void {
    if (this.exit === undefined) this.child.kill(sig);
  }

  /** Teardown: SIGTERM, then SIGKILL to the whole group after `graceMs`. Always resolves. */
  async stop(graceMs = 5000): Promise<ExitInfo> {
    if (this.exit !== undefined) return this.exit;
    try { this.thaw(); } catch { /* gone */ } // a frozen process would not act on SIGTERM
    this.signal('SIGTERM');
    const timer = setTimeout(() => { try { process.kill(-this.child.pid!, 'SIGKILL'); } catch { /* gone */ } }, graceMs);
    const info = await this.exited;
    clearTimeout(timer);
    return info;
  }

  /** SIGKILL to the whole group: the container is killed outright (OOM kill, node lost). */
  kill(): void { process.kill(-this.child.pid!, 'SIGKILL'); }

  /** Freezes / resumes the whole pod (SIGSTOP / SIGCONT to its group): a dependency that has become slow. */
  freeze(): void { process.kill(-this.child.pid!, 'SIGSTOP'); }
  thaw(): void { process.kill(-this.child.pid!, 'SIGCONT'); }
}

/** True when a new TCP connection to 127.0.0.1:port is refused (nothing listens). */
export function connectionRefused(port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (refused: boolean) => { socket.destroy(); resolve(refused); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(false));
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED'));
  });
}
