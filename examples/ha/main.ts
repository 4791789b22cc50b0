/**
 * A mesh that survives node failures and rollouts: three registry replicas on an in-cluster PostgreSQL
 * (credentials from a Secret you create), spread over zones and nodes with a PodDisruptionBudget, and agents
 * with several replicas or an autoscaler, each with its own PodDisruptionBudget.
 */
import { App, Chart, Duration } from 'cdk8s';
import { AgentRuntime, McpMesh, RegistryStorage, writeManifests } from '../../src';

export function buildApp(app: App = new App()): App {
  const chart = new Chart(app, 'ha', { disableResourceNameHashes: true });
  const image = (name: string) => AgentRuntime.python({ image: `ghcr.io/example/${name}-agent:1.0.0`, script: `${name}.py` });
  new McpMesh(chart, 'Mesh', {
    namespace: 'mcp-ha',
    registry: {
      replicas: 3,
      storage: RegistryStorage.postgresInCluster({ credentials: { secretName: 'registry-db-credentials' }, size: '20Gi' }),
    },
    agents: [
      { name: 'weather', runtime: image('weather'), autoscaling: { minReplicas: 2, maxReplicas: 10 }, capabilities: [{ name: 'weather_forecast', timeout: Duration.seconds(10) }] },
      { name: 'hotels', runtime: image('hotels'), replicas: 3, capabilities: [{ name: 'hotel_search', timeout: Duration.seconds(20) }] },
      { name: 'planner', runtime: image('planner'), replicas: 2, capabilities: [{ name: 'plan_trip' }], dependsOn: ['weather_forecast', 'hotel_search'] },
    ],
  });
  return app;
}

if (require.main === module) {
  writeManifests(buildApp());
}
