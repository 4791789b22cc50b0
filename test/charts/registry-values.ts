/**
 * The registry chart's values and the construct props that mean the same: random values for the parity
 * property test, and the mapping the test holds the chart to.
 */
import * as fc from 'fast-check';
import { LogLevel, NetworkPeer, RegistryStorage, VolumeAccessMode } from '../../src';
import { agentProps } from './agent-values';
import { Obj } from './helm-run';
import { constructMesh, MeshCase, networkPeer, seconds } from './mesh-parity';

export interface RegistryCase {
  readonly namespace: string;
  readonly values: Obj;
}

const selector = fc.constantFrom({ matchLabels: { app: 'db' } }, { matchLabels: { 'app.kubernetes.io/name': 'postgresql', tier: 'data' } });
const namespaceSelector = fc.constantFrom({ matchLabels: { 'kubernetes.io/metadata.name': 'data' } });
const peer = fc.oneof(
  fc.record({ namespaceSelector, podSelector: fc.option(selector, { nil: undefined }) }, { requiredKeys: ['namespaceSelector'] }),
  fc.record({ podSelector: selector }),
  fc.record({ ipBlock: fc.constantFrom({ cidr: '10.20.0.0/16' }, { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] }) }),
);

/** Mostly `valid`, sometimes `refused`: each refused alternative is rare, so most cases compare objects. */
function mostly<T>(valid: fc.Arbitrary<T>, refused: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: refused, weight: 1 });
}

/** Values of charts/mcp-mesh-registry, mostly valid, in canonical form (quantities as the API server keeps them). */
export const registryCase: fc.Arbitrary<RegistryCase> = fc.record({
  namespace: fc.constantFrom('default', 'mesh', 'team-a'),
  meshName: fc.constantFrom('mcp-mesh', 'travel'),
  name: fc.constantFrom('mcp-mesh-registry', 'registry', 'r'),
  port: fc.constantFrom(8000, 9000),
  adminPort: mostly(fc.constantFrom(8001, 9001), fc.constant(8000)),
  allowFrom: fc.array(peer, { maxLength: 2 }),
  logLevel: fc.constantFrom('TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'),
  healthCheckInterval: mostly(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 11, max: 3600 })),
  timeoutThreshold: fc.integer({ min: 10, max: 120 }),
  evictionFactor: mostly(fc.constantFrom(3, 10), fc.constant(1)),
  retention: fc.option(mostly(fc.constantFrom(3600, 5400, 86400), fc.constantFrom(60, 90)), { nil: null }),
  preStopDelay: fc.integer({ min: 0, max: 600 }),
  tag: fc.constantFrom(undefined, '3.7.1', '3.8.0'),
  replicas: fc.integer({ min: 1, max: 4 }),
  cpuRequest: fc.option(fc.constantFrom('50m', '250m', '1'), { nil: undefined }),
  cpuLimit: fc.option(mostly(fc.constantFrom('2', '4'), fc.constant('10m')), { nil: undefined }),
  storage: fc.oneof(
    fc.record({ type: fc.constant('sqlite'), size: fc.option(fc.constantFrom('5Gi', '500Mi'), { nil: undefined }), storageClassName: fc.constantFrom('', 'fast-ssd'), accessMode: fc.constantFrom('ReadWriteOnce', 'ReadWriteOncePod') }),
    fc.record({ type: fc.constant('postgres'), url: fc.constant(true), endpointPort: fc.constantFrom(5432, 6432), endpoint: peer }),
    fc.record({
      type: fc.constant('postgres-in-cluster'), database: fc.constantFrom(undefined, 'registry'), tag: fc.constantFrom(undefined, '16.4'),
      size: fc.constantFrom(undefined, '20Gi'), storageClassName: fc.constantFrom(undefined, 'fast-ssd'), usernameKey: fc.constantFrom(undefined, 'user'),
      memoryLimit: fc.constantFrom(undefined, '2Gi', '128Mi'),
    }),
    fc.record({ type: fc.constant('postgres'), url: fc.constant(false), host: fc.constantFrom('db.example.com', '10.0.0.5'), port: fc.constantFrom(undefined, 6543), database: fc.constantFrom(undefined, 'registry'), sslMode: fc.constantFrom(undefined, 'verify-full', 'disable'), usernameKey: fc.constantFrom(undefined, 'user'), endpointPort: fc.constantFrom(5432), endpoint: peer }),
  ),
  networkPolicy: fc.boolean(),
  clusterDomain: fc.constantFrom(undefined, 'corp.internal'),
  serviceMesh: fc.constantFrom(undefined, 'none', 'istio'),
  trustDomain: fc.constantFrom(undefined, 'corp.example'),
  dns: fc.option(fc.constantFrom({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'coredns' } } }, { ipBlock: { cidr: '10.96.0.10/32' } }), { nil: undefined }),
})
  // SQLite with more than one replica is refused; keep it to one case in twelve.
  .filter((c) => c.storage.type !== 'sqlite' || c.replicas === 1 || c.preStopDelay % 12 === 0)
  .map((c) => {
  const s = c.storage as Obj;
  const endpoint = s.type === 'postgres' ? (s.endpoint.ipBlock !== undefined ? { port: s.endpointPort, cidr: s.endpoint.ipBlock.cidr } : { port: s.endpointPort, ...s.endpoint }) : undefined;
  const values: Obj = {
    mesh: strip({ name: c.meshName, clusterDomain: c.clusterDomain }),
    registry: {
      name: c.name, port: c.port, admin: { port: c.adminPort, allowFrom: c.allowFrom }, logLevel: c.logLevel,
      healthCheckInterval: c.healthCheckInterval, timeoutThreshold: c.timeoutThreshold, evictionThreshold: c.timeoutThreshold * c.evictionFactor,
      retention: c.retention, preStopDelay: c.preStopDelay,
    },
    ...(c.tag !== undefined ? { image: { tag: c.tag } } : {}),
    replicaCount: c.replicas,
    resources: { requests: strip({ cpu: c.cpuRequest }), limits: strip({ cpu: c.cpuLimit }) },
    storage: s.type === 'sqlite'
      ? { type: 'sqlite', sqlite: strip({ size: s.size, storageClassName: s.storageClassName, accessMode: s.accessMode }) }
      : s.type === 'postgres-in-cluster' ? {
        type: 'postgres-in-cluster',
        postgresInCluster: strip({
          credentialsSecret: strip({ name: 'registry-db-credentials', usernameKey: s.usernameKey }), database: s.database,
          ...(s.tag !== undefined ? { image: { tag: s.tag } } : {}), size: s.size, storageClassName: s.storageClassName,
          ...(s.memoryLimit !== undefined ? { resources: { limits: { memory: s.memoryLimit } } } : {}),
        }),
      } : { type: 'postgres', postgres: s.url
        ? { urlSecret: { name: 'registry-db', key: 'url' }, endpoint }
        : strip({ host: s.host, port: s.port, database: s.database, sslMode: s.sslMode, credentialsSecret: strip({ name: 'registry-db', usernameKey: s.usernameKey }), endpoint }) },
    networkPolicy: strip({ enabled: c.networkPolicy, dns: c.dns }),
    ...(c.serviceMesh !== undefined ? { serviceMesh: c.serviceMesh } : {}),
    ...(c.trustDomain !== undefined ? { istio: { trustDomain: c.trustDomain } } : {}),
  };
  return { namespace: c.namespace, values };
});

function strip<T extends Obj>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}


function storage(values: Obj): RegistryStorage {
  const s = values.storage;
  if (s.type === 'sqlite') {
    return RegistryStorage.sqlite({ size: s.sqlite.size, accessMode: s.sqlite.accessMode as VolumeAccessMode, ...(s.sqlite.storageClassName ? { storageClassName: s.sqlite.storageClassName } : {}) });
  }
  if (s.type === 'postgres-in-cluster') {
    const db = s.postgresInCluster;
    return RegistryStorage.postgresInCluster({
      credentials: { secretName: db.credentialsSecret.name, usernameKey: db.credentialsSecret.usernameKey },
      database: db.database, size: db.size, storageClassName: db.storageClassName,
      ...(db.image !== undefined ? { image: `postgres:${db.image.tag}` } : {}),
      ...(db.resources !== undefined ? { resources: { memoryLimit: db.resources.limits.memory } } : {}),
    });
  }
  const pg = s.postgres;
  const e = pg.endpoint;
  const endpoint = e === undefined ? undefined : { port: e.port, peer: e.cidr !== undefined ? NetworkPeer.ipBlock(e.cidr) : networkPeer(e) };
  if (pg.urlSecret !== undefined) return RegistryStorage.postgres({ urlSecret: pg.urlSecret, endpoint });
  return RegistryStorage.postgresFromParts({
    host: pg.host, port: pg.port, database: pg.database, sslMode: pg.sslMode, endpoint,
    credentials: { secretName: pg.credentialsSecret.name, usernameKey: pg.credentialsSecret.usernameKey },
  });
}

/** The registry of these values in a mesh of one agent release (with a heartbeat that fits any timeout threshold). */
export function meshOfRegistry({ namespace, values }: RegistryCase): MeshCase {
  const agent = {
    mesh: strip({ name: values.mesh.name, clusterDomain: values.mesh.clusterDomain }),
    registry: { host: values.registry.name, port: values.registry.port, timeoutThreshold: values.registry.timeoutThreshold },
    serviceMesh: values.serviceMesh ?? 'none',
    ...(values.istio !== undefined ? { istio: values.istio } : {}),
    networkPolicy: { enabled: values.networkPolicy?.enabled !== false },
    agent: { name: 'agent', source: 'x', heartbeatInterval: 1 },
  };
  return { namespace, registry: values, agents: [agent] };
}

/** The McpMesh of the same settings as `meshOfRegistry`. */
export function constructMeshOfRegistry(c: MeshCase): Obj[] {
  const values = c.registry;
  const r = values.registry;
  const np = values.networkPolicy ?? {};
  return constructMesh(c, {
    name: r.name, port: r.port, admin: { port: r.admin.port, allowFrom: r.admin.allowFrom.map(networkPeer) }, logLevel: r.logLevel as LogLevel,
    healthCheckInterval: seconds(r.healthCheckInterval), timeoutThreshold: seconds(r.timeoutThreshold), evictionThreshold: seconds(r.evictionThreshold),
    ...(r.retention !== null ? { retention: seconds(r.retention) } : {}),
    preStopDelay: seconds(r.preStopDelay),
    ...(values.image !== undefined ? { image: `mcpmesh/registry:${values.image.tag}` } : {}),
    replicas: values.replicaCount,
    resources: strip({ cpuRequest: values.resources.requests.cpu, cpuLimit: values.resources.limits.cpu }),
    storage: storage(values),
  }, agentProps, { networkPolicies: np.enabled !== false, ...(np.dns !== undefined ? { dns: networkPeer(np.dns) } : {}) }, np.enabled !== false);
}
