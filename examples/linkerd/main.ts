/**
 * A mesh on Linkerd: every pod gets the proxy, and Linkerd's Servers and authorizations admit exactly the
 * callers the mesh graph names (the same graph the NetworkPolicies follow).
 */
import { App, Chart, Duration } from 'cdk8s';
import { AgentRuntime, McpMesh, ServiceMesh, writeManifests } from '../../src';

export function buildApp(app: App = new App()): App {
  const chart = new Chart(app, 'linkerd', { disableResourceNameHashes: true });
  const image = (name: string) => AgentRuntime.python({ image: `ghcr.io/example/${name}-agent:1.0.0`, script: `${name}.py` });
  new McpMesh(chart, 'Mesh', {
    namespace: 'mcp-linkerd',
    serviceMesh: ServiceMesh.LINKERD,
    agents: [
      { name: 'weather', runtime: image('weather'), replicas: 2, capabilities: [{ name: 'weather_forecast', timeout: Duration.seconds(10) }] },
      { name: 'hotels', runtime: image('hotels'), replicas: 2, capabilities: [{ name: 'hotel_search', timeout: Duration.seconds(20) }] },
      { name: 'planner', runtime: image('planner'), capabilities: [{ name: 'plan_trip' }], dependsOn: ['weather_forecast', 'hotel_search'] },
    ],
  });
  return app;
}

if (require.main === module) {
  writeManifests(buildApp());
}
