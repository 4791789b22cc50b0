/**
 * A mesh on Linkerd: every pod gets the proxy, and Linkerd's Servers and authorizations admit exactly the
 * callers the mesh graph names (the same graph the NetworkPolicies follow). Observability reads Linkerd's
 * proxy metrics, and scrapes the agents' own /metrics too (for runtimes that serve it: 3.7.1 answers 404,
 * see docs/observability.md).
 */
import { App, Chart, Duration } from 'cdk8s';
import { AgentRuntime, McpMesh, NetworkPeer, ServiceMesh, writeManifests } from '../../src';

export function buildApp(app: App = new App()): App {
  const chart = new Chart(app, 'linkerd', { disableResourceNameHashes: true });
  const image = (name: string) => AgentRuntime.python({ image: `ghcr.io/example/${name}-agent:1.0.0`, script: `${name}.py` });
  new McpMesh(chart, 'Mesh', {
    namespace: 'mcp-linkerd',
    serviceMesh: ServiceMesh.LINKERD,
    observability: { scrapeAgents: true },
    security: {
      prometheus: NetworkPeer.podsInNamespace('monitoring', { 'app.kubernetes.io/name': 'prometheus' }),
      // A Gateway API gateway whose pods run in the mesh: Linkerd admits it by its identity.
      ingressController: NetworkPeer.podsInNamespace('gateways', { 'gateway.networking.k8s.io/gateway-name': 'public' }),
      ingressServiceAccount: { name: 'public', namespace: 'gateways' },
    },
    agents: [
      { name: 'weather', runtime: image('weather'), replicas: 2, capabilities: [{ name: 'weather_forecast', timeout: Duration.seconds(10) }] },
      { name: 'hotels', runtime: image('hotels'), replicas: 2, capabilities: [{ name: 'hotel_search', timeout: Duration.seconds(20) }] },
      {
        name: 'planner', runtime: image('planner'), capabilities: [{ name: 'plan_trip' }], dependsOn: ['weather_forecast', 'hotel_search'],
        // An HTTPRoute on the shared Gateway (its listener must admit routes from this namespace).
        expose: { host: 'planner.example.com', gateway: { name: 'public', namespace: 'gateways' } },
      },
    ],
  });
  return app;
}

if (require.main === module) {
  writeManifests(buildApp());
}
