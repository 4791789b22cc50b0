/**
 * The smallest useful mesh: a registry on SQLite and one agent whose code is in its own image
 * (built FROM mcpmesh/python-runtime).
 */
import { App, Chart } from 'cdk8s';
import { AgentRuntime, McpMesh, writeManifests } from '../../src';

export function buildApp(app: App = new App()): App {
  const chart = new Chart(app, 'minimal', { disableResourceNameHashes: true });
  new McpMesh(chart, 'Mesh', {
    namespace: 'mcp-minimal',
    agents: [{
      name: 'hello',
      runtime: AgentRuntime.python({ image: 'ghcr.io/example/hello-agent:1.0.0', script: 'hello.py' }),
      capabilities: [{ name: 'greeting' }],
    }],
  });
  return app;
}

if (require.main === module) {
  writeManifests(buildApp());
}
