/**
 * End to end with the real registry binary (mcp-mesh-registry 3.7.1 from @mcpmesh/cli-linux-x64): it runs with
 * the env and args the synthesized StatefulSet gives it, and the synthesized agents register with what their
 * Deployments and ConfigMaps say. Rewritten for loopback, and nothing else: the bind address, the port and the
 * SQLite directory (a PersistentVolume in the cluster, a temp dir here).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import { McpMesh } from '../src';
import { buildDefaultApp } from '../src/main';
import { RunningRegistry, freePort, heartbeatFor, startRegistry } from './util/registry-process';
import { container, envOf, synthApp } from './util/synth';

const objects = synthApp(buildDefaultApp());
const statefulSet = objects.find((o) => o.kind === 'StatefulSet')!;
const registryContainer = container(statefulSet);
const agents = objects.filter((o) => o.kind === 'Deployment');

let registry: RunningRegistry;
let manifestEnv: Record<string, string>;
let adminPort: number;

beforeAll(async () => {
  const port = await freePort();
  manifestEnv = Object.fromEntries(registryContainer.env.map((e: any) => [e.name, e.value]));
  const dataMount = registryContainer.volumeMounts.find((m: any) => m.name === 'data');
  // The SQLite file must live on the claim, or the registry forgets the mesh on every restart.
  expect(manifestEnv.DATABASE_URL.startsWith(`${dataMount.mountPath}/`)).toBe(true);
  expect(manifestEnv.PORT).toBe(String(registryContainer.ports[0].containerPort));

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-registry-e2e-'));
  adminPort = await freePort();
  expect(manifestEnv.MCP_MESH_ADMIN_PORT).toBe(String(registryContainer.ports.find((p: any) => p.name === 'admin').containerPort));
  const env = {
    ...manifestEnv,
    HOST: '127.0.0.1',
    PORT: String(port),
    // The admin listener binds every interface whatever HOST says (measured); only loopback is ever called.
    MCP_MESH_ADMIN_PORT: String(adminPort),
    DATABASE_URL: path.join(dataDir, path.basename(manifestEnv.DATABASE_URL)),
  };
  const args = rewriteArgs(registryContainer.args, { '--host': '127.0.0.1', '--port': String(port) });
  registry = await startRegistry(env, args, port, dataDir);
});

afterAll(async () => {
  await registry?.stop();
});

function rewriteArgs(args: string[], values: Record<string, string>): string[] {
  return args.map((arg, i) => (i > 0 && values[args[i - 1]] !== undefined ? values[args[i - 1]] : arg));
}

test('the admin API answers on its own port only: no agent calling the registry port can drain it', async () => {
  const main = await fetch(`${registry.baseUrl}/admin/entities`);
  expect(main.status).toBe(404);
  expect((await fetch(`${registry.baseUrl}/admin/drain`)).status).toBe(404);
  const admin = await fetch(`http://127.0.0.1:${adminPort}/admin/entities`);
  expect(admin.status).toBe(200);
  // The admin listener serves the admin API alone: probes must keep pointing at the main port.
  expect((await fetch(`http://127.0.0.1:${adminPort}/health`)).status).toBe(404);
  expect(registryContainer.readinessProbe.httpGet.port).toBe('http');
});

test('without MCP_MESH_ADMIN_PORT the same binary serves the admin API to whoever calls the main port (why the library sets it)', async () => {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-registry-e2e-admin-'));
  const { MCP_MESH_ADMIN_PORT: _unset, ...env } = manifestEnv;
  const bare = await startRegistry({ ...env, HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: path.join(dataDir, 'r.db') },
    rewriteArgs(registryContainer.args, { '--host': '127.0.0.1', '--port': String(port) }), port, dataDir);
  try {
    expect((await fetch(`${bare.baseUrl}/admin/entities`)).status).toBe(200);
  } finally {
    await bare.stop();
  }
});

test('every probe of the StatefulSet succeeds on the path and port it names, within its timeout', async () => {
  for (const kind of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
    const probe = registryContainer[kind];
    const named = registryContainer.ports.find((p: any) => p.name === probe.httpGet.port);
    expect(named).toBeDefined();
    const started = Date.now();
    const res = await fetch(`${registry.baseUrl}${probe.httpGet.path}`);
    // Kubernetes counts 200-399 as success.
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(400);
    expect(Date.now() - started).toBeLessThan(probe.timeoutSeconds * 1000);
  }
});

test('the registry reads the health settings the manifest gives it', () => {
  expect(registry.output()).toContain(
    `Starting agent health monitor (timeout: ${manifestEnv.DEFAULT_TIMEOUT_THRESHOLD}s, interval: ${manifestEnv.HEALTH_CHECK_INTERVAL}s)`);
  expect(registry.output()).toContain(`Log Level: ${manifestEnv.MCP_MESH_LOG_LEVEL}`);
});

test('retention (MCP_MESH_RETENTION) is what the registry sweeps stale agents by: it reads the value the manifest gives it', async () => {
  // The default app leaves the registry's own 1 h; a mesh that sets retention renders it as a Go duration.
  expect(registry.output()).toContain('Starting registry sweep job (retention=1h0m0s');
  const app = new App({ outdir: '/nonexistent' });
  new McpMesh(new Chart(app, 'r'), 'Mesh', { registry: { retention: Duration.minutes(150) } });
  const sts = synthApp(app).find((o) => o.kind === 'StatefulSet')!;
  const env = Object.fromEntries(container(sts).env.map((e: any) => [e.name, e.value]));
  expect(env.MCP_MESH_RETENTION).toBe('2h30m');
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-registry-e2e-retention-'));
  const other = await startRegistry({ ...env, HOST: '127.0.0.1', PORT: String(port), MCP_MESH_ADMIN_PORT: String(await freePort()), DATABASE_URL: path.join(dataDir, 'r.db') },
    rewriteArgs(container(sts).args, { '--host': '127.0.0.1', '--port': String(port) }), port, dataDir);
  try {
    expect(other.output()).toContain('Starting registry sweep job (retention=2h30m0s');
  } finally {
    await other.stop();
  }
});

test('the paths upstream charts scrape or probe do not exist, so nothing of ours points at them', async () => {
  for (const p of ['/metrics', '/ready', '/livez']) {
    expect((await fetch(`${registry.baseUrl}${p}`)).status).toBe(404);
  }
  const everyPath = JSON.stringify(objects.filter((o) => o.kind === 'StatefulSet'));
  expect(everyPath).not.toMatch(/"\/(metrics|ready|livez)"/);
});

test('each synthesized agent registers with its advertised address and its dependencies resolve', async () => {
  for (const d of agents) expect(envOf(d).MCP_MESH_AGENT_ID).toEqual({ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } });
  // MCP_MESH_AGENT_ID is the pod name: the ids are what a Deployment's pods would be called.
  const beats = agents.map((d) => heartbeatFor(objects, d, '7d4b9c-x2x7z'));
  for (const beat of beats) {
    const res = await fetch(`${registry.baseUrl}/heartbeat`, { method: 'POST', body: JSON.stringify(beat), headers: { 'content-type': 'application/json' } });
    const body = await res.json() as { status: string };
    expect(res.status).toBe(200);
    expect(body.status).toBe('success'); // validation failures come back as 200 with status "error"
  }
  // The planner registered before its providers in no order guarantee: a second full heartbeat resolves again.
  for (const beat of beats) {
    await fetch(`${registry.baseUrl}/heartbeat`, { method: 'POST', body: JSON.stringify(beat) });
  }
  const listed = ((await (await fetch(`${registry.baseUrl}/agents`)).json()) as { agents: any[] }).agents;
  expect(listed.map((a) => a.id).sort()).toEqual(beats.map((b) => b.agent_id).sort());
  for (const beat of beats) {
    const agent = listed.find((a) => a.id === beat.agent_id);
    expect(agent.status).toBe('healthy');
    expect(agent.endpoint).toBe(`http://${beat.http_host}:${beat.http_port}`);
    expect((agent.capabilities ?? []).map((c: any) => c.name).sort()).toEqual(beat.tools.map((t: any) => t.capability).filter((c: string) => c !== 'consumer').sort());
  }
  // The planner depends on weather_forecast and hotel_search: each resolves to the agent that provides it, at its Service address.
  const planner = listed.find((a) => a.name === 'planner');
  expect(planner.total_dependencies).toBe(2);
  expect(planner.dependencies_resolved).toBe(2);
  const byCapability = Object.fromEntries(planner.dependency_resolutions.map((r: any) => [r.capability, r]));
  expect(byCapability.weather_forecast).toMatchObject({ status: 'available', endpoint: 'http://weather.mcp-mesh.svc.cluster.local:8080' });
  expect(byCapability.hotel_search).toMatchObject({ status: 'available', endpoint: 'http://hotels.mcp-mesh.svc.cluster.local:8080' });
});
