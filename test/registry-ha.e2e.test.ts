/**
 * Resilience of the registry's storage, with real processes: the real registry binary (mcp-mesh-registry 3.7.1
 * from @mcpmesh/cli-linux-x64) and a real PostgreSQL server (Debian's, from scripts/postgres.sh), on loopback.
 *
 * Each registry process runs with the env and args of the synthesized StatefulSet's container, built the way
 * the kubelet builds them: secretKeyRefs read from a test Secret (the role and password the test created in
 * the throwaway PostgreSQL), then `$(VAR)` expanded in order. Rewritten for loopback, and nothing else:
 *
 *   manifest                                      loopback                       why
 *   HOST=0.0.0.0, --host 0.0.0.0                  127.0.0.1                      bind on loopback only
 *   PORT=8000, --port 8000                        a free port per process        two replicas share no pod IP
 *   DATABASE_URL ...@db.example.internal:5432/... ...@127.0.0.1:<pg port>/...   the database server: host:port
 *     (postgresFromParts; postgresInCluster:                                     only; user, password, database
 *     ...@mcp-mesh-registry-postgres.<ns>.svc...)                                and sslmode stay as composed
 *   DATABASE_URL /data/mcp_mesh_registry.db       <temp dir>/mcp_mesh_registry.db  the claim (SQLite only)
 *   init container wait-for-postgres: its host and port args, the same way; `pg_isready` from Debian's package
 *
 * What it shows: two replicas on one PostgreSQL database are one mesh (what one registers the other serves,
 * also while the other is down; replicas that start together on an empty database race to create the schema,
 * and the loser comes up on its restart); a SQLite registry keeps its agents across a restart; and how the
 * registry behaves when its database is away (it exits at once on startup, without retrying, so the in-cluster
 * init container that waits for PostgreSQL is needed; a database outage while it runs is invisible to /health
 * and heals by itself).
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { AgentRuntime, McpMesh, McpMeshAgentProps, NetworkPeer, RegistryStorage } from '../src';
import { RunningPostgres, startPostgres, urlSafePassword } from './util/postgres-process';
import { reapDir, reapGroup, releaseDir } from './util/reaper';
import {
  RunningRegistry, expandKubeletVars, freePort, heartbeatFor, resolveContainerEnv, rewriteArgs, startRegistry,
} from './util/registry-process';
import { K8sObject, container, find, synth } from './util/synth';

const NAMESPACE = 'mcp-mesh';
const runtime = (name: string) => AgentRuntime.python({ image: `ghcr.io/example/${name}-agent:1.0.0`, script: `${name}.py` });
const AGENTS: McpMeshAgentProps[] = [
  { name: 'weather', runtime: runtime('weather'), capabilities: [{ name: 'weather_forecast', timeout: Duration.seconds(10) }] },
  { name: 'hotels', runtime: runtime('hotels'), capabilities: [{ name: 'hotel_search', timeout: Duration.seconds(20) }] },
  { name: 'planner', runtime: runtime('planner'), capabilities: [{ name: 'plan_trip' }], dependsOn: ['weather_forecast', 'hotel_search'] },
  { name: 'reviews', runtime: runtime('reviews'), capabilities: [{ name: 'review_search' }] },
];

/** A Secret as `kubectl create secret generic` makes it: values base64 in `data`. */
function secret(name: string, values: Record<string, string>): K8sObject {
  return {
    apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NAMESPACE }, type: 'Opaque',
    data: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

let pg: RunningPostgres;
let pgStarting: Promise<RunningPostgres> | undefined;
let root: string;
const registries: RunningRegistry[] = [];
const helpers: ChildProcess[] = [];

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-mesh-registry-ha-'));
  reapDir(root);
});

/** The one PostgreSQL server of this file, started by the first describe that needs it. */
async function database(): Promise<RunningPostgres> {
  // TLS on, so that postgresFromParts' default sslmode=require connects as composed, unchanged.
  pgStarting ??= startPostgres({ ssl: true });
  pg = await pgStarting;
  return pg;
}

afterAll(async () => {
  await Promise.all(registries.map((r) => r.stop()));
  for (const h of helpers) if (h.exitCode === null && h.signalCode === null) process.kill(-h.pid!, 'SIGKILL');
  if (pgStarting !== undefined) await (await pgStarting.catch(() => undefined))?.stop();
  if (root !== undefined) {
    fs.rmSync(root, { recursive: true, force: true });
    releaseDir(root);
  }
});

/**
 * Starts one registry "pod" on loopback: the resolved container env with HOST, PORT, MCP_MESH_ADMIN_PORT and the
 * args' --host/--port rewritten for this process, and DATABASE_URL as given. The working directory is an empty temp dir.
 */
async function startReplica(podEnv: Record<string, string>, args: string[], databaseUrl: string, port?: number): Promise<RunningRegistry> {
  const p = port ?? await freePort();
  const cwd = fs.mkdtempSync(path.join(root, 'registry-'));
  // Each pod has its own network: on one machine, each replica's admin listener (every interface) needs a port of its own.
  const adminPort: Record<string, string> = podEnv.MCP_MESH_ADMIN_PORT === undefined ? {} : { MCP_MESH_ADMIN_PORT: String(await freePort()) };
  const env = { ...podEnv, HOST: '127.0.0.1', PORT: String(p), ...adminPort, DATABASE_URL: databaseUrl };
  const registry = await startRegistry(env, rewriteArgs(args, { '--host': '127.0.0.1', '--port': String(p) }), p, cwd, { reap: true });
  registries.push(registry);
  return registry;
}

/**
 * Starts a StatefulSet's replicas as its podManagementPolicy says (`Parallel`: all at once; `OrderedReady`: each
 * after the one before is healthy), and starts again a replica whose process exits, as the kubelet does
 * (restartPolicy Always, here without the back-off), at most 3 times. Returns the replicas and every exit seen.
 */
async function startStatefulSet(statefulSet: K8sObject, start: (ordinal: number) => Promise<RunningRegistry>): Promise<{ replicas: RunningRegistry[]; exits: string[] }> {
  const exits: string[] = [];
  const startWithRestarts = async (ordinal: number): Promise<RunningRegistry> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await start(ordinal);
      } catch (e: any) {
        if (attempt >= 3 || !/registry exited with/.test(e.message)) throw e;
        exits.push(`replica ${ordinal}: ${e.message}`);
      }
    }
  };
  const ordinals = [...Array(statefulSet.spec.replicas).keys()];
  const policy = statefulSet.spec.podManagementPolicy ?? 'OrderedReady';
  const replicas: RunningRegistry[] = [];
  if (policy === 'Parallel') {
    replicas.push(...await Promise.all(ordinals.map(startWithRestarts)));
  } else {
    for (const i of ordinals) replicas.push(await startWithRestarts(i));
  }
  return { replicas, exits };
}

async function heartbeat(registry: RunningRegistry, body: Record<string, any>): Promise<{ status: number; body: any }> {
  const res = await fetch(`${registry.baseUrl}/heartbeat`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: res.status, body: await res.json() };
}

async function register(registry: RunningRegistry, body: Record<string, any>): Promise<void> {
  const res = await heartbeat(registry, body);
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('success'); // validation failures come back as 200 with status "error"
}

async function listAgents(registry: RunningRegistry): Promise<any[]> {
  const res = await fetch(`${registry.baseUrl}/agents`);
  expect(res.status).toBe(200);
  const agents = ((await res.json()) as { agents: any[] }).agents;
  return [...agents].sort((a, b) => a.id.localeCompare(b.id));
}

async function healthStatus(registry: RunningRegistry): Promise<number> {
  return (await fetch(`${registry.baseUrl}/health`)).status;
}

test('expandKubeletVars follows the kubelet: defined names expand, undefined ones and escapes stay literal, one pass', () => {
  const defined = { A: 'x', B: '$(A)', EMPTY: '' };
  expect(expandKubeletVars('$(A)-$(B)-$(C)-$$(A)-$$-$A-$(EMPTY)-$()-$(A', defined)).toBe('x-$(A)-$(C)-$(A)-$-$A--$()-$(A');
  // A name runs to the first ")"; a trailing "$" stays.
  expect(expandKubeletVars('$(A-$(A)$', defined)).toBe('$(A-$(A)$');
  // Order matters: a variable defined after the one that references it is not seen.
  const env = resolveContainerEnv({ name: 'c', env: [{ name: 'URL', value: 'u=$(U)' }, { name: 'U', value: 'me' }, { name: 'URL2', value: 'u=$(U)' }] }, [], NAMESPACE);
  expect(env).toEqual({ URL: 'u=$(U)', U: 'me', URL2: 'u=me' });
});

describe('two registry replicas on PostgreSQL (RegistryStorage.postgresFromParts) are one mesh', () => {
  const role = 'mesh_registry';
  const password = urlSafePassword();
  const objects = synth((chart) => new McpMesh(chart, 'Mesh', {
    namespace: NAMESPACE,
    registry: {
      replicas: 2,
      storage: RegistryStorage.postgresFromParts({
        host: 'db.example.internal', database: 'mesh', credentials: { secretName: 'db-creds' },
        endpoint: { peer: NetworkPeer.ipBlock('10.20.0.0/16'), port: 5432 },
      }),
    },
    agents: AGENTS,
  }));
  const statefulSet = find(objects, 'StatefulSet', 'mcp-mesh-registry');
  const registryContainer = container(statefulSet);
  const deployments = Object.fromEntries(AGENTS.map((a) => [a.name, find(objects, 'Deployment', a.name)]));
  const beat = (name: string) => heartbeatFor(objects, deployments[name], '6f9d7c-k2x4p');
  let podEnv: Record<string, string>;
  let loopbackUrl: string;
  let a: RunningRegistry;
  let b: RunningRegistry;
  let aPort: number;

  beforeAll(async () => {
    await (await database()).createRoleAndDatabase(role, password, 'mesh');
    // What the kubelet gives the container, with the Secret the operator created.
    podEnv = resolveContainerEnv(registryContainer, [...objects, secret('db-creds', { username: role, password })], NAMESPACE);
  });

  test('DATABASE_URL is composed in the pod from the Secret; only the database host:port is rewritten for loopback', () => {
    expect(statefulSet.spec.replicas).toBe(2);
    // One at a time: replicas starting together on an empty database race to create its tables.
    expect(statefulSet.spec.podManagementPolicy).toBe('OrderedReady');
    // The manifest holds references only: no password, no user.
    const manifestEnv = Object.fromEntries(registryContainer.env.map((e: any) => [e.name, e]));
    expect(manifestEnv.DATABASE_URL.value).toBe('postgres://$(PGUSER):$(PGPASSWORD)@db.example.internal:5432/mesh?sslmode=require&connect_timeout=10');
    expect(JSON.stringify(objects)).not.toContain(password);
    // The kubelet's expansion: PGUSER and PGPASSWORD come before DATABASE_URL, so both are substituted.
    expect(podEnv.PGUSER).toBe(role);
    expect(podEnv.PGPASSWORD).toBe(password);
    expect(podEnv.DATABASE_URL).toBe(`postgres://${role}:${password}@db.example.internal:5432/mesh?sslmode=require&connect_timeout=10`);
    const url = new URL(podEnv.DATABASE_URL);
    expect([url.protocol, url.username, url.password, url.hostname, url.port, url.pathname, url.searchParams.get('sslmode')])
      .toEqual(['postgres:', role, password, 'db.example.internal', '5432', '/mesh', 'require']);

    // The one database rewrite: db.example.internal:5432 -> 127.0.0.1:<pg.port>.
    const mapping = { manifest: 'db.example.internal:5432', loopback: `127.0.0.1:${pg.port}` };
    expect(podEnv.DATABASE_URL.split(`@${mapping.manifest}/`)).toHaveLength(2);
    loopbackUrl = podEnv.DATABASE_URL.replace(`@${mapping.manifest}/`, `@${mapping.loopback}/`);
    expect(loopbackUrl).toBe(`postgres://${role}:${password}@127.0.0.1:${pg.port}/mesh?sslmode=require&connect_timeout=10`);
    // Every other variable goes to the process as the kubelet resolved it (HOST and PORT are rewritten per process).
    expect(Object.keys(podEnv)).toEqual(['HOST', 'PORT', 'MCP_MESH_ADMIN_PORT', 'PGUSER', 'PGPASSWORD', 'DATABASE_URL', 'MCP_MESH_LOG_LEVEL',
      'HEALTH_CHECK_INTERVAL', 'DEFAULT_TIMEOUT_THRESHOLD', 'DEFAULT_EVICTION_THRESHOLD']);
    expect([podEnv.HOST, podEnv.PORT]).toEqual(['0.0.0.0', String(registryContainer.ports[0].containerPort)]);
    expect(registryContainer.args).toEqual(['--host', '0.0.0.0', '--port', podEnv.PORT]);
  });

  test('agents registered through replica A are served by replica B, and dependencies resolve across both', async () => {
    aPort = await freePort();
    const ports = [aPort, await freePort()];
    const started = await startStatefulSet(statefulSet, (i) => startReplica(podEnv, registryContainer.args, loopbackUrl, ports[i]));
    [a, b] = started.replicas;
    // On an empty database, replicas that start together race to create the schema (3.7.1, ent's auto-migration
    // without a lock): the loser exits with 1 (16 of 20 simultaneous pairs here) and comes up on its restart,
    // once the schema exists. Anything else is a failure.
    for (const exit of started.exits) expect(exit).toMatch(/Failed to initialize database: failed to create schema/);
    expect(started.exits.length).toBeLessThan(statefulSet.spec.replicas);
    // Providers through A, their consumer through B.
    await register(a, beat('weather'));
    await register(a, beat('hotels'));
    await register(b, beat('planner'));

    const fromA = await listAgents(a);
    const fromB = await listAgents(b);
    expect(fromB.map((x) => x.id)).toEqual(['hotels', 'planner', 'weather'].map((n) => beat(n).agent_id));
    expect(fromB).toEqual(fromA);
    for (const agent of fromB) {
      expect(agent.status).toBe('healthy');
      const sent = beat(agent.name);
      expect(agent.endpoint).toBe(`http://${sent.http_host}:${sent.http_port}`);
    }
    const planner = fromB.find((x) => x.name === 'planner');
    expect([planner.total_dependencies, planner.dependencies_resolved]).toEqual([2, 2]);
    const byCapability = Object.fromEntries(planner.dependency_resolutions.map((r: any) => [r.capability, r]));
    expect(byCapability.weather_forecast).toMatchObject({ status: 'available', endpoint: `http://weather.${NAMESPACE}.svc.cluster.local:8080` });
    expect(byCapability.hotel_search).toMatchObject({ status: 'available', endpoint: `http://hotels.${NAMESPACE}.svc.cluster.local:8080` });
    // The heartbeat's own answer, from B, names the providers A registered.
    const answer = await heartbeat(b, beat('planner'));
    expect(JSON.stringify(answer.body.dependencies_resolved)).toContain(`weather.${NAMESPACE}.svc.cluster.local`);
  });

  test('the replicas really use PostgreSQL, over TLS as sslmode=require asks, and write nothing to their working directory', async () => {
    for (const r of [a, b]) {
      // (3.7.1 prints the whole URL at startup, password included.)
      expect(r.output()).toMatch(new RegExp(`Initializing database: postgres://${role}:\\S*@127\\.0\\.0\\.1:${pg.port}/mesh\\?sslmode=require`));
      expect(fs.readdirSync(r.dataDir)).toEqual([]); // no SQLite file on the side: the pod's root filesystem is read-only
    }
    const tables = (await pg.psql(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = '${role}' ORDER BY 1`, 'mesh')).split('\n');
    expect(tables).toEqual(expect.arrayContaining(['agents', 'capabilities', 'dependency_resolutions']));
    expect((await pg.psql('SELECT agent_id FROM agents ORDER BY agent_id', 'mesh')).split('\n')).toEqual(['hotels', 'planner', 'weather'].map((n) => beat(n).agent_id));
    const [withTls, all] = (await pg.psql(
      `SELECT count(*) FILTER (WHERE s.ssl), count(*) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.usename = '${role}'`)).split('|').map(Number);
    expect(all).toBeGreaterThan(0);
    expect(withTls).toBe(all);
  });

  test('with A stopped, B serves every agent unchanged and takes new ones; A, started again, sees them', async () => {
    const before = await listAgents(b);
    await a.stop();
    expect(a.exitCode()).toBe(0);
    expect(await healthStatus(b)).toBe(200);
    expect(await listAgents(b)).toEqual(before);

    await register(b, beat('reviews'));
    // An agent registered through A keeps heartbeating through B (what the Service does when A is gone).
    await register(b, beat('weather'));
    const withReviews = await listAgents(b);
    expect(withReviews.map((x) => x.name)).toEqual(['hotels', 'planner', 'reviews', 'weather']);
    expect(withReviews.every((x) => x.status === 'healthy')).toBe(true);

    a = await startReplica(podEnv, registryContainer.args, loopbackUrl, aPort); // the same pod comes back
    expect(a.output()).toContain('Startup cleanup: no stale agents found');
    expect(await listAgents(a)).toEqual(await listAgents(b));
    expect((await listAgents(a)).find((x) => x.name === 'reviews')).toMatchObject({ status: 'healthy', capabilities: [expect.objectContaining({ name: 'review_search' })] });
  });

  test('a database outage is invisible to /health (the probes keep the pod ready) and heals without a restart', async () => {
    await pg.down();
    try {
      expect(await healthStatus(b)).toBe(200);
      expect((await fetch(`${b.baseUrl}/agents`)).status).toBe(500);
      const during = await heartbeat(b, beat('planner'));
      expect(during.status).toBeGreaterThanOrEqual(400);
      expect(JSON.stringify(during.body)).toMatch(/connection refused/);
    } finally {
      await pg.up();
    }
    await register(b, beat('planner')); // database/sql reconnects on its own
    expect((await listAgents(a)).map((x) => x.name)).toEqual(['hotels', 'planner', 'reviews', 'weather']);
    expect([a.exitCode(), b.exitCode()]).toEqual([undefined, undefined]);
  });

  test('started while PostgreSQL is unreachable, the registry exits at once with 1 and does not retry', async () => {
    const deadPort = await freePort(); // nothing listens there
    const started = Date.now();
    const failed = startReplica(podEnv, registryContainer.args, loopbackUrl.replace(`@127.0.0.1:${pg.port}/`, `@127.0.0.1:${deadPort}/`));
    await expect(failed).rejects.toThrow(/registry exited with 1 before it was healthy[\s\S]*Failed to initialize database: failed to ping database: dial tcp 127\.0\.0\.1:\d+: connect: connection refused/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });
});

describe('RegistryStorage.postgresInCluster: the init container holds the registry until PostgreSQL accepts connections', () => {
  const role = 'mesh_incluster';
  const password = urlSafePassword();
  const objects = synth((chart) => new McpMesh(chart, 'Mesh', {
    namespace: NAMESPACE,
    registry: { replicas: 2, storage: RegistryStorage.postgresInCluster({ credentials: { secretName: 'registry-db-credentials' } }) },
    agents: AGENTS,
  }));
  const statefulSet = find(objects, 'StatefulSet', 'mcp-mesh-registry');
  const registryContainer = container(statefulSet);
  const dbHost = `mcp-mesh-registry-postgres.${NAMESPACE}.svc.cluster.local`;

  test('registry and database agree on user, password and database; the registry starts once the init container lets it', async () => {
    await (await database()).createRoleAndDatabase(role, password, 'mcp_mesh_registry');
    const credentials = secret('registry-db-credentials', { username: role, password });
    const podEnv = resolveContainerEnv(registryContainer, [...objects, credentials], NAMESPACE);
    expect(podEnv.DATABASE_URL).toBe(`postgres://${role}:${password}@${dbHost}:5432/mcp_mesh_registry?sslmode=disable&connect_timeout=10`);
    // The database's own StatefulSet reads the same Secret keys and creates that database.
    const dbEnv = resolveContainerEnv(container(find(objects, 'StatefulSet', 'mcp-mesh-registry-postgres')), [credentials], NAMESPACE);
    expect([dbEnv.POSTGRES_USER, dbEnv.POSTGRES_PASSWORD, dbEnv.POSTGRES_DB]).toEqual([role, password, 'mcp_mesh_registry']);

    // The init container, run as written with its host and port rewritten: mcp-mesh-registry-postgres...:5432 -> 127.0.0.1:<pg.port>.
    const [init] = statefulSet.spec.template.spec.initContainers;
    expect(init.name).toBe('wait-for-postgres');
    expect(init.command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(init.command.slice(3)).toEqual([dbHost, '5432']);
    await pg.down();
    let waited: Promise<number | null>;
    try {
      const wait = spawn(init.command[0], [init.command[1], init.command[2], '127.0.0.1', String(pg.port)],
      { env: { PATH: `${pg.binDir}:/usr/bin:/bin` }, detached: true, stdio: 'ignore' });
      reapGroup(wait);
      helpers.push(wait);
      waited = new Promise<number | null>((resolve) => wait.once('exit', (code) => resolve(code)));
      await new Promise((r) => setTimeout(r, 1000));
      expect(wait.exitCode).toBeNull(); // still waiting: the database is down
    } finally {
      await pg.up();
    }
    const upAt = Date.now();
    expect(await waited).toBe(0);
    expect(Date.now() - upAt).toBeLessThan(5000);

    const loopbackUrl = podEnv.DATABASE_URL.replace(`@${dbHost}:5432/`, `@127.0.0.1:${pg.port}/`);
    const registry = await startReplica(podEnv, registryContainer.args, loopbackUrl);
    const deployment = find(objects, 'Deployment', 'weather');
    await register(registry, heartbeatFor(objects, deployment, '6f9d7c-k2x4p'));
    expect((await listAgents(registry)).map((x) => x.name)).toEqual(['weather']);
    // sslmode=disable: the in-cluster database serves no TLS, and the registry does not ask for it.
    expect(await pg.psql(`SELECT bool_or(s.ssl) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.usename = '${role}'`)).toBe('f');
    await registry.stop();
  });
});

describe('SQLite (the default): a restart keeps every agent', () => {
  const objects = synth((chart) => new McpMesh(chart, 'Mesh', { namespace: NAMESPACE, agents: AGENTS }));
  const statefulSet = find(objects, 'StatefulSet', 'mcp-mesh-registry');
  const registryContainer = container(statefulSet);

  test('registered agents, their capabilities and resolved dependencies survive SIGTERM and a start on the same data dir', async () => {
    const podEnv = resolveContainerEnv(registryContainer, objects, NAMESPACE);
    const dataMount = registryContainer.volumeMounts.find((m: any) => m.name === 'data');
    expect(path.dirname(podEnv.DATABASE_URL)).toBe(dataMount.mountPath);
    const dataDir = fs.mkdtempSync(path.join(root, 'sqlite-'));
    // The claim mounted at /data is a temp dir here: /data/mcp_mesh_registry.db -> <dataDir>/mcp_mesh_registry.db.
    const dbFile = path.join(dataDir, path.basename(podEnv.DATABASE_URL));
    const port = await freePort();
    const start = () => startReplica(podEnv, registryContainer.args, dbFile, port);

    let registry = await start();
    const beats = AGENTS.map((a) => heartbeatFor(objects, find(objects, 'Deployment', a.name!), '6f9d7c-k2x4p'));
    for (const body of beats) await register(registry, body);
    const before = await listAgents(registry);
    expect(before.map((x) => x.name)).toEqual(['hotels', 'planner', 'reviews', 'weather']);
    expect(before.find((x) => x.name === 'planner').dependencies_resolved).toBe(2);
    const registeredAt = Date.now();

    await registry.stop(); // SIGTERM, as the kubelet sends after the preStop pause
    expect(registry.exitCode()).toBe(0);
    expect(fs.statSync(dbFile).size).toBeGreaterThan(0);

    registry = await start();
    const after = await listAgents(registry);
    expect(after).toEqual(before);
    // Inside the registry's fixed 30 s startup-cleanup window nobody is stale, so they are all still healthy.
    expect(Date.now() - registeredAt).toBeLessThan(30000);
    expect(registry.output()).toContain('Startup cleanup: no stale agents found (threshold: 30s)');
    expect(after.every((x) => x.status === 'healthy')).toBe(true);
    await registry.stop();
  });
});
