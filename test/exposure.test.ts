/** Exposed agents: the Ingress or HTTPRoute in front of them, its timeouts, and who the policies admit. */
import { Duration } from 'cdk8s';
import { AgentExposure, AgentRuntime, McpMesh, McpMeshAgentProps, McpMeshProps, NetworkPeer, ServiceMesh } from '../src';
import { find, problemLines, synth } from './util/synth';

const rt = AgentRuntime.python({ image: 'ghcr.io/example/agent:1.0.0', script: 'agent.py' });
const controller = NetworkPeer.podsInNamespace('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' });

function mesh(props: McpMeshProps) {
  return synth((chart) => new McpMesh(chart, 'Mesh', { namespace: 'travel', ...props }));
}

const problems = (props: McpMeshProps): string[] => problemLines(() => mesh(props));

const planner = (expose: AgentExposure, extra: Partial<McpMeshAgentProps> = {}): McpMeshAgentProps => ({
  name: 'planner', runtime: rt, capabilities: [{ name: 'plan', timeout: Duration.minutes(3) }, { name: 'quick', timeout: Duration.seconds(5) }], expose, ...extra,
});

describe('an Ingress', () => {
  const objects = mesh({ security: { ingressController: controller }, agents: [planner({ host: 'planner.example.com', path: '/mcp', ingressClassName: 'nginx', tlsSecretName: 'planner-tls' })] });
  const ingress = find(objects, 'Ingress', 'planner');

  test('routes host and path to the agent\'s Service, with TLS', () => {
    expect(ingress.spec).toEqual({
      ingressClassName: 'nginx',
      rules: [{ host: 'planner.example.com', http: { paths: [{ backend: { service: { name: 'planner', port: { name: 'http' } } }, path: '/mcp', pathType: 'Prefix' }] } }],
      tls: [{ hosts: ['planner.example.com'], secretName: 'planner-tls' }],
    });
    expect(find(objects, 'Service', 'planner').spec.ports.map((p: any) => p.name)).toContain('http');
  });

  test('gives ingress-nginx the longest capability timeout (its default, 60 s, would cut a 3-minute call) and streams responses', () => {
    expect(ingress.metadata.annotations).toEqual({
      'nginx.ingress.kubernetes.io/proxy-buffering': 'off',
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '180',
      'nginx.ingress.kubernetes.io/proxy-send-timeout': '180',
    });
  });

  test('the exposed agent admits the ingress controller on its port', () => {
    const policy = find(objects, 'NetworkPolicy', 'planner');
    expect(policy.spec.ingress).toContainEqual({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } }], ports: [{ port: 8080, protocol: 'TCP' }] });
  });
});

test('an HTTPRoute attached to a Gateway, with request and backend timeouts', () => {
  const objects = mesh({ security: { ingressController: controller }, agents: [planner({ host: 'planner.example.com', gateway: { name: 'public', namespace: 'gateways', sectionName: 'https' } })] });
  expect(find(objects, 'HTTPRoute', 'planner').spec).toEqual({
    hostnames: ['planner.example.com'],
    parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateways', sectionName: 'https' }],
    rules: [{ backendRefs: [{ name: 'planner', port: 8080 }], matches: [{ path: { type: 'PathPrefix', value: '/' } }], timeouts: { backendRequest: '180s', request: '180s' } }],
  });
  expect(objects.filter((o) => o.kind === 'Ingress')).toEqual([]);
});

describe('service-mesh authorization of the ingress controller', () => {
  const security = { ingressController: controller, ingressServiceAccount: { name: 'ingress-nginx', namespace: 'ingress-nginx' } };

  test('Istio: the controller\'s identity when it is named, its namespace otherwise', () => {
    const byIdentity = mesh({ serviceMesh: ServiceMesh.ISTIO, security, agents: [planner({ host: 'planner.example.com', ingressClassName: 'nginx' })] });
    expect(find(byIdentity, 'AuthorizationPolicy', 'planner').spec.rules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/ingress-nginx/sa/ingress-nginx'] } }], to: [{ operation: { ports: ['8080'] } }] },
    ]);
    const byNamespace = mesh({ serviceMesh: ServiceMesh.ISTIO, security: { ingressController: controller }, agents: [planner({ host: 'planner.example.com', ingressClassName: 'nginx' })] });
    expect(find(byNamespace, 'AuthorizationPolicy', 'planner').spec.rules).toEqual([
      { from: [{ source: { namespaces: ['ingress-nginx'] } }], to: [{ operation: { ports: ['8080'] } }] },
    ]);
  });

  test('Linkerd: the exposed agent\'s Server authorizes the controller\'s identity, even with no caller in the mesh', () => {
    const objects = mesh({ serviceMesh: ServiceMesh.LINKERD, security, agents: [planner({ host: 'planner.example.com', ingressClassName: 'nginx' })] });
    expect(find(objects, 'MeshTLSAuthentication', 'planner-callers').spec).toEqual({ identityRefs: [{ kind: 'ServiceAccount', name: 'ingress-nginx', namespace: 'ingress-nginx' }] });
    expect(objects.find((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name === 'planner')?.spec.targetRef).toEqual({ group: 'policy.linkerd.io', kind: 'Server', name: 'planner-server' });
  });
});

describe('refused, with the fix', () => {
  test('Linkerd without the controller\'s identity: its Server would refuse the controller', () => {
    expect(problems({ serviceMesh: ServiceMesh.LINKERD, security: { ingressController: controller }, agents: [planner({ host: 'planner.example.com', ingressClassName: 'nginx' })] }))
      .toEqual([expect.stringMatching(/^agents\.planner\.exposed: admits an ingress controller, which Linkerd can only authorize by its identity/)]);
  });

  test('exposure without an ingress controller to admit', () => {
    expect(problems({ agents: [planner({ host: 'planner.example.com', ingressClassName: 'nginx' })] }))
      .toEqual([expect.stringMatching(/^agents\.planner\.exposed: admits an ingress controller, but none is configured/)]);
  });

  test('every problem of an exposure at once: host, path, both ways in, TLS on a gateway, exposed: false', () => {
    expect(problems({
      security: { ingressController: controller, ingressServiceAccount: { name: 'Bad Name', namespace: 'ns' } },
      agents: [planner({ host: 'Planner', path: 'mcp', ingressClassName: 'nginx', gateway: { name: 'public' }, tlsSecretName: 'tls' }, { exposed: false })],
    }).map((p) => p.slice(0, p.indexOf(':')))).toEqual([
      'security.ingressServiceAccount.name',
      'agents.planner.exposed', 'agents.planner.expose.host', 'agents.planner.expose.path', 'agents.planner.expose', 'agents.planner.expose.tlsSecretName',
    ]);
    expect(problems({ security: { ingressController: controller }, agents: [planner({ host: 'planner.example.com' })] }))
      .toEqual(['agents.planner.expose: needs exactly one way in']);
  });
});
