import { AgentRuntime, McpMesh, NetworkPeer, PolicyRule, RegistryStorage, ServiceMesh } from '../src';
import { find, synth } from './util/synth';

const rt = AgentRuntime.python({ image: 'ghcr.io/example/agent:1.0.0', script: 'agent.py' });

describe('McpSecurity', () => {
  test('labels an owned namespace for Pod Security "restricted" in all three modes, version pinned', () => {
    const ns = find(synth((chart) => new McpMesh(chart, 'Mesh', { createNamespace: true })), 'Namespace', 'mcp-mesh');
    expect(ns.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.30',
      'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/audit-version': 'v1.30',
      'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/warn-version': 'v1.30',
    });
  });

  test('renders one policy per workload plus default-deny and DNS, and none when turned off', () => {
    const on = synth((chart) => new McpMesh(chart, 'Mesh', { agents: [{ runtime: rt, name: 'a' }, { runtime: rt, name: 'b' }] }));
    expect(on.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name))
      .toEqual(['mcp-mesh-default-deny', 'mcp-mesh-allow-dns', 'mcp-mesh-registry', 'a', 'b']);
    const deny = find(on, 'NetworkPolicy', 'mcp-mesh-default-deny');
    expect(deny.spec).toEqual({
      egress: [], ingress: [], policyTypes: ['Ingress', 'Egress'],
      podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'mcp-mesh', 'app.kubernetes.io/part-of': 'mcp-mesh' } },
    });
    const noPolicies = { security: { networkPolicies: false }, agents: [{ runtime: rt, name: 'a' }] };
    // Turning them off is a finding of the policy check, accepted only with a reason.
    expect(() => synth((chart) => new McpMesh(chart, 'Mesh', noPolicies))).toThrow(/\[network-policy\] Deployment\/a: its pods are not isolated/);
    const off = synth((chart) => new McpMesh(chart, 'Mesh', {
      ...noPolicies, policySuppressions: [{ rule: PolicyRule.NETWORK_POLICY, reason: 'the platform team enforces policies through the CNI' }],
    }));
    expect(off.some((o) => o.kind === 'NetworkPolicy')).toBe(false);
  });

  test('follows dependencies added after the policies were created', () => {
    const objects = synth((chart) => {
      const mesh = new McpMesh(chart, 'Mesh');
      mesh.addAgent({ runtime: rt, name: 'provider', capabilities: [{ name: 'cap' }] });
      mesh.addAgent({ runtime: rt, name: 'caller', dependsOn: ['cap'] });
    });
    const provider = find(objects, 'NetworkPolicy', 'provider');
    // Callers are selected by the capability they call, a label every caller's pods carry.
    expect(provider.spec.ingress).toEqual([{
      from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/component': 'agent', 'app.kubernetes.io/instance': 'mcp-mesh', 'calls.mesh.mcp.io/cap': 'true' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    }]);
    expect(find(objects, 'Deployment', 'caller').spec.template.metadata.labels['calls.mesh.mcp.io/cap']).toBe('true');
    expect(find(objects, 'Deployment', 'provider').spec.template.metadata.labels['provides.mesh.mcp.io/cap']).toBe('true');
  });

  test('gives internet egress to opted-in agents only, on 443, outside the cluster ranges', () => {
    const objects = synth((chart) => new McpMesh(chart, 'Mesh', {
      agents: [{ runtime: rt, name: 'llm', internetEgress: true }, { runtime: rt, name: 'plain' }],
    }));
    const rule = find(objects, 'NetworkPolicy', 'llm').spec.egress.at(-1);
    expect(rule).toEqual({
      ports: [{ port: 443, protocol: 'TCP' }],
      to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'] } }],
    });
    expect(JSON.stringify(find(objects, 'NetworkPolicy', 'plain'))).not.toContain('0.0.0.0/0');
  });

  test('fails when the registry database has no known address, since default deny would cut it off', () => {
    expect(() => synth((chart) => new McpMesh(chart, 'Mesh', {
      registry: { replicas: 2, storage: RegistryStorage.postgres({ urlSecret: { name: 'db', key: 'url' } }) },
    }))).toThrow(/registry\.storage\.endpoint: undefined is not set, so the NetworkPolicies would cut the mesh off from its postgres backend/);
    expect(() => synth((chart) => new McpMesh(chart, 'Mesh', {
      security: { networkPolicies: false },
      policyCheck: false,
      registry: { replicas: 2, storage: RegistryStorage.postgres({ urlSecret: { name: 'db', key: 'url' } }) },
    }))).not.toThrow();
  });

  test('fails on an exposed agent without an ingress controller, and on bad peers', () => {
    expect(() => synth((chart) => new McpMesh(chart, 'Mesh', { agents: [{ runtime: rt, name: 'web', exposed: true }] })))
      .toThrow(/agents\.web\.exposed: true admits an ingress controller, but none is configured/);
    expect(() => synth((chart) => new McpMesh(chart, 'Mesh', { security: { clusterCidrs: ['10.0.0.0/33'] } })))
      .toThrow(/security\.clusterCidrs\[0\]\.cidr: "10\.0\.0\.0\/33" is not a CIDR range/);
    expect(() => synth((chart) => new McpMesh(chart, 'Mesh', { security: { dns: NetworkPeer.pods({ podLabels: { 'bad key!': 'x' } }) } })))
      .toThrow(/security\.dns\.podLabels: \{"bad key!":"x"\} is not a valid label selector entry/);
  });
});

describe('mTLS through a service mesh follows the same graph', () => {
  const graph = (serviceMesh: ServiceMesh) => synth((chart) => new McpMesh(chart, 'Mesh', {
    serviceMesh,
    agents: [
      { runtime: rt, name: 'weather', capabilities: [{ name: 'weather_forecast' }] },
      { runtime: rt, name: 'planner', dependsOn: ['weather_forecast'] },
    ],
  }));

  test('Istio: sidecars injected, STRICT mTLS, ISTIO_MUTUAL, and each workload callable only by the service accounts of its callers', () => {
    const objects = graph(ServiceMesh.ISTIO);
    expect(find(objects, 'Deployment', 'weather').spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('true');
    expect(find(objects, 'StatefulSet', 'mcp-mesh-registry').spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('true');
    expect(find(objects, 'PeerAuthentication', 'mcp-mesh-mtls').spec.mtls).toEqual({ mode: 'STRICT' });
    expect(find(objects, 'DestinationRule', 'weather').spec.host).toBe('weather.mcp-mesh.svc.cluster.local');
    expect(find(objects, 'DestinationRule', 'weather').spec.trafficPolicy.tls).toEqual({ mode: 'ISTIO_MUTUAL' });
    expect(find(objects, 'DestinationRule', 'mcp-mesh-registry').spec.trafficPolicy).toEqual({ tls: { mode: 'ISTIO_MUTUAL' } });
    const weather = find(objects, 'AuthorizationPolicy', 'weather').spec;
    expect(weather.rules).toEqual([{ from: [{ source: { principals: ['cluster.local/ns/mcp-mesh/sa/planner'] } }], to: [{ operation: { ports: ['8080'] } }] }]);
    // Nobody calls the planner: an ALLOW policy without rules admits nobody.
    expect(find(objects, 'AuthorizationPolicy', 'planner').spec.rules).toEqual([]);
    expect(find(objects, 'AuthorizationPolicy', 'mcp-mesh-registry').spec.rules[0].from[0].source.principals)
      .toEqual(['cluster.local/ns/mcp-mesh/sa/weather', 'cluster.local/ns/mcp-mesh/sa/planner']);
    // Proxies reach istiod through the NetworkPolicies.
    expect(find(objects, 'NetworkPolicy', 'planner').spec.egress).toContainEqual({
      ports: [{ port: 15012, protocol: 'TCP' }],
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { app: 'istiod' } } }],
    });
  });

  test('Linkerd: proxies injected, a Server per workload, and authorization for the callers only', () => {
    const objects = graph(ServiceMesh.LINKERD);
    expect(find(objects, 'Deployment', 'planner').spec.template.metadata.annotations['linkerd.io/inject']).toBe('enabled');
    expect(find(objects, 'Server', 'weather-server').spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/component': 'agent', 'app.kubernetes.io/instance': 'mcp-mesh', 'app.kubernetes.io/name': 'weather' } },
      port: 'http', proxyProtocol: 'HTTP/1',
    });
    expect(find(objects, 'MeshTLSAuthentication', 'weather-callers').spec.identityRefs).toEqual([{ kind: 'ServiceAccount', name: 'planner', namespace: 'mcp-mesh' }]);
    expect(find(objects, 'AuthorizationPolicy', 'weather').spec.targetRef).toEqual({ group: 'policy.linkerd.io', kind: 'Server', name: 'weather-server' });
    // The planner has a Server but no authorization: Linkerd then admits nobody.
    expect(objects.some((o) => o.kind === 'MeshTLSAuthentication' && o.metadata.name === 'planner-callers')).toBe(false);
  });

  test('Linkerd authorization appears for a provider whose first caller is added later', () => {
    const objects = synth((chart) => {
      const mesh = new McpMesh(chart, 'Mesh', { serviceMesh: ServiceMesh.LINKERD });
      mesh.addAgent({ runtime: rt, name: 'weather', capabilities: [{ name: 'weather_forecast' }] });
      mesh.addAgent({ runtime: rt, name: 'tourist', capabilities: [{ name: 'tour' }] });
      mesh.addAgent({ runtime: rt, name: 'planner', dependsOn: ['weather_forecast', 'tour'] });
    });
    expect(find(objects, 'MeshTLSAuthentication', 'weather-callers').spec.identityRefs.map((r: any) => r.name)).toEqual(['planner']);
    expect(find(objects, 'MeshTLSAuthentication', 'tourist-callers').spec.identityRefs.map((r: any) => r.name)).toEqual(['planner']);
  });
});
