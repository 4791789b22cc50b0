/**
 * An exposed agent end to end through a real reverse proxy: Debian's nginx (scripts/nginx.sh) configured from
 * the Ingress the library renders the way ingress-nginx turns its annotations into nginx settings
 * (proxy_read_timeout, proxy_send_timeout, proxy_buffering), in front of a real MCP Mesh 3.8.0 Python agent
 * registered with the real registry, and a tool call that takes longer than ingress-nginx's default 60 s.
 *
 * What it measured: the call comes back through the rendered Ingress, and also through an Ingress without
 * the annotations (ingress-nginx's defaults), because the runtime answers tools/call with a server-sent event
 * stream that sends a `: ping` comment every 15 s (no read gap reaches 60 s) and disables nginx's buffering
 * itself. So with this runtime the annotations are a safeguard (for runtimes that answer with plain JSON or
 * do not ping), not what keeps long calls alive; if a runtime release stops pinging, the defaults path of
 * this test fails and says so.
 *
 * Needs nginx (scripts/nginx.sh installs Debian's on first use, as root); CI fails without it, elsewhere the
 * suite is skipped.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import { AgentRuntime, McpMesh, NetworkPeer } from '../src';
import { PYTHON_RUNTIME_VERSION } from '../src/model/runtime';
import { McpClient } from './util/mcp-client';
import { ensurePythonRuntime } from './util/python-runtime';
import { reapDir, reapPid } from './util/reaper';
import { RunningRegistry, freePort, startRegistry } from './util/registry-process';
import { podEnv, spawnCaptured } from './util/pod-env';
import { container, find, synthApp } from './util/synth';

/** How long the tool takes: past ingress-nginx's 60 s default read timeout, within the capability's timeout. */
const CALL_SECONDS = 63;

const AGENT = `
import time
import mesh
from fastmcp import FastMCP

app = FastMCP("slow")


@app.tool()
@mesh.tool(capability="slow_report", version="1.0.0")
def report(seconds: int) -> dict:
    """Takes its time, like a tool that waits on an LLM."""
    time.sleep(seconds)
    return {"slept": seconds}


@mesh.agent(name="slow", version="1.0.0", description="Ingress timeout test agent", auto_run=True)
class SlowAgent:
    pass
`;

/** nginx, installed from Debian by scripts/nginx.sh on first use (as root); undefined where it cannot be. */
function nginxBinary(): string | undefined {
  try {
    const out = execFileSync('bash', [path.join(__dirname, '..', 'scripts', 'nginx.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10 * 60_000 });
    return out.trim().split('\n').pop() || undefined;
  } catch {
    return undefined;
  }
}

/** The mesh's objects: one exposed agent behind an ingress-nginx Ingress. */
function meshObjects(): any[] {
  const app = new App({ outdir: '/nonexistent' });
  new McpMesh(new Chart(app, 'c', { disableResourceNameHashes: true }), 'Mesh', {
    namespace: 'edge',
    security: { ingressController: NetworkPeer.podsInNamespace('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }) },
    agents: [{
      name: 'slow',
      runtime: AgentRuntime.python({ source: AGENT }),
      capabilities: [{ name: 'slow_report', timeout: Duration.seconds(90) }],
      expose: { host: 'slow.example.com', path: '/', ingressClassName: 'nginx' },
    }],
  });
  return synthApp(app);
}

/**
 * An nginx server for an Ingress rule, as ingress-nginx configures one: HTTP/1.1 to the upstream, its
 * annotations' timeouts and buffering, and its defaults otherwise (60 s read and send timeouts, buffering on).
 */
function nginxServer(ingress: any, listen: number, upstream: string): string {
  const a = ingress.metadata.annotations ?? {};
  const rule = ingress.spec.rules[0];
  const p = rule.http.paths[0];
  return `
    server {
      listen 127.0.0.1:${listen};
      server_name ${rule.host};
      location ${p.path} {
        proxy_pass ${upstream};
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_read_timeout ${a['nginx.ingress.kubernetes.io/proxy-read-timeout'] ?? 60}s;
        proxy_send_timeout ${a['nginx.ingress.kubernetes.io/proxy-send-timeout'] ?? 60}s;
        proxy_buffering ${a['nginx.ingress.kubernetes.io/proxy-buffering'] ?? 'on'};
      }
    }`;
}

const nginx = nginxBinary();
const suite = nginx === undefined ? describe.skip : describe;
if (nginx === undefined && process.env.CI === 'true') {
  test('nginx is installed (scripts/nginx.sh)', () => expect(nginx).toBeDefined());
}

suite('an exposed agent through a real nginx configured from its Ingress (real agent, real registry)', () => {
  const children: ChildProcess[] = [];
  let root: string;
  let registry: RunningRegistry;
  let agentUrl: string;
  const ports = { rendered: 0, defaults: 0 };

  beforeAll(async () => {
    const python = (await ensurePythonRuntime(PYTHON_RUNTIME_VERSION, { installTimeoutMs: 15 * 60_000 })).python;
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-ingress-'));
    reapDir(root);
    const registryPort = await freePort();
    registry = await startRegistry({ HOST: '127.0.0.1', PORT: String(registryPort), DATABASE_URL: path.join(root, 'registry.db') }, [], registryPort, root, { reap: true });

    // The agent with the env its pod would have; the pod network is loopback.
    const objects = meshObjects();
    const c = container(find(objects, 'Deployment', 'slow'));
    const agentPort = await freePort();
    const env = podEnv(c, { ip: '127.0.0.1', name: 'slow-0' }, { PATH: process.env.PATH ?? '', HOME: root });
    Object.assign(env, { HOST: '127.0.0.1', MCP_MESH_HTTP_HOST: '127.0.0.1', MCP_MESH_HTTP_PORT: String(agentPort), MCP_MESH_REGISTRY_URL: registry.baseUrl });
    const script = path.join(root, 'slow.py');
    fs.writeFileSync(script, AGENT);
    const { child: agent, output } = spawnCaptured(python, [script], { env, cwd: root });
    children.push(agent);
    agentUrl = `http://127.0.0.1:${agentPort}`;
    const deadline = Date.now() + 90_000;
    while (!(await fetch(`${agentUrl}/ready`).then((r) => r.status === 200, () => false))) {
      if (Date.now() > deadline || agent.exitCode !== null) throw new Error(`the agent never became ready:\n${output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    // Two nginx servers: the Ingress as rendered, and the same Ingress without its annotations.
    const ingress = find(objects, 'Ingress', 'slow');
    ports.rendered = await freePort();
    ports.defaults = await freePort();
    const conf = path.join(root, 'nginx.conf');
    fs.writeFileSync(conf, `
      daemon off;
      pid ${root}/nginx.pid;
      error_log ${root}/nginx-error.log warn;
      events {}
      http {
        access_log off;
        client_body_temp_path ${root}/body; proxy_temp_path ${root}/proxy;
        fastcgi_temp_path ${root}/fastcgi; uwsgi_temp_path ${root}/uwsgi; scgi_temp_path ${root}/scgi;
        ${nginxServer(ingress, ports.rendered, agentUrl)}
        ${nginxServer({ ...ingress, metadata: { ...ingress.metadata, annotations: {} } }, ports.defaults, agentUrl)}
      }`);
    const server = spawn(nginx!, ['-c', conf, '-p', root], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(server);
    reapPid(server.pid!, server);
    for (const port of [ports.rendered, ports.defaults]) {
      const until = Date.now() + 20_000;
      while (!(await fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.status === 200, () => false))) {
        if (Date.now() > until || server.exitCode !== null) throw new Error(`nginx never answered on ${port}: ${fs.existsSync(`${root}/nginx-error.log`) ? fs.readFileSync(`${root}/nginx-error.log`, 'utf8') : ''}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }, 20 * 60_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await registry?.stop();
  });

  /** A tools/call sent raw, with the time each chunk of the answer arrives. */
  async function rawCall(port: number): Promise<{ status: number; chunks: Array<{ at: number; text: string }>; seconds: number }> {
    const client = new McpClient(`http://127.0.0.1:${port}/mcp`);
    await client.initialize();
    const started = Date.now();
    const res = await fetch(`http://127.0.0.1:${port}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'report', arguments: { seconds: CALL_SECONDS } } }),
      signal: AbortSignal.timeout(120_000),
    });
    const chunks: Array<{ at: number; text: string }> = [];
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push({ at: (Date.now() - started) / 1000, text: decoder.decode(value) });
    }
    return { status: res.status, chunks, seconds: (Date.now() - started) / 1000 };
  }

  test(`a ${CALL_SECONDS} s tool call comes back through the rendered Ingress and through ingress-nginx's defaults: the runtime's event stream keeps the connection busy`, async () => {
    const [rendered, defaults] = await Promise.all([rawCall(ports.rendered), rawCall(ports.defaults)]);
    for (const r of [rendered, defaults]) {
      expect(r.status).toBe(200);
      expect(r.seconds).toBeGreaterThanOrEqual(CALL_SECONDS);
      expect(r.chunks.map((c) => c.text).join('')).toMatch(/"slept":\s*63/);
    }
    // Measured: the answer is a server-sent event stream that sends a ping while the tool runs, so no gap
    // between two reads reaches nginx's 60 s read timeout.
    const gaps = rendered.chunks.map((c, i) => c.at - (i === 0 ? 0 : rendered.chunks[i - 1].at));
    const shown = (r: typeof rendered) => r.chunks.map((c) => `${c.at.toFixed(1)}s ${JSON.stringify(c.text.slice(0, 24))}`).join(', ');
    process.stderr.write(`ingress e2e: rendered Ingress: ${shown(rendered)}\ningress e2e: ingress-nginx defaults: ${shown(defaults)}\n`);
    expect(Math.max(...gaps)).toBeLessThan(60);
  }, 180_000);
});
