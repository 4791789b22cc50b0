/**
 * Every option the library offers, on: a highly available registry on PostgreSQL, agents in both advertise
 * modes, shipped source and custom images, secrets delivered from Vault by the External Secrets Operator,
 * tuned heartbeats, timeouts and resources, Istio mTLS with graph-derived authorization, zero-trust
 * NetworkPolicies, and the Namespace owned by the app. `examples/` is synthesized and validated by the tests,
 * so this file grows with the library.
 */
import { App, Chart, Duration } from 'cdk8s';
import {
  AdvertiseMode, AgentRuntime, LogLevel, McpMesh, NetworkPeer, OtlpProtocol, RegistryStorage, SecretStoreKind, SecretValue, ServiceMesh, writeManifests,
} from '../../src';

export function buildApp(app: App = new App()): App {
  const chart = new Chart(app, 'full', { disableResourceNameHashes: true });
  const mesh = new McpMesh(chart, 'Mesh', {
    name: 'travel',
    namespace: 'mcp-full',
    createNamespace: true,
    clusterDomain: 'cluster.local',
    serviceMesh: ServiceMesh.ISTIO,
    registry: {
      name: 'registry',
      replicas: 3,
      storage: RegistryStorage.postgres({
        urlSecret: { name: 'registry-db', key: 'url' },
        endpoint: { peer: NetworkPeer.podsInNamespace('databases', { 'app.kubernetes.io/name': 'postgresql' }), port: 5432 },
      }),
      logLevel: LogLevel.INFO,
      healthCheckInterval: Duration.seconds(5),
      timeoutThreshold: Duration.seconds(15),
      evictionThreshold: Duration.seconds(45),
      resources: { cpuRequest: '250m', memoryRequest: '256Mi', cpuLimit: '1', memoryLimit: '1Gi' },
      preStopDelay: Duration.seconds(5),
    },
    observability: {
      prometheusSelectorLabels: { release: 'monitoring' },
      alerts: { labels: { team: 'travel' }, runbookBaseUrl: 'https://runbooks.example.com/mcp-mesh', errorRatioThreshold: 0.02, podNotReadyFor: Duration.minutes(10) },
    },
    tracing: {
      redisUrl: 'redis://redis.tracing.svc.cluster.local:6379',
      otlpEndpoint: 'tempo-distributor.tracing.svc.cluster.local:4317',
      otlpProtocol: OtlpProtocol.GRPC,
      traceRetention: Duration.hours(12),
      redisNetwork: { peer: NetworkPeer.podsInNamespace('tracing', { 'app.kubernetes.io/name': 'redis' }), port: 6379 },
      collectorNetwork: { peer: NetworkPeer.podsInNamespace('tracing', { 'app.kubernetes.io/name': 'tempo' }), port: 4317 },
    },
    // The Secrets the mesh reads (the registry's database URL, the planner's LLM keys), delivered from Vault:
    // nothing secret is in this repository or in the synthesized YAML.
    externalSecrets: {
      storeName: 'vault',
      storeKind: SecretStoreKind.CLUSTER_SECRET_STORE,
      refreshInterval: Duration.minutes(30),
      secrets: [
        { secretName: 'registry-db', data: [{ key: 'url', remoteKey: 'travel/registry-db', property: 'url' }] },
        {
          secretName: 'llm-keys',
          data: [
            { key: 'anthropic', remoteKey: 'travel/llm', property: 'anthropic' },
            { key: 'openai', remoteKey: 'travel/llm', property: 'openai' },
          ],
        },
      ],
    },
    security: {
      dns: NetworkPeer.podsInNamespace('kube-system', { 'k8s-app': 'kube-dns' }),
      prometheus: NetworkPeer.podsInNamespace('monitoring', { 'app.kubernetes.io/name': 'prometheus' }),
      ingressController: NetworkPeer.podsInNamespace('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }),
      // The controller runs with an Istio sidecar: its identity, not its whole namespace, is admitted.
      ingressServiceAccount: { name: 'ingress-nginx', namespace: 'ingress-nginx' },
      clusterCidrs: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', 'fd00::/8'],
      allowRegistryProxy: true,
    },
  });
  mesh.addAgent({
    name: 'weather',
    runtime: AgentRuntime.python({ image: 'ghcr.io/example/weather-agent:2.1.0', script: 'weather.py' }),
    replicas: 3,
    advertise: AdvertiseMode.SERVICE,
    headlessService: true,
    capabilities: [
      { name: 'weather_forecast', version: '2.1.0', timeout: Duration.seconds(10), tags: ['weather', 'forecast'], description: 'Forecast for a city' },
      { name: 'weather_alerts', version: '1.0.0', timeout: Duration.seconds(5), tags: ['weather'] },
    ],
    heartbeatInterval: Duration.seconds(5),
    resources: { cpuRequest: '200m', memoryRequest: '256Mi', memoryLimit: '768Mi' },
  });
  mesh.addAgent({
    name: 'hotels',
    runtime: AgentRuntime.custom({
      image: 'ghcr.io/example/hotels-agent@sha256:0f3a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8',
      command: ['node', 'dist/agent.js'],
      runAsUser: 1000,
    }),
    replicas: 2,
    advertise: AdvertiseMode.POD_IP,
    capabilities: [{ name: 'hotel_search', timeout: Duration.seconds(20) }],
    env: [{ name: 'HOTELS_REGION', value: 'eu-west' }],
    drainTimeout: Duration.seconds(45),
  });
  mesh.addAgent({
    name: 'planner',
    runtime: AgentRuntime.python({ image: 'ghcr.io/example/planner-agent:1.4.2', script: 'planner.py', args: ['--verbose'] }),
    replicas: 2,
    capabilities: [{ name: 'plan_trip', version: '1.4.2', timeout: Duration.minutes(2), tags: ['travel', 'llm'] }],
    dependsOn: ['weather_forecast', 'hotel_search'],
    logLevel: LogLevel.DEBUG,
    retryAttempts: 2,
    callTimeout: Duration.seconds(90),
    meshNamespace: 'travel',
    internetEgress: true,
    // An Ingress on ingress-nginx, its timeouts at the capability's 2 minutes (nginx's default is 60 s).
    expose: { host: 'planner.travel.example.com', ingressClassName: 'nginx', tlsSecretName: 'planner-tls' },
    secretEnv: [
      { name: 'ANTHROPIC_API_KEY', value: SecretValue.fromSecretKey('llm-keys', 'anthropic') },
      { name: 'OPENAI_API_KEY', value: SecretValue.fromSecretKey('llm-keys', 'openai') },
    ],
    preStopDelay: Duration.seconds(15),
  });
  return app;
}

if (require.main === module) {
  writeManifests(buildApp());
}
