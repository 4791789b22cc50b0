/** The runtime's own mutual TLS (no service mesh): certificates from cert-manager, mounts, env, probes, refusals. */
import { Duration } from 'cdk8s';
import { AdvertiseMode, AgentRuntime, McpMesh, McpMeshProps, ServiceMesh, TlsMode } from '../src';
import { container, envOf, find, problemLines, synth } from './util/synth';

const rt = AgentRuntime.python({ image: 'ghcr.io/example/agent:1.0.0', script: 'agent.py' });
const issuer = { name: 'mesh-ca' };

function mesh(props: McpMeshProps) {
  return synth((chart) => new McpMesh(chart, 'Mesh', { namespace: 'secure', ...props }));
}

const problems = (props: McpMeshProps): string[] => problemLines(() => mesh(props));

const agents = [
  { name: 'weather', runtime: rt, capabilities: [{ name: 'forecast' }] },
  { name: 'planner', runtime: rt, dependsOn: ['forecast'] },
];

describe('tls', () => {
  const objects = mesh({ tls: { issuer }, agents });

  test('a cert-manager Certificate per workload, for the names its Service is called by', () => {
    const certificates = objects.filter((o) => o.kind === 'Certificate');
    expect(certificates.map((c) => c.metadata.name).sort()).toEqual(['mcp-mesh-registry-tls', 'planner-tls', 'weather-tls']);
    expect(find(objects, 'Certificate', 'weather-tls').spec).toEqual({
      dnsNames: ['weather', 'weather.secure', 'weather.secure.svc', 'weather.secure.svc.cluster.local'],
      duration: '2160h',
      issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'mesh-ca' },
      privateKey: { algorithm: 'RSA', rotationPolicy: 'Always', size: 2048 },
      renewBefore: '720h',
      secretName: 'weather-tls',
      usages: ['server auth', 'client auth', 'digital signature', 'key encipherment'],
    });
  });

  test('agents call the registry over https, with their certificate mounted and named in the runtime\'s env', () => {
    const planner = find(objects, 'Deployment', 'planner');
    expect(envOf(planner)).toMatchObject({
      MCP_MESH_REGISTRY_URL: 'https://mcp-mesh-registry.secure.svc.cluster.local:8000',
      MCP_MESH_TLS_MODE: 'strict',
      MCP_MESH_TLS_CERT: '/etc/mcp-mesh/tls/tls.crt',
      MCP_MESH_TLS_KEY: '/etc/mcp-mesh/tls/tls.key',
      MCP_MESH_TLS_CA: '/etc/mcp-mesh/tls/ca.crt',
    });
    expect(planner.spec.template.spec.volumes).toContainEqual({ name: 'tls', secret: { defaultMode: 0o440, secretName: 'planner-tls' } });
    expect(container(planner).volumeMounts).toContainEqual({ mountPath: '/etc/mcp-mesh/tls', name: 'tls', readOnly: true });
    expect(find(objects, 'ConfigMap', 'planner-config').data['agent-config.yaml']).toContain('https://mcp-mesh-registry.secure.svc.cluster.local:8000');
  });

  test('the registry trusts the issuer\'s CA through its filestore trust backend', () => {
    const registry = find(objects, 'StatefulSet', 'mcp-mesh-registry');
    expect(envOf(registry)).toMatchObject({ MCP_MESH_TRUST_BACKEND: 'filestore', MCP_MESH_TRUST_DIR: '/etc/mcp-mesh/trust', MCP_MESH_TLS_MODE: 'strict' });
    expect(registry.spec.template.spec.volumes).toContainEqual({ name: 'trust', secret: { defaultMode: 0o440, items: [{ key: 'ca.crt', path: 'ca.pem' }], secretName: 'mcp-mesh-registry-tls' } });
  });

  test('probes the TCP port where the TLS wants a client certificate; HTTPS on the registry in auto mode', () => {
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      expect(container(find(objects, 'Deployment', 'weather'))[probe].tcpSocket).toEqual({ port: 'http' });
      expect(container(find(objects, 'StatefulSet', 'mcp-mesh-registry'))[probe].tcpSocket).toEqual({ port: 'http' });
    }
    const auto = mesh({ tls: { issuer, mode: TlsMode.AUTO }, agents });
    expect(container(find(auto, 'StatefulSet', 'mcp-mesh-registry')).readinessProbe.httpGet).toEqual({ path: '/health', port: 'http', scheme: 'HTTPS' });
    expect(container(find(auto, 'Deployment', 'weather')).readinessProbe.tcpSocket).toEqual({ port: 'http' });
    expect(find(objects, 'Service', 'weather').spec.ports[0].appProtocol).toBe('https');
  });

  test('without tls nothing changes: plain HTTP, HTTP probes, no Certificate', () => {
    const plain = mesh({ agents });
    expect(plain.filter((o) => o.kind === 'Certificate')).toEqual([]);
    expect(envOf(find(plain, 'Deployment', 'planner')).MCP_MESH_REGISTRY_URL).toBe('http://mcp-mesh-registry.secure.svc.cluster.local:8000');
    expect(container(find(plain, 'Deployment', 'weather')).readinessProbe.httpGet.path).toBe('/ready');
  });
});

describe('refused, with the fix', () => {
  test('together with a service mesh, with pod-ip advertising, with agent scraping; bad issuer and durations', () => {
    expect(problems({ serviceMesh: ServiceMesh.ISTIO, tls: { issuer }, agents }).map((p) => p.slice(0, p.indexOf(':')))).toEqual(['tls']);
    expect(problems({ tls: { issuer }, agents: [{ ...agents[0], advertise: AdvertiseMode.POD_IP }] })).toEqual([expect.stringMatching(/^agents\.weather\.advertise: is set together with tls/)]);
    expect(problems({ tls: { issuer }, observability: { scrapeAgents: true }, agents })).toEqual([expect.stringMatching(/^observability\.scrapeAgents: /)]);
    expect(problems({ tls: { issuer: { name: 'Bad Name', kind: 'Vault' }, duration: Duration.days(10), renewBefore: Duration.days(20) }, agents }).map((p) => p.slice(0, p.indexOf(':'))))
      .toEqual(['tls.issuer.name', 'tls.issuer.kind', 'tls.renewBefore']);
  });

  test('the TLS variables by hand: they belong to the tls prop', () => {
    expect(problems({ agents: [{ ...agents[0], env: [{ name: 'MCP_MESH_TLS_MODE', value: 'strict' }] }] }))
      .toEqual([expect.stringMatching(/^agents\.weather\.env\[0\]\.name: is set by the agent construct itself/)]);
  });
});
