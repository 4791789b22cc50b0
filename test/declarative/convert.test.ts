/**
 * The conversion from files to props covers every shape of the format: a mesh using every kind of choice
 * (runtimes, storage, peers by each factory, secrets both ways, external secrets), durations and enums, written once as files and
 * once in TypeScript, synthesizes to the same bytes.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import {
  AdvertiseMode, AgentRuntime, LogLevel, McpMesh, MeshEnvironment, NetworkPeer, RegistryStorage, SecretStoreKind, SecretValue, ServiceMesh,
  VolumeAccessMode, toYamlDocuments,
} from '../../src';
import { buildDeclarativeMesh, declarativeMeshProps, readDeclarativeMesh } from '../../src/declarative/synth';
import { parseDuration } from '../../src/declarative/mappings';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'declarative-convert-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const FILES: Record<string, string> = {
  'mesh.yaml': `apiVersion: mesh.mcp.io/v1alpha1
kind: MCPMesh
metadata:
  name: travel
spec:
  namespace: mcp-full
  createNamespace: true
  serviceMesh: istio
  capabilityRouting: true
  trafficDefaults: { retries: 1, maxConnections: 50, baseEjectionTime: 1m }
  policyCheck: true
  registry:
    name: registry
    replicas: 3
    logLevel: WARNING
    healthCheckInterval: 5s
    timeoutThreshold: 15s
    evictionThreshold: 45s
    preStopDelay: 5s
    resources: { cpuRequest: 250m, memoryRequest: 256Mi, cpuLimit: "1", memoryLimit: 1Gi }
    storage:
      postgres:
        urlSecret: { name: registry-db, key: url }
        endpoint:
          peer: { podsInNamespace: { namespace: databases, podLabels: { app.kubernetes.io/name: postgresql } } }
          port: 5432
  security:
    dns: { podsInNamespace: { namespace: kube-system, podLabels: { k8s-app: kube-dns } } }
    prometheus: { pods: { namespaceLabels: { kubernetes.io/metadata.name: monitoring }, podLabels: { app.kubernetes.io/name: prometheus } } }
    ingressController: { podsInNamespace: { namespace: ingress-nginx } }
    clusterCidrs: [10.0.0.0/8, 172.16.0.0/12, fd00::/8]
    allowRegistryProxy: true
  externalSecrets:
    storeName: vault
    storeKind: SecretStore
    refreshInterval: 30m
    secrets:
      - secretName: registry-db
        data: [{ key: url, remoteKey: travel/registry-db, property: url, version: "2" }]
      - { secretName: llm-keys, data: [{ key: anthropic, remoteKey: travel/llm/anthropic }] }
  environments:
    dev:
      registry:
        replicas: 1
        storage:
          sqlite: { size: 2Gi, accessMode: ReadWriteOncePod }
`,
  'agents.yaml': `apiVersion: mesh.mcp.io/v1alpha1
kind: MCPAgent
metadata:
  name: weather
spec:
  runtime:
    python: { image: "ghcr.io/example/weather-agent:2.1.0", script: weather.py }
  replicas: 3
  headlessService: true
  advertise: pod-ip
  capabilities:
    - { name: weather_forecast, version: 2.1.0, timeout: 10s, tags: [weather, forecast], description: Forecast for a city }
    - { name: weather_alerts, timeout: 5s }
  heartbeatInterval: 4s
  resources: { cpuRequest: 200m, memoryRequest: 256Mi, memoryLimit: 768Mi }
---
apiVersion: mesh.mcp.io/v1alpha1
kind: MCPAgent
metadata:
  name: hotels
spec:
  runtime:
    custom:
      image: ghcr.io/example/hotels-agent@sha256:0f3a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8
      command: [node, dist/agent.js]
      runAsUser: 1000
  autoscaling: { minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 65 }
  capabilities: [{ name: hotel_search, timeout: 20s }]
  env: [{ name: HOTELS_REGION, value: eu-west }]
  drainTimeout: 45s
  traffic: { timeout: 30s, retries: 0, idempotent: true }
---
apiVersion: mesh.mcp.io/v1alpha1
kind: MCPAgent
metadata:
  name: planner
spec:
  runtime:
    python: { image: "ghcr.io/example/planner-agent:1.4.2", script: planner.py, args: [--verbose] }
  replicas: 2
  port: 9090
  capabilities: [{ name: plan_trip, version: 1.4.2, timeout: 2m, tags: [travel, llm] }]
  dependsOn: [weather_forecast, hotel_search]
  logLevel: DEBUG
  retryAttempts: 2
  callTimeout: 1m30s
  meshNamespace: travel
  internetEgress: true
  exposed: true
  secretEnv:
    - { name: ANTHROPIC_API_KEY, secretKeyRef: { name: llm-keys, key: anthropic } }
    - { name: DEMO_TOKEN, unsafePlainText: demo }
  allowPlainTextSecrets: true
  preStopDelay: 15s
`,
};

function typescriptApp(environment?: MeshEnvironment): App {
  const app = new App({ outdir: '/nonexistent' });
  const chart = new Chart(app, 'travel', { disableResourceNameHashes: true });
  new McpMesh(chart, 'Mesh', {
    name: 'travel',
    namespace: 'mcp-full',
    createNamespace: true,
    serviceMesh: ServiceMesh.ISTIO,
    capabilityRouting: true,
    trafficDefaults: { retries: 1, maxConnections: 50, baseEjectionTime: Duration.minutes(1) },
    policyCheck: true,
    environment,
    registry: {
      name: 'registry',
      replicas: environment?.name === 'dev' ? 1 : 3,
      logLevel: LogLevel.WARNING,
      healthCheckInterval: Duration.seconds(5),
      timeoutThreshold: Duration.seconds(15),
      evictionThreshold: Duration.seconds(45),
      preStopDelay: Duration.seconds(5),
      resources: { cpuRequest: '250m', memoryRequest: '256Mi', cpuLimit: '1', memoryLimit: '1Gi' },
      storage: environment?.name === 'dev'
        ? RegistryStorage.sqlite({ size: '2Gi', accessMode: VolumeAccessMode.READ_WRITE_ONCE_POD })
        : RegistryStorage.postgres({
          urlSecret: { name: 'registry-db', key: 'url' },
          endpoint: { peer: NetworkPeer.podsInNamespace('databases', { 'app.kubernetes.io/name': 'postgresql' }), port: 5432 },
        }),
    },
    externalSecrets: {
      storeName: 'vault',
      storeKind: SecretStoreKind.SECRET_STORE,
      refreshInterval: Duration.minutes(30),
      secrets: [
        { secretName: 'registry-db', data: [{ key: 'url', remoteKey: 'travel/registry-db', property: 'url', version: '2' }] },
        { secretName: 'llm-keys', data: [{ key: 'anthropic', remoteKey: 'travel/llm/anthropic' }] },
      ],
    },
    security: {
      dns: NetworkPeer.podsInNamespace('kube-system', { 'k8s-app': 'kube-dns' }),
      prometheus: NetworkPeer.pods({ namespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' }, podLabels: { 'app.kubernetes.io/name': 'prometheus' } }),
      ingressController: NetworkPeer.podsInNamespace('ingress-nginx'),
      clusterCidrs: ['10.0.0.0/8', '172.16.0.0/12', 'fd00::/8'],
      allowRegistryProxy: true,
    },
    // The CLI sorts agents by name.
    agents: [
      {
        name: 'hotels',
        runtime: AgentRuntime.custom({
          image: 'ghcr.io/example/hotels-agent@sha256:0f3a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8',
          command: ['node', 'dist/agent.js'],
          runAsUser: 1000,
        }),
        autoscaling: { minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 65 },
        capabilities: [{ name: 'hotel_search', timeout: Duration.seconds(20) }],
        env: [{ name: 'HOTELS_REGION', value: 'eu-west' }],
        drainTimeout: Duration.seconds(45),
        traffic: { timeout: Duration.seconds(30), retries: 0, idempotent: true },
      },
      {
        name: 'planner',
        runtime: AgentRuntime.python({ image: 'ghcr.io/example/planner-agent:1.4.2', script: 'planner.py', args: ['--verbose'] }),
        replicas: 2,
        port: 9090,
        capabilities: [{ name: 'plan_trip', version: '1.4.2', timeout: Duration.minutes(2), tags: ['travel', 'llm'] }],
        dependsOn: ['weather_forecast', 'hotel_search'],
        logLevel: LogLevel.DEBUG,
        retryAttempts: 2,
        callTimeout: Duration.seconds(90),
        meshNamespace: 'travel',
        internetEgress: true,
        exposed: true,
        secretEnv: [
          { name: 'ANTHROPIC_API_KEY', value: SecretValue.fromSecretKey('llm-keys', 'anthropic') },
          { name: 'DEMO_TOKEN', value: SecretValue.unsafePlainText('demo') },
        ],
        allowPlainTextSecrets: true,
        preStopDelay: Duration.seconds(15),
      },
      {
        name: 'weather',
        runtime: AgentRuntime.python({ image: 'ghcr.io/example/weather-agent:2.1.0', script: 'weather.py' }),
        replicas: 3,
        headlessService: true,
        advertise: AdvertiseMode.POD_IP,
        capabilities: [
          { name: 'weather_forecast', version: '2.1.0', timeout: Duration.seconds(10), tags: ['weather', 'forecast'], description: 'Forecast for a city' },
          { name: 'weather_alerts', timeout: Duration.seconds(5) },
        ],
        heartbeatInterval: Duration.seconds(4),
        resources: { cpuRequest: '200m', memoryRequest: '256Mi', memoryLimit: '768Mi' },
      },
    ],
  });
  return app;
}

beforeAll(() => {
  for (const [name, text] of Object.entries(FILES)) fs.writeFileSync(path.join(dir, name), text);
});

const yamlOf = (app: App) => toYamlDocuments(app.charts.flatMap((c) => c.toJson()));

test.each([undefined, 'dev', 'staging'])('every shape of the format converts: environment %s gives the same bytes as TypeScript', (env) => {
  const declared = readDeclarativeMesh([dir]);
  const built = buildDeclarativeMesh(declared, env, new App({ outdir: '/nonexistent' }));
  expect(yamlOf(built.app)).toBe(yamlOf(typescriptApp(env === undefined ? undefined : (MeshEnvironment as any)[env]())));
});

test('the props are the classes the constructs take', () => {
  const props = declarativeMeshProps(readDeclarativeMesh([dir]), 'staging');
  expect(props.environment).toBeInstanceOf(MeshEnvironment);
  expect(props.environment!.name).toBe('staging');
  expect(props.registry!.storage).toBeInstanceOf(RegistryStorage);
  expect(props.security!.dns).toBeInstanceOf(NetworkPeer);
  const planner = props.agents!.find((a) => a.name === 'planner')!;
  expect(planner.runtime).toBeInstanceOf(AgentRuntime);
  expect(planner.secretEnv!.map((e) => e.value)).toEqual([expect.any(SecretValue), expect.any(SecretValue)]);
  expect(planner.callTimeout!.toSeconds()).toBe(90);
});

test.each([['30s', 30], ['2m', 120], ['1h30m', 5400], ['1h', 3600], ['1m5s', 65], ['12h', 43200]])('duration %s is %d seconds', (text, seconds) => {
  expect(parseDuration(text).toSeconds()).toBe(seconds);
});
