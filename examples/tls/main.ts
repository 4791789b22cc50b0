/**
 * A mesh without Istio or Linkerd that still speaks mutual TLS: the runtime's own TLS, with a certificate
 * for every workload from a cert-manager ClusterIssuer (a CA issuer you create; see docs/security.md). The
 * registry trusts the issuer's CA; agents call it and each other over https with their certificates.
 */
import { App, Chart, Duration } from 'cdk8s';
import { AgentRuntime, McpMesh, TlsMode, writeManifests } from '../../src';

export function buildApp(app: App = new App()): App {
  const chart = new Chart(app, 'tls', { disableResourceNameHashes: true });
  const image = (name: string) => AgentRuntime.python({ image: `ghcr.io/example/${name}-agent:1.0.0`, script: `${name}.py` });
  new McpMesh(chart, 'Mesh', {
    namespace: 'mcp-tls',
    tls: { issuer: { name: 'mesh-ca', kind: 'ClusterIssuer' }, mode: TlsMode.STRICT, duration: Duration.days(30), renewBefore: Duration.days(10) },
    agents: [
      { name: 'weather', runtime: image('weather'), replicas: 2, capabilities: [{ name: 'weather_forecast', timeout: Duration.seconds(10) }] },
      { name: 'planner', runtime: image('planner'), capabilities: [{ name: 'plan_trip' }], dependsOn: ['weather_forecast'] },
    ],
  });
  return app;
}

if (require.main === module) {
  writeManifests(buildApp());
}
