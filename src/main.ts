/**
 * The default app: a travel-planning mesh of a registry and three agents (weather, hotels, and a planner that
 * depends on both). `npm run synth` (or `cdk8s synth`) writes it to dist/. The agents' code is shipped in
 * ConfigMaps and run by the stock MCP Mesh Python runtime image, so the output runs as it is.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import { AgentRuntime, McpMesh, MeshEnvironment, RegistryStorage } from './index';
import { packageRoot } from './declarative/resources';
import { writeHelmCharts } from './synth/helm-charts';
import { ownedObjectsOf } from './synth/owned-objects';
import { writeKustomize } from './synth/kustomize';
import { meshDiagramMarkdown } from './synth/mesh-diagram';
import { MCP_MESH_VERSION } from './model/runtime';
import { writeManifests } from './synth/write-manifests';

/** examples/agents, found from src/ (ts-node, jest) and from lib/src/ (compiled) alike. */
function agentSourceDir(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'examples', 'agents');
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`examples/agents not found above ${__dirname}`);
}

function agentSource(name: string): AgentRuntime {
  return AgentRuntime.python({ source: fs.readFileSync(path.join(agentSourceDir(), `${name}.py`), 'utf8') });
}

export function buildDefaultApp(app: App = new App(), environment?: MeshEnvironment): App {
  const chart = new Chart(app, 'mcp-mesh', { disableResourceNameHashes: true });
  defaultMesh(chart, environment);
  return app;
}

function defaultMesh(chart: Chart, environment?: MeshEnvironment): McpMesh {
  return new McpMesh(chart, 'Mesh', {
    namespace: 'mcp-mesh',
    environment,
    // Production runs three registries on a PostgreSQL next to them; the credentials Secret is yours to create.
    ...(environment?.name === 'prod'
      ? { registry: { storage: RegistryStorage.postgresInCluster({ credentials: { secretName: 'registry-db-credentials' } }) } }
      : {}),
    agents: [
      {
        name: 'weather',
        runtime: agentSource('weather'),
        replicas: 2,
        capabilities: [{ name: 'weather_forecast', version: '1.0.0', timeout: Duration.seconds(10), tags: ['weather', 'demo'] }],
      },
      {
        name: 'hotels',
        runtime: agentSource('hotels'),
        replicas: 2,
        capabilities: [{ name: 'hotel_search', version: '1.0.0', timeout: Duration.seconds(20), tags: ['hotels', 'demo'] }],
      },
      {
        name: 'planner',
        runtime: agentSource('planner'),
        capabilities: [{ name: 'plan_trip', version: '1.0.0', timeout: Duration.seconds(60), tags: ['planner', 'demo'] }],
        dependsOn: ['weather_forecast', 'hotel_search'],
      },
    ],
  });
}

/** The default mesh as a Mermaid diagram in Markdown. */
export function defaultMeshDiagram(): string {
  const mesh = defaultMesh(new Chart(new App({ outdir: '/nonexistent' }), 'mcp-mesh'));
  return meshDiagramMarkdown('The default mesh', mesh.model);
}

/** The default mesh's environments, for the Kustomize overlays. */
export const ENVIRONMENTS: Record<string, () => MeshEnvironment> = {
  dev: MeshEnvironment.dev, staging: MeshEnvironment.staging, prod: MeshEnvironment.prod,
};

/** Writes the default mesh as a Kustomize base (no preset) with one overlay per environment. */
export function synthKustomize(outdir: string): string[] {
  const objects = (environment?: MeshEnvironment) => buildDefaultApp(new App({ outdir }), environment).charts.flatMap((c) => c.toJson());
  const environments = Object.fromEntries(Object.entries(ENVIRONMENTS).map(([name, env]) => [name, objects(env())]));
  return writeKustomize(outdir, objects(), environments);
}

/** The default mesh as two Helm charts: `<outdir>/mcp-mesh-registry` and `<outdir>/mcp-mesh-agents`. */
export function synthHelm(outdir: string): string[] {
  const objects = ownedObjectsOf(buildDefaultApp(new App({ outdir })));
  const version = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version;
  return writeHelmCharts(outdir, objects, { chartVersion: version, appVersion: MCP_MESH_VERSION });
}

if (require.main === module) {
  writeManifests(buildDefaultApp());
}
