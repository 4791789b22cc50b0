import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { reapPid } from './reaper';
import type { K8sObject } from './synth';

/** The real MCP Mesh registry binary from the `@mcpmesh/cli-linux-x64` package. */
export const REGISTRY_BINARY = path.join(path.dirname(require.resolve('@mcpmesh/cli-linux-x64/package.json')), 'bin', 'mcp-mesh-registry');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningRegistry {
  /** The process id. */
  readonly pid: number;
  readonly port: number;
  readonly baseUrl: string;
  readonly dataDir: string;
  /** Everything the process printed so far. */
  output(): string;
  /** The exit code once the process has exited (null when a signal ended it), undefined while it runs. */
  exitCode(): number | null | undefined;
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  /**
   * Also hand the process to the reaper (test/util/reaper.ts), which kills it if the test process dies
   * without running afterAll (a killed jest); `process.on('exit')` alone may not fire inside jest.
   * @default false
   */
  readonly reap?: boolean;
  /**
   * The status of a plain-HTTP `GET /health` that means "up". A registry serving TLS answers a plain request
   * with 400, which is how its start is seen.
   * @default 200
   */
  readonly healthStatus?: number;
}

const running = new Set<ChildProcess>();
process.on('exit', () => running.forEach((p) => p.kill('SIGKILL')));

/**
 * Starts the registry on 127.0.0.1 with the given env and args, and waits until `/health` answers.
 * Only loopback is ever used.
 */
export async function startRegistry(env: Record<string, string>, args: string[], port: number, dataDir?: string, options: StartRegistryOptions = {}): Promise<RunningRegistry> {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-registry-'));
  const child = spawn(REGISTRY_BINARY, args, { env: { PATH: process.env.PATH ?? '', ...env }, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  if (options.reap) reapPid(child.pid!, child);
  let output = '';
  child.stdout!.on('data', (d) => { output += d; });
  child.stderr!.on('data', (d) => { output += d; });
  let exited: number | null | undefined;
  child.on('exit', (code) => { exited = code; running.delete(child); });
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (exited !== undefined) return;
    const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 15000;
  for (;;) {
    if (exited !== undefined) throw new Error(`registry exited with ${exited} before it was healthy:\n${output}`);
    try {
      const res = await fetch(`${baseUrl}/health`);
      if (res.status === (options.healthStatus ?? 200)) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`registry did not answer /health within 15 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { pid: child.pid!, port, baseUrl, dataDir: dir, output: () => output, exitCode: () => exited, stop };
}

/** Container args with the value after each named flag replaced, e.g. `{ '--port': '1234' }`. */
export function rewriteArgs(args: string[], values: Record<string, string>): string[] {
  return args.map((arg, i) => (i > 0 && values[args[i - 1]] !== undefined ? values[args[i - 1]] : arg));
}

/**
 * Kubernetes' `$(VAR)` expansion of an env value or arg, as the kubelet does it
 * (k8s.io/kubernetes third_party/forked/golang/expansion): `$(NAME)` becomes the value of NAME when NAME is
 * in `defined`, and stays `$(NAME)` literally when it is not; `$$` is an escaped `$`; any other `$`, and an
 * unterminated `$(`, stay as they are. One pass: substituted values are not expanded again.
 */
export function expandKubeletVars(input: string, defined: Record<string, string>): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let advance = 1;
    if (rest[0] === '$') {
      out += '$';
    } else if (rest[0] === '(') {
      const close = rest.indexOf(')', 1);
      if (close === -1) {
        out += '$(';
      } else {
        const name = rest.slice(1, close);
        out += Object.prototype.hasOwnProperty.call(defined, name) ? defined[name] : `$(${name})`;
        advance = close + 1;
      }
    } else {
      out += `$${rest[0]}`;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/**
 * A container's environment as the kubelet builds it, in order: `value` is `$(VAR)`-expanded against the
 * variables defined before it (service link variables are not modelled: the mapping holds the container's
 * own earlier variables only); `secretKeyRef` and `configMapKeyRef` are read from the given objects (Secret
 * `data` is base64, `stringData` plain) and never expanded. A missing Secret or key fails, as it keeps the
 * kubelet from starting the container, unless the reference is `optional`. Anything else fails loudly.
 */
export function resolveContainerEnv(container: Record<string, any>, objects: K8sObject[], namespace: string): Record<string, string> {
  if (container.envFrom?.length) throw new Error(`container ${container.name}: envFrom is not modelled by resolveContainerEnv`);
  const env: Record<string, string> = {};
  const lookup = (kind: 'Secret' | 'ConfigMap', ref: { name: string; key: string; optional?: boolean }, envName: string): string | undefined => {
    const obj = objects.find((o) => o.kind === kind && o.metadata.name === ref.name && (o.metadata.namespace ?? namespace) === namespace);
    const data: Record<string, string> = kind === 'Secret'
      ? { ...Object.fromEntries(Object.entries(obj?.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString('utf8')])), ...(obj?.stringData ?? {}) }
      : { ...(obj?.data ?? {}) };
    if (obj !== undefined && ref.key in data) return data[ref.key];
    if (ref.optional) return undefined;
    throw new Error(`env ${envName}: ${kind} ${namespace}/${ref.name}${obj === undefined ? ' does not exist' : ` has no key ${ref.key}`} (the kubelet would not start the container)`);
  };
  for (const e of container.env ?? []) {
    let value: string | undefined;
    if (e.valueFrom?.secretKeyRef) {
      value = lookup('Secret', e.valueFrom.secretKeyRef, e.name);
    } else if (e.valueFrom?.configMapKeyRef) {
      value = lookup('ConfigMap', e.valueFrom.configMapKeyRef, e.name);
    } else if (e.valueFrom) {
      throw new Error(`env ${e.name}: valueFrom ${Object.keys(e.valueFrom).join(', ')} is not modelled by resolveContainerEnv`);
    } else {
      value = expandKubeletVars(String(e.value ?? ''), env);
    }
    if (value !== undefined) env[e.name] = value;
  }
  return env;
}

/**
 * The `POST /heartbeat` body a runtime sends for a synthesized agent Deployment: identity and address from
 * its env, capabilities and dependencies from its agent-config.yaml ConfigMap; the agent id is a pod name
 * `<deployment>-<podSuffix>` (MCP_MESH_AGENT_ID is the pod name).
 */
export function heartbeatFor(objects: K8sObject[], deployment: K8sObject, podSuffix: string): Record<string, any> {
  const c = deployment.spec.template.spec.containers[0];
  const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
  const configMapName = deployment.spec.template.spec.volumes.find((v: any) => v.name === 'config').configMap.name;
  const config = parse(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === configMapName)!.data['agent-config.yaml']);
  const dependencies = (config.dependencies ?? []).map((d: any) => ({ capability: d.capability }));
  const tools = (config.capabilities ?? []).map((cap: any, i: number) => ({
    function_name: cap.capability, capability: cap.capability, version: cap.version, tags: cap.tags, kwargs: { timeout: cap.timeout },
    ...(i === 0 && dependencies.length > 0 ? { dependencies } : {}),
  }));
  if (tools.length === 0 && dependencies.length > 0) tools.push({ function_name: 'consumer', capability: 'consumer', dependencies });
  return {
    agent_id: `${deployment.metadata.name}-${podSuffix}`,
    name: env.MCP_MESH_AGENT_NAME,
    agent_type: 'mcp_agent',
    version: '1.0.0',
    http_host: env.MCP_MESH_HTTP_HOST,
    http_port: Number(env.MCP_MESH_HTTP_PORT),
    runtime: 'python',
    tools,
  };
}
