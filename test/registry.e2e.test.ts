/**
 * End to end with the real registry binary (mcp-mesh-registry 3.7.1 from @mcpmesh/cli-linux-x64): it runs with
 * the env and args the synthesized StatefulSet gives it, and the synthesized agents register with what their
 * Deployments and ConfigMaps say. Rewritten for loopback, and nothing else: the bind address, the port and the
 * SQLite directory (a PersistentVolume in the cluster, a temp dir here).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { buildDefaultApp } from '../src/main';
import { RunningRegistry, freePort, startRegistry } from './util/registry-process';
import { K8sObject, container, synthApp } from './util/synth';

const objects = synthApp(buildDefaultApp());
const statefulSet = objects.find((o) => o.kind === 'StatefulSet')!;
const registryContainer = container(statefulSet);
const agents = objects.filter((o) => o.kind === 'Deployment');

let registry: RunningRegistry;
let manifestEnv: Record<string, string>;

beforeAll(async () => {
  const port = await freePort();
  manifestEnv = Object.fromEntries(registryContainer.env.map((e: any) => [e.name, e.value]));
  const dataMount = registryContainer.volumeMounts.find((m: any) => m.name === 'data');
  // The SQLite file must live on the claim, or the registry forgets the mesh on every restart.
  expect(manifestEnv.DATABASE_URL.startsWith(`${dataMount.mountPath}/`)).toBe(true);
  expect(manifestEnv.PORT).toBe(String(registryContainer.ports[0].containerPort));

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-registry-e2e-'));
  const env = {
    ...manifestEnv,
    HOST: '127.0.0.1',
    PORT: String(port),
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

test('the paths upstream charts scrape or probe do not exist, so nothing of ours points at them', async () => {
  for (const p of ['/metrics', '/ready', '/livez']) {
    expect((await fetch(`${registry.baseUrl}${p}`)).status).toBe(404);
  }
  const everyPath = JSON.stringify(objects.filter((o) => o.kind === 'StatefulSet'));
  expect(everyPath).not.toMatch(/"\/(metrics|ready|livez)"/);
});

/** The heartbeat a runtime sends for a synthesized agent: identity and address from env, capabilities from agent-config.yaml. */
function heartbeatFor(deployment: K8sObject, podSuffix: string) {
  const env = Object.fromEntries(container(deployment).env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
  const configMapName = deployment.spec.template.spec.volumes.find((v: any) => v.name === 'config').configMap.name;
  const config = parse(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === configMapName)!.data['agent-config.yaml']);
  expect(env.MCP_MESH_AGENT_ID).toEqual({ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } });
  const dependencies = config.dependencies.map((d: any) => ({ capability: d.capability }));
  const tools = config.capabilities.map((c: any, i: number) => ({
    function_name: c.capability, capability: c.capability, version: c.version, tags: c.tags, kwargs: { timeout: c.timeout },
    ...(i === 0 && dependencies.length > 0 ? { dependencies } : {}),
  }));
  if (tools.length === 0 && dependencies.length > 0) tools.push({ function_name: 'consumer', capability: 'consumer', dependencies });
  return {
    // MCP_MESH_AGENT_ID is the pod name: what a Deployment's pod would be called.
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

test('each synthesized agent registers with its advertised address and its dependencies resolve', async () => {
  const beats = agents.map((d) => heartbeatFor(d, '7d4b9c-x2x7z'));
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
