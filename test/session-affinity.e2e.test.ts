/**
 * A runtime fact the library depends on, measured with real processes: MCP Mesh 3.8.0 (from PyPI) routes no
 * sessions in its default startup. Its session routing (a replica that does not own a session forwards its
 * calls to the owner's POD_IP, recorded in Redis) lives in a middleware that only the HttpMcpWrapper fallback
 * path installs; `@mesh.agent(auto_run=True)` mounts the FastMCP app it created itself, without it. So two
 * replicas of one agent, each "pod" on its own loopback address (127.0.0.2, 127.0.0.3) with the same port, with
 * REDIS_URL pointing at a real Redis (Debian's redis-server), MCP_MESH_SESSION_TTL and POD_IP set, still serve
 * one session each by itself, and write nothing to Redis. This is why the library offers no session-affinity
 * option (it would render settings and NetworkPolicies that do nothing); when a runtime release routes
 * sessions, this test fails and says so.
 *
 * Needs redis-server (scripts/redis.sh); CI fails without it, elsewhere the suite is skipped.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { AdvertiseMode, AgentRuntime, McpMesh } from '../src';
import { PYTHON_RUNTIME_VERSION } from '../src/model/runtime';
import { McpClient } from './util/mcp-client';
import { ensurePythonRuntime } from './util/python-runtime';
import { reapDir, reapPid } from './util/reaper';
import { RunningRegistry, freePort, startRegistry } from './util/registry-process';
import { podEnv, spawnCaptured } from './util/pod-env';
import { container, find, synthApp } from './util/synth';

const AGENT = `
import os
import mesh
from fastmcp import FastMCP

app = FastMCP("chat")


@app.tool()
@mesh.tool(capability="chat", version="1.0.0")
def whoami(session_id: str) -> dict:
    """Which replica serves this session."""
    return {"pod_ip": os.environ.get("POD_IP"), "session_id": session_id}


@mesh.agent(name="chat", version="1.0.0", description="Session affinity test agent", auto_run=True)
class ChatAgent:
    pass
`;

function which(tool: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The chat agent's Deployment, as the library renders it (pod-IP advertising, two replicas). */
function chatDeployment(): any {
  const app = new App({ outdir: '/nonexistent' });
  new McpMesh(new Chart(app, 'c', { disableResourceNameHashes: true }), 'Mesh', {
    namespace: 'chat',
    agents: [{ name: 'chat', replicas: 2, advertise: AdvertiseMode.POD_IP, runtime: AgentRuntime.python({ source: AGENT }), capabilities: [{ name: 'chat' }] }],
  });
  return find(synthApp(app), 'Deployment', 'chat');
}

/** A free TCP port on both addresses (the replicas share one port number, as pods do). */
async function sharedPort(hosts: string[]): Promise<number> {
  for (;;) {
    const port = await freePort();
    const ok = await Promise.all(hosts.map((host) => new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, host, () => server.close(() => resolve(true)));
    })));
    if (ok.every(Boolean)) return port;
  }
}

const redisServer = which('redis-server');
const suite = redisServer === undefined ? describe.skip : describe;
if (redisServer === undefined && process.env.CI === 'true') {
  test('redis-server is installed (scripts/redis.sh)', () => expect(redisServer).toBeDefined());
}

suite('MCP Mesh 3.8.0 routes no sessions in its default startup (two real replicas, Redis, the real registry)', () => {
  const replicas = ['127.0.0.2', '127.0.0.3'];
  const children: ChildProcess[] = [];
  let root: string;
  let registry: RunningRegistry;
  let redisPort: number;
  let python: string;

  beforeAll(async () => {
    python = (await ensurePythonRuntime(PYTHON_RUNTIME_VERSION, { installTimeoutMs: 15 * 60_000 })).python;
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-session-'));
    reapDir(root);
    redisPort = await freePort();
    const redis = spawn(redisServer!, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    children.push(redis);
    reapPid(redis.pid!, redis);
    const registryPort = await freePort();
    registry = await startRegistry({ HOST: '127.0.0.1', PORT: String(registryPort), DATABASE_URL: path.join(root, 'registry.db') }, [], registryPort, root, { reap: true });
    for (let i = 0; i < 50 && !(await redisUp()); i++) await new Promise((r) => setTimeout(r, 100));
  }, 20 * 60_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await registry?.stop();
  });

  async function redisUp(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = net.connect(redisPort, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  }

  /** Starts the Deployment's two replicas, each with the manifest's env as its pod would see it. */
  async function startReplicas(deployment: any, label: string): Promise<Array<{ ip: string; url: string }>> {
    const c = container(deployment);
    const port = await sharedPort(replicas);
    const script = path.join(root, `${label}.py`);
    fs.writeFileSync(script, AGENT);
    const started = replicas.map((ip, i) => {
      const env = podEnv(c, { ip, name: `chat-${label}-${i}` }, { PATH: process.env.PATH ?? '', HOME: root });
      // The settings the runtime documents for session routing.
      Object.assign(env, { REDIS_URL: `redis://127.0.0.1:${redisPort}`, MCP_MESH_SESSION_TTL: '600' });
      // What the pod network provides: the pod's own address, the same container port, the registry on loopback.
      Object.assign(env, { HOST: ip, MCP_MESH_HTTP_PORT: String(port), MCP_MESH_REGISTRY_URL: registry.baseUrl });
      const { child, output } = spawnCaptured(python, [script], { env, cwd: root });
      children.push(child);
      return { ip, url: `http://${ip}:${port}`, output, child };
    });
    for (const r of started) {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const ok = await fetch(`${r.url}/ready`).then((res) => res.status === 200, () => false);
        if (ok) break;
        if (Date.now() > deadline || r.child.exitCode !== null) throw new Error(`replica ${r.ip} never became ready:\n${r.output().slice(-3000)}`);
        await new Promise((res) => setTimeout(res, 200));
      }
    }
    return started;
  }

  async function whoami(url: string, session: string): Promise<string> {
    const client = new McpClient(`${url}/mcp`);
    await client.initialize();
    const result = await client.callTool('whoami', { session_id: session });
    expect(result.isError).toBe(false);
    return result.structuredContent?.result?.pod_ip ?? result.structuredContent?.pod_ip ?? JSON.parse(result.content[0].text!).pod_ip;
  }

  test('each replica serves the same session itself, and nothing is recorded in Redis', async () => {
    const [a, b] = await startReplicas(chatDeployment(), 'sessions');
    expect(await whoami(a.url, 'session-1')).toBe(a.ip);
    // Were sessions routed, b would forward this call to a (the session's owner).
    expect(await whoami(b.url, 'session-1')).toBe(b.ip);
    expect(execFileSync('redis-cli', ['-p', String(redisPort), 'KEYS', 'session:*'], { encoding: 'utf8' }).trim()).toBe('');
    // Redis was up at the URL the replicas were given: the missing keys are not a Redis that was down.
    expect(execFileSync('redis-cli', ['-p', String(redisPort), 'PING'], { encoding: 'utf8' }).trim()).toBe('PONG');
    for (const r of [a, b]) (r as any).child.kill('SIGTERM');
  }, 120_000);
});
