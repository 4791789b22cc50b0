/**
 * The bad-input corpus, generated and run inside a worker thread (bounded memory; the test watches its time):
 * every field of the props schema x mutation operators (types, bounds, typos, prototype names, nulls), the
 * value domains (names, durations, quantities, images, CIDRs, keys, env names, versions), huge values and
 * conflicting options, through the JavaScript API and through the CLI (MCPMesh/MCPAgent files), plus
 * file-system oddities for the CLI. Plain JavaScript over the compiled library (lib/), as a JavaScript user
 * calls it.
 *
 * Protocol: { cmd: 'list' } -> { cases: [{ id, surface, kind, field, mutation }] }
 *           { cmd: 'run', from } -> one { result } per case from `from` on, then { done: true }
 */
'use strict';
const { parentPort } = require('worker_threads');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const lib = require(path.join(ROOT, 'lib', 'src'));
const { runCli } = require(path.join(ROOT, 'lib', 'src', 'cli', 'main.js'));
const { PROPS_DEFINITIONS } = require(path.join(ROOT, 'lib', 'src', 'schema', 'props-schema.generated.js'));
const { App, Chart, Duration } = require(path.join(ROOT, 'node_modules', 'cdk8s'));
const YAML = require(path.join(ROOT, 'node_modules', 'yaml'));

const { AgentRuntime, McpMesh, MeshEnvironment, MeshValidationError, NetworkPeer, RegistryStorage, SecretValue, ServiceMesh } = lib;

// ---------------------------------------------------------------------------------------------------------
// The valid base: every part of the props present, so that every field has a parent to mutate in.

function baseProps() {
  return {
    name: 'corpus',
    namespace: 'corpus',
    createNamespace: false,
    clusterDomain: 'cluster.local',
    serviceMesh: ServiceMesh.ISTIO,
    capabilityRouting: true,
    registry: {
      name: 'registry', image: 'mcpmesh/registry:3.7.1', port: 8000, replicas: 1, expectedAgents: 50, logLevel: 'INFO',
      healthCheckInterval: Duration.seconds(10), timeoutThreshold: Duration.seconds(20), evictionThreshold: Duration.seconds(60),
      preStopDelay: Duration.seconds(5), runAsUser: 1001,
      storage: RegistryStorage.sqlite({ size: '1Gi', storageClassName: 'standard' }),
      resources: { cpuRequest: '100m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: '256Mi', ephemeralStorageRequest: '50Mi', ephemeralStorageLimit: '1Gi' },
    },
    agents: [
      {
        name: 'weather',
        runtime: AgentRuntime.python({ image: 'ghcr.io/example/weather:1.0.0', script: 'weather.py', args: ['--fast'] }),
        capabilities: [{ name: 'weather_forecast', version: '1.0.0', timeout: Duration.seconds(10), tags: ['weather'], description: 'Forecasts' }],
        replicas: 2, port: 8080, advertise: 'service', headlessService: true, heartbeatInterval: Duration.seconds(5), logLevel: 'INFO',
        retryAttempts: 3, callTimeout: Duration.seconds(30), meshNamespace: 'travel', internetEgress: true, exposed: true,
        env: [{ name: 'UNITS', value: 'metric' }],
        secretEnv: [{ name: 'WEATHER_API_KEY', value: SecretValue.fromSecretKey('weather-keys', 'api-key') }],
        resources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
        preStopDelay: Duration.seconds(10), drainTimeout: Duration.seconds(30),
        traffic: { timeout: Duration.seconds(20), retries: 2, idempotent: false, maxConnections: 100, maxPendingRequests: 100, consecutiveErrors: 5, baseEjectionTime: Duration.seconds(30), maxEjectionPercent: 50 },
        expose: { host: 'weather.example.com', path: '/', ingressClassName: 'nginx', tlsSecretName: 'weather-tls' },
        nodeSelector: { 'kubernetes.io/arch': 'arm64' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'agents', effect: 'NoExecute', tolerationSeconds: 60 }],
        podAnnotations: { 'fluentbit.io/parser': 'json' },
        serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/weather' },
      },
      {
        name: 'planner',
        runtime: AgentRuntime.custom({ image: 'ghcr.io/example/planner:1.0.0', command: ['node'], args: ['planner.js'], runAsUser: 1000, runAsGroup: 1000 }),
        dependsOn: ['weather_forecast'],
        autoscaling: { minReplicas: 2, maxReplicas: 4, targetCpuUtilization: 70 },
        expose: { host: 'planner.example.com', gateway: { name: 'public', namespace: 'gateways', sectionName: 'https' } },
      },
    ],
    security: {
      networkPolicies: true, allowRegistryProxy: false, trustDomain: 'cluster.local',
      clusterCidrs: ['10.0.0.0/8'],
      dns: NetworkPeer.podsInNamespace('kube-system', { 'k8s-app': 'kube-dns' }),
      prometheus: NetworkPeer.pods({ namespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' }, podLabels: { app: 'prometheus' } }),
      ingressController: NetworkPeer.podsInNamespace('ingress-nginx'),
      controlPlane: NetworkPeer.ipBlock('172.20.0.0/16'),
    },
    trafficDefaults: { retries: 2, maxConnections: 100, timeout: Duration.seconds(30) },
    observability: {
      scrapeAgents: false, scrapeInterval: Duration.seconds(30), scrapeTimeout: Duration.seconds(10), dashboards: true,
      dashboardFolder: 'MCP Mesh', dashboardFolderAnnotation: 'grafana_folder', dashboardNamespace: 'corpus',
      prometheusSelectorLabels: { release: 'kube-prometheus-stack' }, dashboardLabels: { grafana_dashboard: '1' },
      alerts: { registryDownFor: Duration.minutes(2), errorRatioThreshold: 0.05, minRequestsPerMinute: 1, labels: { team: 'mesh' }, runbookBaseUrl: 'https://runbooks.example.com/mcp' },
    },
    tracing: {
      redisUrlSecret: { name: 'redis', key: 'url' }, otlpEndpoint: 'tempo.monitoring:4317', otlpProtocol: 'grpc',
      redisNetwork: { peer: NetworkPeer.podsInNamespace('redis'), port: 6379 },
      collectorNetwork: { peer: NetworkPeer.podsInNamespace('monitoring'), port: 4317 },
    },
    externalSecrets: {
      storeName: 'vault', storeKind: 'ClusterSecretStore', refreshInterval: Duration.hours(1),
      secrets: [{ secretName: 'weather-keys', data: [{ key: 'api-key', remoteKey: 'mesh/weather', property: 'key', version: '1' }] }],
    },
    policyCheck: true,
  };
}

/** Synthesizes as `cdk8s synth` does (validations included); returns the objects. */
function synthesize(props) {
  const app = new App({ outdir: '/nonexistent' });
  const chart = new Chart(app, 'corpus', { disableResourceNameHashes: true });
  new McpMesh(chart, 'Mesh', props);
  app.synthYaml();
  return chart.toJson();
}

// ---------------------------------------------------------------------------------------------------------
// Fields: every property of McpMeshProps, with the schema node that describes it and its path in the base.

/** [{ path: ['agents', 0, 'replicas'], schema }] for every property reachable through the base's values. */
function fields(schema, value, at, out) {
  if (schema['x-class'] !== undefined) {
    return;
  }
  if (schema.properties !== undefined) {
    for (const [key, child] of Object.entries(schema.properties)) {
      out.push({ path: [...at, key], schema: child });
      if (value !== undefined && value !== null && value[key] !== undefined) fields(child, value[key], [...at, key], out);
    }
  }
  if (schema.items !== undefined && Array.isArray(value) && value.length > 0) fields(schema.items, value[0], [...at, 0], out);
  if (schema.additionalProperties !== undefined && value !== null && typeof value === 'object') {
    const key = Object.keys(value)[0];
    if (key !== undefined) out.push({ path: [...at, key], schema: schema.additionalProperties });
  }
  return out;
}

const show = (p) => p.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');

function setAt(root, at, value, { rename } = {}) {
  let node = root;
  for (const segment of at.slice(0, -1)) node = node[segment];
  const last = at[at.length - 1];
  if (rename !== undefined) {
    const v = node[last];
    delete node[last];
    Object.defineProperty(node, rename, { value: v, enumerable: true, writable: true, configurable: true });
  } else if (value === DELETE) {
    delete node[last];
  } else {
    Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  }
  return root;
}
const DELETE = Symbol('delete');

/** Typos of a key: one letter dropped, two swapped, a wrong case, one doubled. */
function typos(key) {
  const out = new Set();
  if (key.length > 3) out.add(key.slice(0, -1));
  if (key.length > 2) out.add(key[1] + key[0] + key.slice(2));
  out.add(key.toLowerCase() === key ? key.toUpperCase() : key.toLowerCase());
  out.add(key + key[key.length - 1]);
  out.delete(key);
  return [...out];
}

const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'];

/** Values of the wrong type for a schema node, each with a label. */
function wrongTypes(schema) {
  const all = [
    ['number', 42], ['string', 'text'], ['boolean', true], ['null', null], ['array', ['x']], ['object', { x: 1 }],
    ['function', () => 1], ['NaN', NaN], ['Infinity', Infinity], ['date', new Date(0)],
  ];
  const type = schema['x-class'] !== undefined ? 'class' : schema.type;
  return all.filter(([label, v]) => {
    switch (type) {
      case 'string': return typeof v !== 'string';
      case 'number': case 'integer': return typeof v !== 'number' || !Number.isFinite(v);
      case 'boolean': return typeof v !== 'boolean';
      case 'array': return !Array.isArray(v);
      case 'object': return label !== 'object' && label !== 'date';
      case 'class': return true;
      default: return false;
    }
  });
}

// Value domains, by the field's last key (and its parent where a key means different things).
const BAD_NAMES = ['Bad_Name', 'UPPER', '-lead', 'trail-', 'a.b', '', 'x'.repeat(64), 'a b', 'ü'];
const DOMAINS = [
  // Names that become Service names must start with a letter; a namespace may start with a digit.
  { match: (p) => last(p) === 'name' && (p.length === 1 || p[0] === 'registry' || (p[0] === 'agents' && p.length === 3)), values: BAD_NAMES.concat(['1abc']) },
  { match: (p) => last(p) === 'namespace' && p.length === 1, values: BAD_NAMES },
  { match: (p) => last(p) === 'dashboardNamespace', values: BAD_NAMES },
  { match: (p) => /^(cpu|memory|ephemeralStorage)(Request|Limit)$|^size$/.test(last(p)), values: ['abc', '-1Gi', '1.5.5', '10XB', ' 1Gi', '1Gi ', '1Yi', '99999999999999999999Ei'] },
  { match: (p) => last(p) === 'image', values: ['example.com/UPPER:1.0', 'Upper:1.0', 'x', 'x:latest', 'x@sha256:abc', 'a b:1', 'x:', 'x:-bad', 'x:' + 'a'.repeat(129)] },
  { match: (p) => p[1] === 'clusterCidrs', values: ['10.0.0.0/33', '300.1.1.1/8', 'fffff::/8', '10.0.0.1/8', 'abc', '0.0.0.0/0', '010.0.0.0/8', '::ffff:10.0.0.0/104'] },
  { match: (p) => p[p.length - 2] === 'env' && last(p) === 'name', values: ['1X', 'A-B', '', 'A B', 'MCP_MESH_HTTP_PORT', 'HOST', 'REDIS_URL', 'API_TOKEN', 'DEEPL_AUTH', 'MCP_MESH_ENABLED'] },
  { match: (p) => p[p.length - 2] === 'env' && last(p) === 'value', values: ['sk-ant-' + 'a'.repeat(40), 'postgres://u:secret@db:5432/x', '-----BEGIN RSA PRIVATE KEY-----', 'AKIA' + 'A'.repeat(16), 'Bearer ' + 't'.repeat(40), 'xoxb-1234567890-abcdef'] },
  { match: (p) => p[p.length - 2] === 'secretEnv' && last(p) === 'name', values: ['1X', 'A-B', '', 'MCP_MESH_REGISTRY_URL'] },
  { match: (p) => p.includes('capabilities') && last(p) === 'name', values: ['1cap', 'a b', '', 'x'.repeat(64), 'cap-', 'ca/p'] },
  { match: (p) => p[p.length - 2] === 'dependsOn', values: ['1cap', 'a b', '', 'weather_forecst', 'Weather_Forecast'] },
  { match: (p) => last(p) === 'version' && p.includes('capabilities'), values: ['1', 'v1.0.0', '1.0', '', '01.0.0'] },
  { match: (p) => last(p) === 'key' && (p.includes('data') || p.includes('redisUrlSecret')), values: ['.', '..', '..x', 'a/b', '', 'k'.repeat(254)] },
  // Ports the mesh's own containers bind (non-root: 1024 and up); a backend's port may be any TCP port.
  { match: (p) => last(p) === 'port' && !p.includes('redisNetwork') && !p.includes('collectorNetwork'), values: [0, 80, 1023, 65536, -8080, 8080.5] },
  { match: (p) => last(p) === 'port' && (p.includes('redisNetwork') || p.includes('collectorNetwork')), values: [0, 65536, -1, 8080.5] },
  { match: (p) => ['replicas', 'retryAttempts', 'retries', 'maxConnections', 'maxPendingRequests', 'consecutiveErrors', 'maxEjectionPercent', 'expectedAgents', 'runAsUser', 'minReplicas', 'maxReplicas', 'targetCpuUtilization'].includes(last(p)), values: [-1, 0.5, 1e12, -1e12] },
  { match: (p) => ['errorRatioThreshold', 'registryVolumeFreeThreshold'].includes(last(p)), values: [-0.1, 1.5, 7] },
  { match: (p) => ['logLevel', 'advertise', 'serviceMesh', 'storeKind', 'otlpProtocol'].includes(last(p)), values: ['info', 'verbose', 'ISTIO', ''] },
  { match: (p) => ['clusterDomain', 'trustDomain'].includes(last(p)), values: ['Cluster.Local', 'a..b', '-x.local', ''] },
  // Kubernetes labels (alert labels are Prometheus labels, whose values are free text).
  { match: (p) => ['prometheusSelectorLabels', 'dashboardLabels'].includes(p[p.length - 2]), values: ['bad value!', 'x'.repeat(64), 1] },
  { match: (p) => p[p.length - 2] === 'labels' && p.includes('alerts'), values: [1, null, true] },
  { match: (p) => ['otlpEndpoint'].includes(last(p)), values: ['', 'http://tempo:4317/path with space'] },
  { match: (p) => p.includes('expose') && last(p) === 'host', values: ['', 'Weather.Example.com', 'https://weather.example.com', 'a b.example.com', '*.*.example.com', 'weather.example.com:443', 'x'.repeat(254)] },
  { match: (p) => p.includes('expose') && last(p) === 'path', values: ['', 'weather', '/a b', '/a?b', '//x', '/a/../b', '/a/.', '/a%2Fb'] },
  { match: (p) => p.includes('expose') && ['ingressClassName', 'tlsSecretName', 'name', 'sectionName'].includes(last(p)), values: ['', 'Nginx', 'a_b', '-x', 'x'.repeat(254)] },
  { match: (p) => p.includes('expose') && last(p) === 'namespace', values: BAD_NAMES },
  // Pod placement: what the API server refuses in a pod's nodeSelector, tolerations and annotations.
  { match: (p) => p[p.length - 2] === 'nodeSelector', values: ['bad value!', 'x'.repeat(64), 1, null] },
  { match: (p) => p.includes('tolerations') && last(p) === 'operator', values: ['equal', 'In', ''] },
  { match: (p) => p.includes('tolerations') && last(p) === 'effect', values: ['noSchedule', 'Evict', ''] },
  { match: (p) => p.includes('tolerations') && last(p) === 'key', values: ['bad key!', '/x', 'a/b/c', 'x'.repeat(64)] },
  { match: (p) => p.includes('tolerations') && last(p) === 'value', values: ['bad value!', 'x'.repeat(64)] },
  { match: (p) => p.includes('tolerations') && last(p) === 'tolerationSeconds', values: [-1, 0.5] },
  { match: (p) => ['podAnnotations', 'serviceAccountAnnotations'].includes(p[p.length - 2]), values: [1, null, true, 'x'.repeat(300 * 1024)] },
];
const last = (p) => p[p.length - 1];

/** Durations out of every field's range (negative, fractional, centuries). */
const BAD_DURATIONS = [
  // cdk8s refuses a negative Duration itself; a duration-like object of another library is not so careful.
  ['negative duck-typed', () => ({ toSeconds: () => -1, toMilliseconds: () => -1000, toMinutes: () => -1 / 60 })],
  ['fraction', () => Duration.millis(1500)],
  ['centuries', () => Duration.days(40000)],
];

// ---------------------------------------------------------------------------------------------------------
// The cases.

const cases = [];
/** `key`: what a clear error must name (the mutated prop, or the misspelt key); undefined for whole-input cases. */
const add = (surface, kind, field, mutation, run, key) => cases.push({ id: cases.length, surface, kind, field, mutation, run, key });
const lastKey = (at) => [...at].reverse().find((s) => typeof s === 'string' && s !== '*');

/** An API case: mutate a fresh base, synthesize; `expect` names the key a clear error must mention. */
function apiCase(kind, at, mutation, mutate, key = lastKey(at)) {
  add('api', kind, show(at), mutation, () => {
    const props = baseProps();
    mutate(props);
    synthesize(props);
  }, key);
}

const all = fields(PROPS_DEFINITIONS.McpMeshProps, baseProps(), [], []);
for (const { path: at, schema } of all) {
  for (const [label, value] of wrongTypes(schema)) apiCase('type', at, `${label} for ${schema.type ?? schema['x-class']}`, (p) => setAt(p, at, value));
  if (schema['x-class'] !== undefined && schema['x-class'] !== 'Duration') {
    const factories = schema['x-factories'] ?? [];
    apiCase('type', at, `a file's { ${factories[0]}: {} } for ${schema['x-class']}`, (p) => setAt(p, at, { [factories[0]]: {} }));
    apiCase('type', at, `another class instead of ${schema['x-class']}`, (p) => setAt(p, at, schema['x-class'] === 'RegistryStorage' ? NetworkPeer.ipBlock('10.0.0.0/8') : RegistryStorage.sqlite()));
  }
  if (schema['x-class'] === 'Duration') {
    for (const [label, make] of BAD_DURATIONS) {
      // A latency threshold may be a fraction of a second (1.5 s p99); every other duration is whole seconds.
      if (label === 'fraction' && last(at) === 'latencyP99Threshold') continue;
      apiCase('durations', at, `a ${label} duration`, (p) => setAt(p, at, make()));
    }
  }
  if (schema.type === 'array') {
    apiCase('nulls', at, 'null in the list', (p) => setAt(p, at, [null]));
    apiCase('nulls', at, 'undefined in the list', (p) => setAt(p, at, [undefined]));
    apiCase('nulls', at, 'a hole in the list', (p) => setAt(p, at, [, ])); // eslint-disable-line no-sparse-arrays
  }
  if (typeof last(at) === 'string' && !(at.length >= 2 && all.some((f) => f.schema.additionalProperties !== undefined && show(f.path) === show(at.slice(0, -1))))) {
    // Typos of a key that is set in the base (renamed) or not (added with a value of the right type).
    let parent = baseProps();
    for (const s of at.slice(0, -1)) parent = parent?.[s];
    if (parent !== undefined && parent !== null && parent[last(at)] !== undefined) {
      for (const typo of typos(last(at))) apiCase('typos', at, `key spelt "${typo}"`, (p) => setAt(p, at, undefined, { rename: typo }), typo);
    }
  }
  for (const domain of DOMAINS) {
    if (!domain.match(at)) continue;
    for (const value of domain.values) apiCase('domains', at, `value ${JSON.stringify(value).slice(0, 40)}`, (p) => setAt(p, at, value));
  }
}
// Prototype names as own keys of every object of the props.
for (const { path: at, schema } of [{ path: [], schema: PROPS_DEFINITIONS.McpMeshProps }, ...all]) {
  if (schema.type !== 'object' || schema.properties === undefined) continue;
  for (const name of PROTOTYPE_NAMES) {
    apiCase('prototype', [...at, name], `own key "${name}"`, (p) => {
      const target = at.length === 0 ? p : at.reduce((node, s) => node[s], p);
      if (target === undefined) return setAt(p, at, { [name]: 1 }); // parent absent from the base: create it with the key
      Object.defineProperty(target, name, { value: 1, enumerable: true, writable: true, configurable: true });
      return p;
    });
  }
}
// Top-level props that are not an object at all.
for (const [label, value] of [['null', null], ['string', 'mesh'], ['number', 1], ['array', []], ['function', () => 1]]) {
  add('api', 'type', 'props', `${label} as the props`, () => synthesize(value));
}
// Huge values: each bounded by a size guard or a linear check (the test times them).
const huge = [
  ['a 2 MB capability description', (p) => { p.agents[0].capabilities[0].description = 'word '.repeat(400 * 1024); }],
  ['a 2 MB description of one long word', (p) => { p.agents[0].capabilities[0].description = 'a'.repeat(2 * 1024 * 1024); }],
  ['100 000 tags', (p) => { p.agents[0].capabilities[0].tags = Array.from({ length: 100000 }, (_, i) => `tag${i}`); }],
  ['a 1 MB env value', (p) => { p.agents[0].env = [{ name: 'BLOB', value: 'x'.repeat(1024 * 1024) }]; }],
  ['a 1 MB agent source', (p) => { p.agents[0].runtime = AgentRuntime.python({ source: 'x = 1\n'.repeat(180 * 1024) }); }],
  ['a 1 MB mesh name', (p) => { p.name = 'a'.repeat(1024 * 1024); }],
  ['a 1 MB capability name', (p) => { p.agents[0].capabilities[0].name = 'a'.repeat(1024 * 1024); }],
  ['10 000 dependencies on one missing capability', (p) => { p.agents[1].dependsOn = Array.from({ length: 10000 }, (_, i) => `missing_${i}`); }],
  ['a URL-like 1 MB env value', (p) => { p.agents[0].env = [{ name: 'URLS', value: 'a://b:'.repeat(180 * 1024) + '@' }]; }],
  ['2 000 agents with one name', (p) => { p.agents = Array.from({ length: 2000 }, () => ({ ...p.agents[1], name: 'same' })); }],
];
for (const [label, mutate] of huge) apiCase('huge', ['*'], label, mutate);
// Conflicting options.
const conflicts = [
  ['replicas and autoscaling', (p) => { p.agents[1].replicas = 2; }],
  ['script and source', (p) => { p.agents[0].runtime = AgentRuntime.python({ script: 'a.py', source: 'print(1)' }); }],
  ['SQLite with 3 replicas', (p) => { p.registry.replicas = 3; }],
  ['minReplicas above maxReplicas', (p) => { p.agents[1].autoscaling = { minReplicas: 5, maxReplicas: 2 }; }],
  ['scrapeTimeout above scrapeInterval', (p) => { p.observability.scrapeTimeout = Duration.seconds(60); }],
  ['capabilityRouting without Istio', (p) => { p.serviceMesh = ServiceMesh.NONE; }],
  ['timeoutThreshold below healthCheckInterval', (p) => { p.registry.timeoutThreshold = Duration.seconds(5); }],
  ['two agents with one name', (p) => { p.agents[1].name = 'weather'; }],
  ['an agent named like the registry', (p) => { p.agents[1].name = 'registry'; }],
  ['a dependency nobody provides', (p) => { p.agents[1].dependsOn = ['hotel_search']; }],
  ['an env variable twice', (p) => { p.agents[0].env = [{ name: 'A', value: '1' }, { name: 'A', value: '2' }]; }],
  ['env and secretEnv of one name', (p) => { p.agents[0].env = [{ name: 'WEATHER_API_KEY_X', value: '1' }]; p.agents[0].secretEnv = [{ name: 'WEATHER_API_KEY_X', value: SecretValue.fromSecretKey('a', 'b') }]; }],
  ['a plain-text secret without allowPlainTextSecrets', (p) => { p.agents[0].secretEnv = [{ name: 'K', value: SecretValue.unsafePlainText('v') }]; }],
  ['prod without a highly available registry', (p) => { p.environment = MeshEnvironment.prod(); }],
  ['createNamespace of kube-system', (p) => { p.namespace = 'kube-system'; p.createNamespace = true; p.observability.dashboardNamespace = 'kube-system'; }],
  ['observability.serviceMesh other than the mesh', (p) => { p.observability.serviceMesh = 'linkerd'; }],
  ['traffic timeout below the capability timeout', (p) => { p.agents[0].traffic.timeout = Duration.seconds(5); }],
  ['callTimeout below a called capability timeout', (p) => { p.agents[1].callTimeout = Duration.seconds(5); }],
  ['heartbeat too slow for the registry timeout', (p) => { p.agents[0].heartbeatInterval = Duration.seconds(15); }],
  ['a mesh name that makes derived names too long', (p) => { p.name = 'm'.repeat(60); }],
  ['a registry name that makes its StatefulSet too long', (p) => { p.registry.name = 'r'.repeat(53); }],
  ['pod-IP advertising with an unknown mode', (p) => { p.agents[0].advertise = 'pod_ip'; }],
  ['an external secret that does not deliver a key the agent reads', (p) => { p.externalSecrets.secrets[0].data[0].key = 'other'; }],
  ['MCP_MESH_ENABLED set empty (3.8: mesh off)', (p) => { p.agents[0].env = [{ name: 'MCP_MESH_ENABLED', value: '' }]; }],
  ['MCP_MESH_AUTO_RUN=false (3.8: embedded mode)', (p) => { p.agents[0].env = [{ name: 'MCP_MESH_AUTO_RUN', value: 'false' }]; }],
  ['an admin port equal to the registry port', (p) => { p.registry.admin = { port: 8000 }; }],
  ['admin.allowFrom with a service mesh', (p) => { p.registry.admin = { allowFrom: [NetworkPeer.podsInNamespace('ops')] }; }],
  ['a retention shorter than the timeout threshold', (p) => { p.registry.retention = Duration.seconds(61); p.registry.timeoutThreshold = Duration.seconds(90); p.registry.evictionThreshold = Duration.seconds(200); }],
  ['a cycle of calls', (p) => { p.agents[0].dependsOn = ['weather_forecast']; }],
  ['an agent port the Istio proxy takes', (p) => { p.agents[0].port = 15006; }],
  ['plain-text secrets under prod', (p) => { p.environment = MeshEnvironment.prod(); p.agents[0].allowPlainTextSecrets = true; }],
  ['expose with both ingressClassName and gateway', (p) => { p.agents[0].expose = { ...p.agents[0].expose, gateway: { name: 'public' } }; }],
  ['expose with neither ingressClassName nor gateway', (p) => { p.agents[0].expose = { host: 'weather.example.com' }; }],
  ['expose with exposed: false', (p) => { p.agents[0].exposed = false; }],
  ['tlsSecretName with a gateway', (p) => { p.agents[1].expose = { ...p.agents[1].expose, tlsSecretName: 'planner-tls' }; }],
  ['native TLS beside Istio', (p) => { p.tls = { issuer: { name: 'mesh-ca' } }; }],
  ...[
    ['an issuer kind cert-manager lacks', { issuer: { name: 'mesh-ca', kind: 'CertIssuer' } }],
    ['an issuer name that is not a DNS name', { issuer: { name: 'Mesh_CA' } }],
    ['no issuer', {}],
    ['a TLS mode typo', { issuer: { name: 'mesh-ca' }, mode: 'strcit' }],
    ['renewBefore not shorter than the duration', { issuer: { name: 'mesh-ca' }, duration: Duration.days(30), renewBefore: Duration.days(30) }],
    ['a certificate duration under cert-manager\'s one hour', { issuer: { name: 'mesh-ca' }, duration: Duration.minutes(30), renewBefore: Duration.minutes(10) }],
    ['a renewBefore under five minutes', { issuer: { name: 'mesh-ca' }, renewBefore: Duration.seconds(60) }],
    ['a certificate duration over ten years', { issuer: { name: 'mesh-ca' }, duration: Duration.days(4000) }],
    ['a typo in tls', { issuer: { name: 'mesh-ca' }, renewBfore: Duration.days(10) }],
  ].map(([label, tls]) => [`native TLS: ${label}`, (p) => { p.serviceMesh = ServiceMesh.NONE; p.capabilityRouting = undefined; p.tls = tls; }]),
  ['a custom environment with a typo', () => { MeshEnvironment.custom({ name: 'x', agent: { replica: 2 } }); }],
  ['a custom environment with a bad name', () => { MeshEnvironment.custom({ name: 'X_Y' }); }],
];
for (const [label, mutate] of conflicts) apiCase('conflicts', ['*'], label, mutate);

// ---------------------------------------------------------------------------------------------------------
// The CLI: the same mutations written into MCPMesh/MCPAgent files, and file-system oddities.

const EXAMPLE = path.join(ROOT, 'examples', 'declarative');
const AGENTS = path.join(ROOT, 'examples', 'agents');
const parseFile = (f) => YAML.parse(fs.readFileSync(path.join(EXAMPLE, f), 'utf8'));

function declarativeBase() {
  return {
    'mesh.yaml': parseFile('mesh.yaml'),
    'weather.yaml': parseFile('weather.yaml'),
    'hotels.yaml': parseFile('hotels.yaml'),
    'planner.yaml': parseFile('planner.yaml'),
  };
}

let scratch;
function scratchDir() {
  if (scratch === undefined) scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-mesh-corpus-'));
  const dir = fs.mkdtempSync(path.join(scratch, 'case-'));
  fs.mkdirSync(path.join(dir, 'agents'));
  for (const f of fs.readdirSync(AGENTS).filter((n) => n.endsWith('.py'))) fs.copyFileSync(path.join(AGENTS, f), path.join(dir, 'agents', f));
  fs.mkdirSync(path.join(dir, 'declarative'));
  return dir;
}

/** Runs the CLI on files; returns what a user sees. The output folder must not appear unless it succeeded. */
function cli(write, args = []) {
  const dir = scratchDir();
  const input = path.join(dir, 'declarative');
  write(input, dir);
  const out = path.join(dir, 'out');
  const err = [];
  const code = runCli(['synth', '-f', input, '-o', out, '--source-root', dir, ...args], { out: () => {}, err: (t) => err.push(t) });
  const wrote = fs.existsSync(out);
  fs.rmSync(dir, { recursive: true, force: true });
  return { code, err: err.join(''), wrote };
}

function cliCase(kind, field, mutation, mutateDocs, args, key) {
  add('cli', kind, field, mutation, () => cli((input) => {
    const docs = declarativeBase();
    mutateDocs(docs);
    for (const [f, doc] of Object.entries(docs)) fs.writeFileSync(path.join(input, f), typeof doc === 'string' ? doc : YAML.stringify(doc));
  }, args), key);
}

/** Document fields: the CRD spec schema walked through the weather agent and the mesh. */
const crdSpec = (file) => YAML.parse(fs.readFileSync(path.join(ROOT, 'crds', file), 'utf8')).spec.versions[0].schema.openAPIV3Schema.properties.spec;
const yamlWrong = (schema) => [['number', 42], ['string', 'text'], ['boolean', true], ['null', null], ['list', ['x']], ['map', { x: 1 }]]
  .filter(([, v]) => {
    switch (schema.type) {
      case 'string': return typeof v !== 'string';
      case 'number': case 'integer': return typeof v !== 'number';
      case 'boolean': return typeof v !== 'boolean';
      case 'array': return !Array.isArray(v);
      case 'object': return v === null || typeof v !== 'object' || Array.isArray(v);
      default: return false;
    }
  });

function docFields(schema, value, at, out, depth = 0) {
  if (depth > 6 || schema.properties === undefined) return out;
  for (const [key, child] of Object.entries(schema.properties)) {
    out.push({ path: [...at, key], schema: child });
    const v = value?.[key];
    if (v !== undefined && v !== null) {
      if (child.type === 'array' && child.items !== undefined && Array.isArray(v) && v.length > 0) docFields(child.items, v[0], [...at, key, 0], out, depth + 1);
      else docFields(child, v, [...at, key], out, depth + 1);
    }
  }
  return out;
}

const base = declarativeBase();
const docTargets = [
  ['weather.yaml', ['spec'], docFields(crdSpec('mcpagents.mesh.mcp.io.yaml'), base['weather.yaml'].spec, ['spec'], [])],
  ['mesh.yaml', ['spec'], docFields(crdSpec('mcpmeshes.mesh.mcp.io.yaml'), base['mesh.yaml'].spec, ['spec'], [])],
];
for (const [file, , targets] of docTargets) {
  for (const { path: at, schema } of targets) {
    for (const [label, value] of yamlWrong(schema)) {
      cliCase('type', `${file}:${show(at)}`, `${label} for ${schema.type}`, (docs) => setAt(docs[file], at, value), undefined, lastKey(at));
    }
    if (typeof last(at) === 'string') {
      for (const typo of typos(last(at)).slice(0, 2)) {
        cliCase('typos', `${file}:${show(at)}`, `key spelt "${typo}"`, (docs) => {
          let node = docs[file];
          for (const s of at.slice(0, -1)) node = node?.[s];
          if (node === undefined || node === null || typeof node !== 'object') return setAt(docs[file], at.slice(0, -1), { [typo]: 1 });
          node[typo] = node[last(at)] ?? 'x';
          delete node[last(at)];
          return docs;
        }, undefined, typo);
      }
    }
  }
}
const docDomain = [
  ['weather.yaml', ['metadata', 'name'], ['Bad_Name', '1abc', 'x'.repeat(64), '']],
  ['weather.yaml', ['spec', 'replicas'], [-1, 2.5, 1e9]],
  ['weather.yaml', ['spec', 'capabilities', 0, 'timeout'], ['10', '10 s', '-5s', '1.5s', '1d', '', '10S']],
  ['weather.yaml', ['spec', 'capabilities', 0, 'name'], ['1cap', 'a b', '']],
  ['weather.yaml', ['spec', 'capabilities', 0, 'version'], ['1', 'v1.0.0', 1.0]],
  ['weather.yaml', ['spec', 'port'], [80, 70000, '8080']],
  ['weather.yaml', ['spec', 'runtime', 'python', 'sourceFile'], ['../../../../proc/self/environ', '/etc/passwd', 'missing.py', '../agents', '../../etc/hostname']],
  ['mesh.yaml', ['spec', 'namespace'], ['Bad', 'kube_system', '']],
  ['mesh.yaml', ['spec', 'environment'], ['production', 'Prod', 1]],
  ['mesh.yaml', ['spec', 'registry'], [{ storage: { sqlite: {}, postgres: { urlSecret: { name: 'a', key: 'b' } } } }, { storage: {} }, { storage: { mysql: {} } }, { replicas: 3 }]],
  ['mesh.yaml', ['spec', 'environments'], [{ production: {} }]],
];
for (const [file, at, values] of docDomain) {
  for (const value of values) cliCase('domains', `${file}:${show(at)}`, `value ${JSON.stringify(value).slice(0, 40)}`, (docs) => setAt(docs[file], at, value), undefined, lastKey(at));
}
// An override that breaks its environment: an error when that environment is synthesized.
cliCase('domains', 'mesh.yaml:spec.environments.prod', 'SQLite with 2 replicas under prod', (docs) => setAt(docs['mesh.yaml'], ['spec', 'environments'], { prod: { registry: { storage: { sqlite: {} }, replicas: 2 } } }), ['--env', 'prod']);
// Prototype names as keys of the documents' maps.
for (const [file, at] of [['weather.yaml', ['spec']], ['weather.yaml', ['spec', 'capabilities', 0]], ['mesh.yaml', ['spec']], ['weather.yaml', []]]) {
  for (const name of PROTOTYPE_NAMES) {
    cliCase('prototype', `${file}:${show([...at, name])}`, `key "${name}"`, (docs) => {
      const target = at.reduce((node, s) => node[s], docs[file]);
      Object.defineProperty(target, name, { value: 1, enumerable: true, writable: true, configurable: true });
    }, undefined, name);
  }
}
// Whole-input problems: more than one of each, in one run.
cliCase('conflicts', '*', 'two MCPMesh documents', (docs) => { docs['mesh2.yaml'] = { ...docs['mesh.yaml'], metadata: { name: 'other' } }; });
cliCase('conflicts', '*', 'two agents with one name', (docs) => { docs['weather2.yaml'] = docs['weather.yaml']; });
cliCase('conflicts', '*', 'a dependency nobody provides', (docs) => { docs['weather.yaml'].spec.capabilities[0].name = 'other'; });
cliCase('conflicts', '*', 'problems in three files at once', (docs) => {
  docs['weather.yaml'].spec.replicas = 'two'; docs['hotels.yaml'].spec.port = 80; docs['mesh.yaml'].spec.namespace = 'Bad';
});
cliCase('conflicts', '*', 'an agent in another namespace', (docs) => { docs['weather.yaml'].metadata.namespace = 'elsewhere'; });
// Raw text: YAML that is not a mesh, or not YAML.
const raw = [
  ['not YAML', 'a: [1, 2\n'],
  ['a tab-indented file', 'apiVersion: mesh.mcp.io/v1alpha1\nkind: MCPAgent\nmetadata:\n\tname: x\n'],
  ['duplicate keys', 'apiVersion: mesh.mcp.io/v1alpha1\nkind: MCPAgent\nmetadata:\n  name: x\n  name: y\nspec:\n  runtime: { custom: { image: "a/b:1" } }\n'],
  ['an alias bomb', `a: &a ["x","x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`],
  ['an undefined alias', 'a: *nothing\n'],
  ['a scalar document', 'just text\n'],
  ['a list document', '- a\n- b\n'],
  ['another API group', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n'],
  ['an old version', 'apiVersion: mesh.mcp.io/v1\nkind: MCPAgent\nmetadata:\n  name: x\nspec: {}\n'],
  ['binary garbage', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256)).toString('latin1')],
  ['a 5 MB file', `# ${'x'.repeat(5 * 1024 * 1024)}\n`],
  ['a document without metadata', 'apiVersion: mesh.mcp.io/v1alpha1\nkind: MCPAgent\nspec:\n  runtime: { custom: { image: "a/b:1" } }\n'],
  ['YAML 1.1 booleans as a name', 'apiVersion: mesh.mcp.io/v1alpha1\nkind: MCPAgent\nmetadata:\n  name: yes\nspec:\n  runtime: { custom: { image: "a/b:1" } }\n'],
  ['deeply nested lists', `a: ${'['.repeat(5000)}${']'.repeat(5000)}\n`],
];
for (const [label, text] of raw) cliCase('files', 'file', label, (docs) => { docs['raw.yaml'] = text; });
// The file system itself.
const fsCases = [
  ['a FIFO named .yaml', (input) => { require('child_process').execFileSync('mkfifo', [path.join(input, 'fifo.yaml')]); }],
  ['a symlink to /dev/zero', (input) => { fs.symlinkSync('/dev/zero', path.join(input, 'zero.yaml')); }],
  ['a dangling symlink', (input) => { fs.symlinkSync(path.join(input, 'nothing'), path.join(input, 'dangling.yaml')); }],
  ['a symlink loop', (input) => { fs.symlinkSync(path.join(input, 'loop2.yaml'), path.join(input, 'loop1.yaml')); fs.symlinkSync(path.join(input, 'loop1.yaml'), path.join(input, 'loop2.yaml')); }],
  ['a folder named .yaml', (input) => { fs.mkdirSync(path.join(input, 'folder.yaml')); }],
  ['a sourceFile symlinked out of the root', (input, dir) => { fs.symlinkSync('/etc/hostname', path.join(dir, 'agents', 'escape.py')); writeDocs(input, (docs) => { docs['weather.yaml'].spec.runtime.python.sourceFile = '../agents/escape.py'; }); }],
  ['a sourceFile that is a FIFO', (input, dir) => { require('child_process').execFileSync('mkfifo', [path.join(dir, 'agents', 'fifo.py')]); writeDocs(input, (docs) => { docs['weather.yaml'].spec.runtime.python.sourceFile = '../agents/fifo.py'; }); }],
  ['an unreadable file', (input) => { fs.writeFileSync(path.join(input, 'locked.yaml'), 'a: 1\n'); fs.chmodSync(path.join(input, 'locked.yaml'), 0); if (process.getuid && process.getuid() === 0) fs.writeFileSync(path.join(input, 'locked.yaml'), 'kind: [\n'); }],
];
function writeDocs(input, mutate) {
  const docs = declarativeBase();
  mutate(docs);
  for (const [f, doc] of Object.entries(docs)) fs.writeFileSync(path.join(input, f), YAML.stringify(doc));
}
for (const [label, make] of fsCases) {
  add('cli', 'files', 'file system', label, () => cli((input, dir) => {
    if (!['a sourceFile symlinked out of the root', 'a sourceFile that is a FIFO'].includes(label)) writeDocs(input, () => {});
    make(input, dir);
  }));
}
add('cli', 'files', '-o', 'an output path under a file', () => cli((input, dir) => { writeDocs(input, () => {}); fs.writeFileSync(path.join(dir, 'blocker'), ''); }, ['-o', '/dev/null/out']));
add('cli', 'files', '-f', 'a device as -f', () => {
  const err = [];
  const code = runCli(['synth', '-f', '/dev/zero', '-o', path.join(os.tmpdir(), 'never-written')], { out: () => {}, err: (t) => err.push(t) });
  return { code, err: err.join(''), wrote: fs.existsSync(path.join(os.tmpdir(), 'never-written')) };
});

// ---------------------------------------------------------------------------------------------------------
// Judging one case.

const FIX = /Fix: \S/;

/** clear | crash | accepted | unclear, with the message. */
function judge(c, outcome) {
  if (c.surface === 'cli') {
    const { code, err, wrote } = outcome;
    if (code === 4) return { verdict: 'crash', message: err };
    if (code === 0) return { verdict: 'accepted', message: 'exit 0' };
    if (wrote) return { verdict: 'unclear', message: `exit ${code}, but the output folder was written` };
    if (code === 2) return { verdict: /cdk8s-mcp-mesh: \S/.test(err) ? 'clear' : 'unclear', message: err.split('\n')[0] };
    const lines = err.split('\n').filter((l) => l.startsWith('  '));
    const vague = lines.filter((l) => !FIX.test(l) || !/^  \S+(:\d+)?: /.test(l));
    if (c.key !== undefined && !lines.some((l) => l.includes(c.key))) return { verdict: 'unclear', message: `no line names "${c.key}": ${lines[0]}` };
    return { verdict: code === 1 && lines.length > 0 && vague.length === 0 ? 'clear' : 'unclear', message: vague[0] ?? err.split('\n').slice(0, 3).join(' | ') };
  }
  const e = outcome.error;
  if (e === undefined) return { verdict: 'accepted', message: '' };
  if (!(e instanceof MeshValidationError)) {
    // cdk8s's own validation wrapper lists the mesh's messages: each must be one of ours.
    const lines = String(e.message).split('\n').slice(1).filter((l) => l.trim() !== '');
    if (/^Validation failed/.test(e.message) && lines.length > 0 && lines.every((l) => FIX.test(l))) {
      if (c.key !== undefined && !lines.some((l) => l.includes(c.key))) return { verdict: 'unclear', message: `no line names "${c.key}": ${lines[0]}` };
      return { verdict: 'clear', message: e.message.slice(0, 300) };
    }
    return { verdict: 'crash', message: `${e.constructor?.name}: ${String(e.message).slice(0, 300)}` };
  }
  const vague = e.problems.filter((p) => p.field === '' || p.fix === '' || !FIX.test(p.message));
  if (vague.length > 0) return { verdict: 'unclear', message: vague[0].message.slice(0, 300) };
  // The error must be about the mutation: some problem names the mutated prop (or the misspelt key).
  if (c.key !== undefined && !e.problems.some((p) => p.field.includes(c.key) || p.message.includes(`"${c.key}"`))) {
    return { verdict: 'unclear', message: `no problem names "${c.key}": ${e.message.slice(0, 300)}` };
  }
  return { verdict: 'clear', message: e.message.slice(0, 300) };
}

function runCase(c) {
  const t0 = process.hrtime.bigint();
  let outcome;
  if (c.surface === 'cli') {
    try {
      outcome = c.run();
    } catch (e) {
      outcome = { code: 4, err: `thrown: ${e && e.stack}`, wrote: false };
    }
  } else {
    try {
      c.run();
      outcome = {};
    } catch (e) {
      outcome = { error: e };
    }
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const { verdict, message } = judge(c, outcome);
  return { id: c.id, surface: c.surface, kind: c.kind, field: c.field, mutation: c.mutation, verdict, message, ms };
}

parentPort.on('message', (msg) => {
  if (msg.cmd === 'list') {
    parentPort.postMessage({ cases: cases.map(({ run, key, ...meta }) => meta) });
  } else if (msg.cmd === 'run') {
    for (let i = msg.from; i < cases.length; i++) parentPort.postMessage({ result: runCase(cases[i]) });
    if (scratch !== undefined) fs.rmSync(scratch, { recursive: true, force: true });
    parentPort.postMessage({ done: true });
  } else if (msg.cmd === 'controls') {
    // Valid controls: the base and its neighbours synthesize, and every name and label they render is valid.
    const { objectNameProblems } = require(path.join(ROOT, 'lib', 'src', 'k8s', 'object-names.js'));
    const controls = [
      ['the base', () => baseProps()],
      ['optional props set to undefined', () => ({ ...baseProps(), environment: undefined, tracing: undefined })],
      ['the longest names allowed', () => { const p = baseProps(); p.name = 'm'.repeat(40); p.registry.name = 'r'.repeat(52); p.agents[0].name = 'w'.repeat(50); p.agents[1].dependsOn = ['weather_forecast']; return p; }],
      ['no service mesh', () => { const p = baseProps(); p.serviceMesh = ServiceMesh.NONE; p.capabilityRouting = undefined; return p; }],
    ];
    const results = controls.map(([label, make]) => {
      try {
        const objects = synthesize(make());
        const problems = objectNameProblems(objects.map((o) => ({ kind: o.kind, name: o.metadata.name, labels: o.metadata.labels ?? {} })), []);
        return { label, objects: objects.length, problems: problems.map((p) => p.message) };
      } catch (e) {
        return { label, error: String(e && e.message).slice(0, 2000) };
      }
    });
    parentPort.postMessage({ controls: results });
  }
});
