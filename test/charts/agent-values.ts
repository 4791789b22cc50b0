/**
 * The agent chart's values and the construct props that mean the same: random valid values for the parity
 * property test, and the mapping the test holds the chart to.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import { parse } from 'yaml';
import { AdvertiseMode, AgentRuntime, LogLevel, McpMeshAgentProps, SecretValue } from '../../src';
import { CHARTS_DIR, Obj, withChartDefaults } from './helm-run';
import { constructMesh, MeshCase, networkPeer, seconds } from './mesh-parity';

export interface AgentCase {
  readonly namespace: string;
  readonly values: Obj;
}

const capabilityName = fc.constantFrom('weather_forecast', 'hotel_search', 'plan_trip', 'on', 'y', 'Summarize.v2', 'a-b', 'x1');
const tag = fc.constantFrom('demo', 'true', '123', 'a b', 'k: v', 'x #y', 'ends:', 'quote"d', 'back\\slash', '~', 'NULL', '/path', '@at');
const quantity = (units: string[]) => fc.tuple(fc.integer({ min: 1, max: 900 }), fc.constantFrom(...units)).map(([n, u]) => `${n}${u}`);


/** Mostly `valid`, sometimes `refused`: each refused alternative is rare, so most cases compare objects. */
function mostly<T>(valid: fc.Arbitrary<T>, refused: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: valid, weight: 15 }, { arbitrary: refused, weight: 1 });
}

/** Valid values of charts/mcp-mesh-agent, in canonical form (quantities as the API server keeps them). */
export const agentCase: fc.Arbitrary<AgentCase> = fc.record({
  namespace: fc.constantFrom('default', 'agents', 'team-a'),
  meshName: fc.constantFrom('mcp-mesh', 'travel'),
  name: fc.constantFrom('weather', 'hotels', 'planner', 'y', 'n0'),
  capabilities: fc.uniqueArray(fc.record({
    name: capabilityName,
    version: fc.option(fc.constantFrom('1.0.0', '2.1.3-rc.1', '0.0.1+build.5'), { nil: undefined }),
    timeout: fc.option(fc.integer({ min: 1, max: 3600 }), { nil: undefined }),
    tags: fc.option(fc.array(tag, { maxLength: 3 }), { nil: undefined }),
  }), { selector: (c) => c.name, maxLength: 3 }),
  dependencies: fc.uniqueArray(fc.record({
    name: fc.constantFrom('dep_one', 'dep_two', 'dep.three', 'yes', 'plan_trip'),
    port: fc.option(fc.constantFrom(8080, 9000, 8081), { nil: undefined }),
  }), { selector: (d) => d.name, maxLength: 3 }),
  code: fc.oneof(
    fc.record({ source: fc.constantFrom('print("hi")\n', 'import os\n\nx = "a: b"\n', 'one line'), args: fc.array(fc.constantFrom('--x', '1', 'yes'), { maxLength: 2 }) }),
    fc.record({ script: fc.constantFrom('', 'agent.py', 'app/main.py'), repository: fc.constantFrom('ghcr.io/example/weather', 'registry.local:5000/team/agent'), tag: fc.constantFrom('1.0.0', 'v2', '3.8.0-slim') }),
  ),
  port: fc.constantFrom(8080, 9000, 1024),
  advertise: fc.constantFrom('service', 'service', 'pod-ip'),
  headlessService: fc.boolean(),
  heartbeatInterval: mostly(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 7, max: 300 })),
  logLevel: fc.constantFrom('TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'),
  retryAttempts: fc.integer({ min: 0, max: 10 }),
  callTimeout: fc.option(fc.integer({ min: 1, max: 86400 }), { nil: null }),
  preStopDelay: fc.integer({ min: 0, max: 600 }),
  drainTimeout: fc.option(fc.integer({ min: 0, max: 30 }), { nil: null }),
  replicas: fc.integer({ min: 0, max: 4 }),
  autoscaling: fc.option(fc.record({ minReplicas: fc.integer({ min: 1, max: 3 }), extra: fc.integer({ min: 0, max: 5 }), target: fc.integer({ min: 1, max: 100 }) }), { nil: undefined }),
  resources: fc.record({
    cpuRequest: fc.option(fc.oneof(quantity(['m']), fc.constantFrom('1', '3')), { nil: undefined }),
    ephemeralStorageLimit: fc.option(fc.constantFrom(null, '4Gi'), { nil: undefined }),
    memoryRequest: fc.option(fc.oneof(fc.integer({ min: 1, max: 512 }).map((n) => `${n}Mi`), fc.constantFrom('1Gi')), { nil: undefined }),
    memoryLimit: fc.option(fc.constantFrom('512Mi', '2Gi'), { nil: undefined }),
    cpuLimit: fc.option(fc.constantFrom('2', '4'), { nil: undefined }),
  }),
  registryHost: fc.constantFrom('mcp-mesh-registry', 'registry'),
  registryPort: fc.constantFrom(8000, 9100),
  timeoutThreshold: fc.constantFrom(undefined, 20, 60, 900),
  clusterDomain: fc.constantFrom('cluster.local', 'corp.internal'),
  env: fc.uniqueArray(fc.record({ name: fc.constantFrom('FEATURE_X', 'OPENAI_BASE_URL', 'MODEL', 'TZ'), value: fc.constantFrom('on', '1', 'gpt-4o', 'a "quoted" <b>', '') }), { selector: (e) => e.name, maxLength: 3 }),
  secretEnv: fc.uniqueArray(fc.record({ name: fc.constantFrom('OPENAI_API_KEY', 'DB_PASSWORD'), secretName: fc.constantFrom('llm', 'db.creds'), key: fc.constantFrom('key', 'pass.word') }), { selector: (e) => e.name, maxLength: 2 }),
  networkPolicy: fc.boolean(),
  internetEgress: fc.boolean(),
  clusterCidrs: fc.constantFrom(undefined, ['10.0.0.0/8'], ['10.0.0.0/8', 'fd00::/8']),
  serviceMesh: fc.constantFrom('none', 'none', 'istio'),
  trustDomain: fc.constantFrom(undefined, 'corp.example'),
  ingressServiceAccount: fc.option(fc.constant({ name: 'ingress-nginx', namespace: 'ingress-nginx' }), { nil: undefined }),
  traffic: fc.option(fc.record({
    timeout: fc.option(mostly(fc.constantFrom(3600, 7200), fc.constant(1)), { nil: undefined }),
    retries: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
    maxConnections: fc.option(fc.constantFrom(1, 1000), { nil: undefined }),
    consecutiveErrors: fc.option(fc.constantFrom(1, 20), { nil: undefined }),
    baseEjectionTime: fc.option(fc.constantFrom(1, 300), { nil: undefined }),
    maxEjectionPercent: fc.option(fc.constantFrom(0, 100), { nil: undefined }),
  }), { nil: undefined }),
  nodeSelector: fc.option(mostly<Obj>(fc.constantFrom<Obj>({ 'kubernetes.io/arch': 'arm64' }, { 'node.example.com/pool': 'agents', disk: 'ssd' }, {}), fc.constant({ 'bad key!': 'x' })), { nil: undefined }),
  tolerations: fc.option(fc.array(mostly(fc.constantFrom<Obj>(
    { key: 'dedicated', value: 'agents', effect: 'NoSchedule' }, { key: 'dedicated', operator: 'Equal', value: 'agents' }, { operator: 'Exists' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }, { key: 'spot', effect: 'PreferNoSchedule' },
  ), fc.constantFrom<Obj>({ value: 'x' }, { key: 'k', operator: 'Exists', value: 'v' }, { key: 'k', tolerationSeconds: 5 })), { maxLength: 2 }), { nil: undefined }),
  podAnnotations: fc.option(mostly<Obj>(fc.constantFrom<Obj>({ 'fluentbit.io/parser': 'json' }, { 'example.com/team': 'travel', note: 'a: b' }), fc.constant({ 'mesh.mcp.io/config-checksum': 'x' })), { nil: undefined }),
  serviceAccountAnnotations: fc.option(fc.constantFrom({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/agent' }, { 'iam.gke.io/gcp-service-account': 'agent@p.iam.gserviceaccount.com' }), { nil: undefined }),
  ingress: fc.option(fc.record({
    className: fc.constantFrom('nginx', 'internal.nginx'),
    host: fc.constantFrom('weather.example.com', '*.agents.example.org'),
    path: fc.constantFrom(undefined, '/', '/weather', '/a/b'),
    tlsSecretName: fc.option(fc.constantFrom('weather-tls'), { nil: undefined }),
  }), { nil: undefined }),
}).filter((c) => !(c.advertise === 'pod-ip' && c.autoscaling !== undefined))
  .map((c) => {
    const values: Obj = {
      mesh: { name: c.meshName, clusterDomain: c.clusterDomain },
      agent: {
        name: c.name,
        capabilities: c.capabilities.map((cap) => strip({ name: cap.name, version: cap.version, timeout: cap.timeout, tags: cap.tags })),
        dependencies: c.dependencies.map((d) => strip({ name: d.name, port: d.port })),
        ...('source' in c.code ? { source: c.code.source, args: c.code.args } : { script: c.code.script }),
        port: c.port,
        advertise: c.advertise,
        headlessService: c.headlessService,
        heartbeatInterval: c.heartbeatInterval,
        logLevel: c.logLevel,
        retryAttempts: c.retryAttempts,
        callTimeout: c.callTimeout,
        preStopDelay: c.preStopDelay,
        drainTimeout: c.drainTimeout,
      },
      ...('repository' in c.code ? { image: { repository: c.code.repository, tag: c.code.tag } } : {}),
      replicaCount: c.replicas,
      ...(c.autoscaling !== undefined ? {
        autoscaling: { enabled: true, minReplicas: c.autoscaling.minReplicas, maxReplicas: c.autoscaling.minReplicas + c.autoscaling.extra, targetCPUUtilizationPercentage: c.autoscaling.target },
      } : {}),
      resources: {
        requests: strip({ cpu: c.resources.cpuRequest, memory: c.resources.memoryRequest }),
        limits: strip({ cpu: c.resources.cpuLimit, memory: c.resources.memoryLimit, 'ephemeral-storage': c.resources.ephemeralStorageLimit }),
      },
      registry: strip({ host: c.registryHost, port: c.registryPort, timeoutThreshold: c.timeoutThreshold }),
      env: c.env,
      secretEnv: c.secretEnv,
      networkPolicy: strip({
        enabled: c.networkPolicy,
        internetEgress: c.internetEgress,
        clusterCidrs: c.clusterCidrs,
        ...(c.ingress !== undefined ? { ingressController: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } } } : {}),
      }),
      ...(c.ingress !== undefined ? { ingress: strip({ enabled: true, ...c.ingress }) } : {}),
      serviceMesh: c.serviceMesh,
      ...(c.trustDomain !== undefined || c.ingressServiceAccount !== undefined
        ? { istio: strip({ trustDomain: c.trustDomain, ingressServiceAccount: c.ingressServiceAccount }) } : {}),
      ...(c.traffic !== undefined ? { traffic: strip(c.traffic) } : {}),
      ...(c.nodeSelector !== undefined ? { nodeSelector: c.nodeSelector } : {}),
      ...(c.tolerations !== undefined ? { tolerations: c.tolerations } : {}),
      ...(c.podAnnotations !== undefined ? { podAnnotations: c.podAnnotations } : {}),
      ...(c.serviceAccountAnnotations !== undefined ? { serviceAccount: { annotations: c.serviceAccountAnnotations } } : {}),
    };
    return { namespace: c.namespace, values };
  });

/** Drops undefined fields (JSON would), keeps null (which removes a chart default). */
function strip<T extends Obj>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}


/** The agent chart's values.yaml: the defaults Helm merges the given values into. */
const CHART_DEFAULTS: Obj = parse(fs.readFileSync(path.join(CHARTS_DIR, 'mcp-mesh-agent', 'values.yaml'), 'utf8'));

/** The McpMeshAgentProps that mean what the chart's values mean. */
export function agentProps(given: Obj): McpMeshAgentProps {
  const values = withChartDefaults(given, CHART_DEFAULTS);
  const a = values.agent;
  const image = values.image === undefined ? undefined : `${values.image.repository}:${values.image.tag}`;
  const req = values.resources?.requests ?? {};
  const lim = values.resources?.limits ?? {};
  const quantity = (v: string | null | undefined, fallback: string | undefined) => (v === null ? undefined : v ?? fallback);
  return {
    name: a.name,
    runtime: a.source
      ? AgentRuntime.python({ source: a.source, ...(a.args?.length ? { args: a.args } : {}) })
      : AgentRuntime.python({ image, ...(a.script ? { script: a.script } : {}) }),
    capabilities: a.capabilities.map((c: Obj) => ({
      name: c.name, version: c.version, tags: c.tags, ...(c.timeout !== undefined ? { timeout: seconds(c.timeout) } : {}),
    })),
    dependsOn: a.dependencies.map((d: Obj) => d.name),
    port: a.port,
    advertise: a.advertise as AdvertiseMode,
    headlessService: a.headlessService,
    heartbeatInterval: seconds(a.heartbeatInterval),
    logLevel: a.logLevel as LogLevel,
    retryAttempts: a.retryAttempts,
    ...(a.callTimeout !== null ? { callTimeout: seconds(a.callTimeout) } : {}),
    preStopDelay: seconds(a.preStopDelay),
    ...(a.drainTimeout !== null ? { drainTimeout: seconds(a.drainTimeout) } : {}),
    ...(values.autoscaling?.enabled ? {
      autoscaling: { minReplicas: values.autoscaling.minReplicas, maxReplicas: values.autoscaling.maxReplicas, targetCpuUtilization: values.autoscaling.targetCPUUtilizationPercentage },
    } : { replicas: values.replicaCount }),
    resources: {
      cpuRequest: quantity(req.cpu, '100m'),
      memoryRequest: quantity(req.memory, '256Mi'),
      ...(lim.cpu !== undefined ? { cpuLimit: lim.cpu } : {}),
      memoryLimit: quantity(lim.memory, '512Mi'),
      ephemeralStorageLimit: quantity(lim['ephemeral-storage'], '2Gi'),
    },
    env: values.env,
    secretEnv: values.secretEnv.map((e: Obj) => ({ name: e.name, value: SecretValue.fromSecretKey(e.secretName, e.key) })),
    internetEgress: values.networkPolicy?.internetEgress === true,
    ...(Object.keys(values.traffic ?? {}).length > 0 ? {
      traffic: strip({
        timeout: values.traffic.timeout === undefined ? undefined : seconds(values.traffic.timeout), retries: values.traffic.retries,
        maxConnections: values.traffic.maxConnections, maxPendingRequests: values.traffic.maxPendingRequests, consecutiveErrors: values.traffic.consecutiveErrors,
        baseEjectionTime: values.traffic.baseEjectionTime === undefined ? undefined : seconds(values.traffic.baseEjectionTime), maxEjectionPercent: values.traffic.maxEjectionPercent,
      }),
    } : {}),
    ...(values.nodeSelector !== undefined ? { nodeSelector: values.nodeSelector } : {}),
    ...(values.tolerations !== undefined ? { tolerations: values.tolerations } : {}),
    ...(values.podAnnotations !== undefined ? { podAnnotations: values.podAnnotations } : {}),
    ...(values.serviceAccount?.annotations !== undefined ? { serviceAccountAnnotations: values.serviceAccount.annotations } : {}),
    ...(values.ingress?.enabled ? {
      expose: strip({ host: values.ingress.host, path: values.ingress.path, ingressClassName: values.ingress.className, tlsSecretName: values.ingress.tlsSecretName || undefined }),
    } : {}),
  };
}

/**
 * The agent of these values in a mesh the charts can install release by release: the registry, an agent providing
 * each of its dependencies (on the port the values give, with a 1 s timeout: a release cannot know a provider's
 * timeout, so callTimeout is not checked against it) and an agent calling each of its capabilities, so that
 * every capability is called and every policy has its peers. All share the agent's mesh, registry and service mesh.
 */
export function meshOfAgent({ namespace, values }: AgentCase): MeshCase {
  const np = values.networkPolicy ?? {};
  const threshold = values.registry.timeoutThreshold ?? 20;
  const shared = {
    mesh: values.mesh,
    registry: values.registry,
    serviceMesh: values.serviceMesh ?? 'none',
    ...(values.istio?.trustDomain !== undefined ? { istio: { trustDomain: values.istio.trustDomain } } : {}),
    networkPolicy: { enabled: np.enabled !== false },
  };
  const a = values.agent;
  return {
    namespace,
    registry: {
      mesh: values.mesh,
      registry: { name: values.registry.host, port: values.registry.port, timeoutThreshold: threshold, evictionThreshold: 3 * threshold },
      serviceMesh: shared.serviceMesh,
      ...(shared.istio !== undefined ? { istio: shared.istio } : {}),
      networkPolicy: shared.networkPolicy,
    },
    agents: [
      values,
      ...a.dependencies.map((d: Obj, i: number) => ({ ...shared, agent: { name: `provider-${i}`, source: 'x', port: d.port ?? 8080, capabilities: [{ name: d.name, timeout: 1 }] } })),
      ...(a.capabilities.length === 0 ? [] : [{ ...shared, agent: { name: 'caller', source: 'x', dependencies: a.capabilities.map((c: Obj) => ({ name: c.name, port: a.port })) } }]),
    ],
  };
}

/** The McpMesh of the same settings as `meshOfAgent`. */
export function constructMeshOfAgent(c: MeshCase): Obj[] {
  const values = c.agents[0];
  const np = values.networkPolicy ?? {};
  const r = c.registry.registry;
  return constructMesh(c, { name: r.name, port: r.port, timeoutThreshold: seconds(r.timeoutThreshold), evictionThreshold: seconds(r.evictionThreshold) }, agentProps, {
    networkPolicies: np.enabled !== false,
    ...(np.clusterCidrs !== undefined ? { clusterCidrs: np.clusterCidrs } : {}),
    ...(values.ingress?.enabled ? { ingressController: networkPeer(np.ingressController) } : {}),
    ...(values.istio?.ingressServiceAccount !== undefined ? { ingressServiceAccount: values.istio.ingressServiceAccount } : {}),
  }, np.enabled !== false);
}
