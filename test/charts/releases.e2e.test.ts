/**
 * The real registry binary and real MCP Mesh Python agents started with exactly what the chart releases give
 * them: the registry release's args and env, each agent release's env, args and ConfigMaps (agent-config.yaml and
 * the shipped source), rendered by real helm from examples/helm. Only what the pod network provides is
 * rewritten for loopback (bind address, ports, Service names), as in test/agents.e2e.test.ts. The agents
 * register, the planner's dependencies resolve across releases, and a real MCP call of plan_trip combines both.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { AgentProcess, planPod } from '../util/agent-process';
import { McpClient } from '../util/mcp-client';
import { ensurePythonRuntime } from '../util/python-runtime';
import { reapDir, releaseDir } from '../util/reaper';
import { pickPort } from '../util/ports';
import { RunningRegistry, rewriteArgs, startRegistry } from '../util/registry-process';
import { K8sObject, container, find } from '../util/synth';
import { Helm, travelReleases } from './helm-run';

const helm = new Helm();
const objects = travelReleases(helm) as K8sObject[];
const statefulSet = objects.find((o) => o.kind === 'StatefulSet')!;
const deployments = objects.filter((o) => o.kind === 'Deployment');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let registry: RunningRegistry | undefined;
let startFresh: (dataDir: string) => Promise<RunningRegistry>;
const agents: Record<string, AgentProcess> = {};
let runRoot: string;

async function eventually<T>(what: string, withinMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const started = Date.now();
  let last: unknown = 'never checked';
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
      last = 'not yet';
    } catch (e) {
      last = e;
    }
    if (Date.now() - started > withinMs) throw new Error(`${what}: not within ${withinMs / 1000} s (last: ${String(last)})`);
    await sleep(250);
  }
}

async function listAgents(): Promise<any[]> {
  const res = await fetch(`${registry!.baseUrl}/agents`, { signal: AbortSignal.timeout(5000) });
  return ((await res.json()) as { agents: any[] }).agents ?? [];
}

beforeAll(async () => {
  const version = /^"?mcpmesh\/python-runtime:(\d+\.\d+\.\d+)"?$/.exec(container(deployments[0]).image)![1];
  const runtime = await ensurePythonRuntime(version, { installTimeoutMs: 15 * 60_000 });
  runRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-mesh-chart-e2e-'));
  reapDir(runRoot);
  const ports = new Set<number>();
  const registryContainer = container(statefulSet);
  const registryEnv: Record<string, string> = Object.fromEntries(registryContainer.env.map((e: any) => [e.name, e.value]));
  const registryPort = await pickPort(ports);
  const dataDir = path.join(runRoot, 'registry-data');
  fs.mkdirSync(dataDir);
  const adminPort = await pickPort(ports);
  startFresh = (dir: string) => startRegistry({
    ...registryEnv, HOST: '127.0.0.1', PORT: String(registryPort), MCP_MESH_ADMIN_PORT: String(adminPort),
    DATABASE_URL: path.join(dir, path.basename(registryEnv.DATABASE_URL)),
  }, rewriteArgs(registryContainer.args, { '--host': '127.0.0.1', '--port': String(registryPort) }), registryPort, dir, { reap: true });
  registry = await startFresh(dataDir);
  const service = find(objects, 'Service', statefulSet.metadata.name);
  const inClusterUrl = `http://${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local:${service.spec.ports[0].port}`;
  for (const d of deployments) {
    const podDir = path.join(runRoot, d.metadata.name);
    fs.mkdirSync(podDir);
    const plan = planPod({ objects, deployment: d, python: runtime.python, registry: { inClusterUrl, loopbackUrl: registry.baseUrl }, podDir, port: await pickPort(ports) });
    agents[d.metadata.name] = AgentProcess.start(plan);
  }
  await Promise.all(Object.values(agents).map(async (agent) => {
    const c = agent.plan.container;
    const budget = c.startupProbe.failureThreshold * c.startupProbe.periodSeconds * 1000;
    await agent.waitFor('startupProbe', budget);
    await agent.waitFor('readinessProbe', budget + 30_000);
  }));
}, 20 * 60_000);

afterAll(async () => {
  await Promise.all(Object.values(agents).map((a) => a.stop(5000)));
  await registry?.stop();
  if (runRoot !== undefined) {
    fs.rmSync(runRoot, { recursive: true, force: true });
    releaseDir(runRoot);
  }
  helm.cleanup();
}, 60_000);

test('the agents run the env, args and code of their releases, with only the pod network rewritten', () => {
  expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['hotels', 'planner', 'weather']);
  for (const d of deployments) {
    const { plan } = agents[d.metadata.name];
    expect(plan.rewrites.map((r) => r.what).sort()).toEqual(['arg[0]', 'env:HOST', 'env:MCP_MESH_HTTP_HOST', 'env:MCP_MESH_HTTP_PORT', 'env:MCP_MESH_REGISTRY_URL', 'port:http']);
    expect(fs.readFileSync(plan.command[1], 'utf8')).toBe(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'agents', `${d.metadata.name}.py`), 'utf8'));
  }
});

test('each release registers with the capabilities of its agent-config.yaml, and the planner resolves its dependencies across releases', async () => {
  const config = (d: K8sObject) => parse(find(objects, 'ConfigMap', `${d.metadata.name}-config`).data['agent-config.yaml']);
  const planner = await eventually('planner dependencies resolved', 60_000, async () => {
    const all = await listAgents();
    const p = all.find((a) => a.id === agents.planner.plan.podName);
    return deployments.every((d) => all.find((a) => a.id === agents[d.metadata.name].plan.podName)?.status === 'healthy') && p?.dependencies_resolved === 2 ? p : undefined;
  });
  for (const d of deployments) {
    const registered = (await listAgents()).find((a) => a.id === agents[d.metadata.name].plan.podName);
    const own = registered.capabilities.filter((c: any) => !(c.tags ?? []).includes('framework')).map((c: any) => ({ name: c.name, version: c.version }));
    expect(own).toEqual(config(d).capabilities.map((c: any) => ({ name: c.capability, version: c.version })));
  }
  for (const [capability, provider] of [['weather_forecast', 'weather'], ['hotel_search', 'hotels']]) {
    expect(planner.dependency_resolutions.find((r: any) => r.capability === capability)).toMatchObject({ status: 'available', provider_agent_id: agents[provider].plan.podName });
  }
});

test('a real MCP call of plan_trip on the planner release combines the weather and hotels releases', async () => {
  const client = new McpClient(`${agents.planner.baseUrl}/mcp`);
  const result = await eventually('plan_trip with both dependencies', 30_000, async () => {
    const r = await client.callTool('plan_trip', { city: 'Porto' });
    if (r.isError) throw new Error(JSON.stringify(r.content));
    return r.structuredContent?.error === undefined ? r : undefined;
  });
  const forecast = (await new McpClient(`${agents.weather.baseUrl}/mcp`).callTool('get_forecast', { city: 'Porto' })).structuredContent;
  expect(result.structuredContent).toMatchObject({ city: 'Porto', forecast: forecast.days });
});

test('a registry on an empty database (another storage, a lost volume): every release registers again with its heartbeats', async () => {
  await registry!.stop();
  const emptyDir = path.join(runRoot, 'registry-empty');
  fs.mkdirSync(emptyDir);
  registry = await startFresh(emptyDir);
  const upAt = Date.now();
  expect(await listAgents()).toEqual([]);
  const ids = deployments.map((d) => agents[d.metadata.name].plan.podName).sort();
  await eventually('every agent registered on the empty database', 60_000, async () => {
    const all = await listAgents();
    return ids.every((id) => all.find((a) => a.id === id)?.status === 'healthy') ? all : undefined;
  });
  const seconds = (Date.now() - upAt) / 1000;
  console.log(`agents registered again on an empty registry database in ${seconds.toFixed(1)} s (heartbeat ${container(deployments[0]).env.find((e: any) => e.name === 'MCP_MESH_HEALTH_INTERVAL').value} s)`);
  await eventually('planner dependencies resolved again', 30_000, async () => {
    const p = (await listAgents()).find((a) => a.id === agents.planner.plan.podName);
    return p?.dependencies_resolved === 2 ? p : undefined;
  });
}, 120_000);
