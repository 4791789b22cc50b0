/**
 * The registry's own TLS, measured with the real binary (@mcpmesh/cli-linux-x64 3.7.1) and certificates this
 * test issues with openssl (a CA, the registry's server certificate, an agent's client certificate, and a
 * stranger's self-signed one). These are the runtime facts a native-mTLS option has to fit:
 *
 * - `strict` requires a trusted client certificate on every path, `/health` too: a kubelet HTTPS probe (which
 *   presents none) gets 403, so probes under strict TLS cannot be httpGet probes.
 * - `auto` serves TLS, takes requests without a client certificate, and refuses an untrusted one.
 * - Trust comes from a backend: without one (`MCP_MESH_TRUST_BACKEND` unset) even a certificate from the right
 *   CA is refused; `filestore` trusts the CA certificates in `MCP_MESH_TRUST_DIR`.
 * - A plain-HTTP request to the TLS port gets 400; the admin API (`MCP_MESH_ADMIN_PORT`) stays plain HTTP.
 * - A real MCP Mesh 3.8.0 Python agent with `MCP_MESH_TLS_MODE=strict` and its certificate files registers
 *   with a strict registry over mTLS and serves MCP over TLS to a caller with a trusted certificate; its own
 *   server completes no TLS handshake without a client certificate (in `auto` mode too), so kubelet HTTPS
 *   probes fail on agents whatever the mode.
 *
 * Needs openssl (Debian's base system has it); skipped without it outside CI.
 */
import { ChildProcess, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as https from 'https';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { AgentRuntime, McpMesh } from '../src';
import { PYTHON_RUNTIME_VERSION } from '../src/model/runtime';
import { TLS_DIR, TRUST_DIR } from '../src/resolve/resolve-tls';
import { container, find, synthApp } from './util/synth';
import { podEnv, spawnCaptured } from './util/pod-env';
import { ensurePythonRuntime } from './util/python-runtime';
import { RunningRegistry, freePort, resolveContainerEnv, startRegistry } from './util/registry-process';
import { reapDir } from './util/reaper';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-registry-tls-'));
reapDir(dir);
const file = (name: string) => path.join(dir, name);

/** A CA, a server certificate for 127.0.0.1 and a client certificate signed by it, and a stranger's self-signed certificate. */
function issueCertificates(): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=mesh-test-ca');
  for (const [name, san] of [['registry', 'DNS:localhost,IP:127.0.0.1'], ['agent', 'DNS:weather,IP:127.0.0.1']]) {
    fs.writeFileSync(file(`${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=serverAuth,clientAuth\n`);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`);
  }
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'stranger.key', '-out', 'stranger.crt', '-days', '1', '-subj', '/CN=stranger');
  fs.mkdirSync(file('trust'));
  fs.copyFileSync(file('ca.crt'), file('trust/ca.pem'));
}

/** A request over TLS, trusting the test CA, with the named client certificate or none: status and body. */
function request(port: number, pathname: string, client?: 'agent' | 'registry' | 'stranger', body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, path: pathname, method: body === undefined ? 'GET' : 'POST', ca: fs.readFileSync(file('ca.crt')),
      headers: body === undefined ? {} : { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      ...(client !== undefined ? { cert: fs.readFileSync(file(`${client}.crt`)), key: fs.readFileSync(file(`${client}.key`)) } : {}),
    }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.setTimeout(20_000, () => req.destroy(new Error('timeout')));
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function get(port: number, pathname: string, client?: 'agent' | 'stranger'): Promise<number> {
  return (await request(port, pathname, client)).status;
}

const PLANNER = `
import mesh
from fastmcp import FastMCP

app = FastMCP("planner")


@app.tool()
@mesh.tool(capability="plan_trip", version="1.0.0", dependencies=["weather_forecast"])
async def plan(city: str, weather: mesh.McpMeshTool | None = None) -> dict:
    if weather is None:
        return {"error": "weather_forecast not resolved yet"}
    return {"plan": await weather(city=city)}


@mesh.agent(name="planner", version="1.0.0", description="TLS test caller", auto_run=True)
class Planner:
    pass
`;

/** Waits until the weather agent is registered (asked over mTLS), or fails with the agent's output. */
async function registered(registryPort: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const agents = await request(registryPort, '/agents', 'agent');
    if (agents.status === 200 && agents.text.includes('"weather_forecast"')) return;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the agent never registered:\n${output().slice(-3000)}`);
    await new Promise((res) => setTimeout(res, 500));
  }
}

const AGENT = `
import mesh
from fastmcp import FastMCP

app = FastMCP("weather")


@app.tool()
@mesh.tool(capability="weather_forecast", version="1.0.0")
def forecast(city: str) -> dict:
    return {"city": city, "sky": "clear"}


@mesh.agent(name="weather", version="1.0.0", description="TLS test agent", auto_run=True)
class Weather:
    pass
`;

const suite = hasOpenssl() ? describe : describe.skip;
if (!hasOpenssl() && process.env.CI === 'true') test('openssl is installed', () => expect(hasOpenssl()).toBe(true));

suite('the registry\'s own TLS (real binary, certificates issued by the test)', () => {
  const started: RunningRegistry[] = [];
  beforeAll(() => issueCertificates());
  afterAll(async () => {
    for (const r of started) await r.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function registry(mode: string, trust: boolean, extra: Record<string, string> = {}): Promise<RunningRegistry> {
    const port = await freePort();
    const env = {
      HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: file(`${mode}-${trust}.db`),
      MCP_MESH_TLS_MODE: mode, MCP_MESH_TLS_CERT: file('registry.crt'), MCP_MESH_TLS_KEY: file('registry.key'), MCP_MESH_TLS_CA: file('ca.crt'),
      ...(trust ? { MCP_MESH_TRUST_BACKEND: 'filestore', MCP_MESH_TRUST_DIR: file('trust') } : {}),
      ...extra,
    };
    const r = await startRegistry(env, ['--host', '127.0.0.1', '--port', String(port)], port, dir, { reap: true, healthStatus: 400 });
    started.push(r);
    return r;
  }

  test('strict: a trusted client certificate on every path, /health too (a kubelet HTTPS probe gets 403)', async () => {
    const r = await registry('strict', true);
    expect(await get(r.port, '/health', 'agent')).toBe(200);
    expect(await get(r.port, '/agents', 'agent')).toBe(200);
    expect(await get(r.port, '/health')).toBe(403);
    expect(await get(r.port, '/agents', 'stranger')).toBe(403);
    expect((await fetch(`${r.baseUrl}/health`)).status).toBe(400);
  }, 60_000);

  test('auto: TLS, requests without a client certificate taken, an untrusted one refused', async () => {
    const adminPort = await freePort();
    const r = await registry('auto', true, { MCP_MESH_ADMIN_PORT: String(adminPort) });
    expect(await get(r.port, '/health')).toBe(200);
    expect(await get(r.port, '/agents')).toBe(200);
    expect(await get(r.port, '/agents', 'agent')).toBe(200);
    expect(await get(r.port, '/agents', 'stranger')).toBe(403);
    // The admin API stays plain HTTP on its own port.
    expect((await fetch(`http://127.0.0.1:${adminPort}/admin/entities`)).status).toBe(200);
  }, 60_000);

  test('a real 3.8.0 agent in strict TLS registers over mTLS and serves MCP to a trusted caller only', async () => {
    const python = (await ensurePythonRuntime(PYTHON_RUNTIME_VERSION, { installTimeoutMs: 15 * 60_000 })).python;
    const r = await registry('strict', true);
    const agentPort = await freePort();
    fs.writeFileSync(file('weather.py'), AGENT);
    const { child, output } = spawnCaptured(python, [file('weather.py')], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '', HOME: dir, HOST: '127.0.0.1', MCP_MESH_HTTP_HOST: '127.0.0.1', MCP_MESH_HTTP_PORT: String(agentPort),
        MCP_MESH_REGISTRY_URL: `https://127.0.0.1:${r.port}`, MCP_MESH_AGENT_NAME: 'weather', MCP_MESH_HEALTH_INTERVAL: '2',
        MCP_MESH_TLS_MODE: 'strict', MCP_MESH_TLS_CERT: file('agent.crt'), MCP_MESH_TLS_KEY: file('agent.key'), MCP_MESH_TLS_CA: file('ca.crt'),
      },
    });
    try {
      // Registered with the strict registry: its heartbeats went over mTLS.
      await registered(r.port, child, output);
      // A trusted caller (the registry's certificate, from the same CA) gets MCP over TLS.
      expect((await request(agentPort, '/ready', 'registry')).status).toBe(200);
      await request(agentPort, '/mcp', 'registry', { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'tls-test', version: '0' } } });
      const call = await request(agentPort, '/mcp', 'registry', { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'forecast', arguments: { city: 'Oslo' } } });
      expect(call.status).toBe(200);
      expect(call.text).toMatch(/"sky":\s*"clear"/);
      // No client certificate, or plain HTTP: no TLS handshake, so no probe of the kubelet's gets through either.
      await expect(request(agentPort, '/ready')).rejects.toThrow();
      await expect(fetch(`http://127.0.0.1:${agentPort}/ready`)).rejects.toThrow();
    } finally {
      child.kill('SIGKILL');
    }
  }, 20 * 60_000);

  test('the mesh\'s tls option as rendered: the real registry and two agents with the manifests\' env and mounts; a call from one agent to the other goes over mTLS', async () => {
    const python = (await ensurePythonRuntime(PYTHON_RUNTIME_VERSION, { installTimeoutMs: 15 * 60_000 })).python;
    const app = new App({ outdir: '/nonexistent' });
    new McpMesh(new Chart(app, 'c', { disableResourceNameHashes: true }), 'Mesh', {
      namespace: 'secure',
      tls: { issuer: { name: 'mesh-ca' } },
      agents: [
        { name: 'weather', runtime: AgentRuntime.python({ source: AGENT }), capabilities: [{ name: 'weather_forecast' }] },
        { name: 'planner', runtime: AgentRuntime.python({ source: PLANNER }), capabilities: [{ name: 'plan_trip' }], dependsOn: ['weather_forecast'] },
      ],
    });
    const objects = synthApp(app);
    // What cert-manager writes into each Certificate's Secret (tls.crt, tls.key, ca.crt), at the mounted paths;
    // the test's certificates also name 127.0.0.1, where the processes listen.
    const mounts = (workload: string, name: 'registry' | 'agent') => {
      const tlsDir = file(`${workload}-tls`);
      fs.mkdirSync(tlsDir, { recursive: true });
      fs.copyFileSync(file(`${name}.crt`), path.join(tlsDir, 'tls.crt'));
      fs.copyFileSync(file(`${name}.key`), path.join(tlsDir, 'tls.key'));
      fs.copyFileSync(file('ca.crt'), path.join(tlsDir, 'ca.crt'));
      return (env: Record<string, string>) => Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace(TLS_DIR, tlsDir).replace(TRUST_DIR, file('trust'))]));
    };
    const registryEnv = mounts('mcp-mesh-registry', 'registry')(resolveContainerEnv(container(find(objects, 'StatefulSet', 'mcp-mesh-registry')), objects, 'secure'));
    expect(registryEnv).toMatchObject({ MCP_MESH_TLS_MODE: 'strict', MCP_MESH_TRUST_BACKEND: 'filestore' });
    const port = await freePort();
    const r = await startRegistry({ ...registryEnv, HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: file('rendered.db') }, ['--host', '127.0.0.1', '--port', String(port)], port, dir, { reap: true, healthStatus: 400 });
    started.push(r);

    // Each agent with its Deployment's env; the pod network is loopback (Service names and pod addresses).
    const children: ChildProcess[] = [];
    const start = async (name: string, source: string) => {
      const agentPort = await freePort();
      const env = mounts(name, 'agent')(podEnv(container(find(objects, 'Deployment', name)), { ip: '127.0.0.1', name: `${name}-0` }, { PATH: process.env.PATH ?? '', HOME: dir }));
      expect(env.MCP_MESH_REGISTRY_URL).toBe('https://mcp-mesh-registry.secure.svc.cluster.local:8000');
      fs.writeFileSync(file(`rendered-${name}.py`), source);
      const agent = spawnCaptured(python, [file(`rendered-${name}.py`)], {
        cwd: dir,
        env: { ...env, HOST: '127.0.0.1', MCP_MESH_HTTP_HOST: '127.0.0.1', MCP_MESH_HTTP_PORT: String(agentPort), MCP_MESH_REGISTRY_URL: `https://127.0.0.1:${port}` },
      });
      children.push(agent.child);
      return { port: agentPort, ...agent };
    };
    try {
      const weather = await start('weather', AGENT);
      const planner = await start('planner', PLANNER);
      await registered(r.port, weather.child, weather.output);
      // The planner calls weather_forecast through the mesh: resolved by the strict registry, called over mTLS.
      const deadline = Date.now() + 90_000;
      let text = '';
      for (;;) {
        const call = await request(planner.port, '/mcp', 'registry', { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'plan', arguments: { city: 'Bergen' } } });
        text = call.text;
        if (/"sky":\s*"clear"/.test(text)) break;
        if (Date.now() > deadline || planner.child.exitCode !== null) throw new Error(`the planner never reached weather over TLS:\n${text}\n${planner.output().slice(-3000)}`);
        await new Promise((res) => setTimeout(res, 1000));
      }
      expect(text).toMatch(/"city":\s*"Bergen"/);
      // The rendered probes are TCP checks: HTTP probes could not reach an agent under strict TLS.
      expect(container(find(objects, 'Deployment', 'weather')).readinessProbe.tcpSocket).toEqual({ port: 'http' });
      await expect(fetch(`http://127.0.0.1:${weather.port}/ready`)).rejects.toThrow();
    } finally {
      for (const child of children) child.kill('SIGKILL');
    }
  }, 20 * 60_000);

  test('without a trust backend, even a certificate from the right CA is refused', async () => {
    const r = await registry('strict', false);
    expect(await get(r.port, '/health', 'agent')).toBe(403);
    expect(r.output()).toMatch(/Trust chain loaded: 0 trusted entity CA/);
  }, 60_000);
});
