import { AgentRuntime, McpMesh, NetworkPeer, PolicyRule, RegistryStorage, ServiceMesh } from '../src';
import { find, synth } from './util/synth';
import { isStrictSubset, parseCidr } from '../src/model/cidr';

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

  test('the registry admin API admits nobody by default, the peers admin.allowFrom names, and never a service mesh peer by network', () => {
    const agents = [{ runtime: rt, name: 'a' }];
    const closed = find(synth((chart) => new McpMesh(chart, 'Mesh', { agents })), 'NetworkPolicy', 'mcp-mesh-registry');
    expect(closed.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/component': 'agent', 'app.kubernetes.io/instance': 'mcp-mesh' } } }], ports: [{ port: 8000, protocol: 'TCP' }] }]);
    const ops = NetworkPeer.podsInNamespace('ops', { app: 'mesh-admin' });
    const open = find(synth((chart) => new McpMesh(chart, 'Mesh', { agents, registry: { admin: { port: 9001, allowFrom: [ops] } } })), 'NetworkPolicy', 'mcp-mesh-registry');
    expect(open.spec.ingress[1]).toEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } }, podSelector: { matchLabels: { app: 'mesh-admin' } } }],
      ports: [{ port: 9001, protocol: 'TCP' }],
    });
    expect(() => synth((chart) => new McpMesh(chart, 'Mesh', { serviceMesh: ServiceMesh.ISTIO, registry: { admin: { allowFrom: [ops] } } })))
      .toThrow(/^registry\.admin\.allowFrom: "1 peer\(s\)" admits network peers, which the istio authorization .* Fix: leave allowFrom empty and reach the admin API with kubectl port-forward/);
    expect(() => synth((chart) => new McpMesh(chart, 'Mesh', { registry: { admin: { port: 8000 } } })))
      .toThrow('registry.admin.port: 8000 is the port agents call, so every agent could drain the registry. Fix: use a port of its own, e.g. 8001');
    // Linkerd: a Server for the admin port with no authorization admits nobody; Istio's registry policy names the http port only.
    const linkerd = synth((chart) => new McpMesh(chart, 'Mesh', { serviceMesh: ServiceMesh.LINKERD, agents }));
    expect(find(linkerd, 'Server', 'mcp-mesh-registry-admin-server').spec).toMatchObject({ port: 'admin', proxyProtocol: 'HTTP/1' });
    expect(linkerd.filter((o) => o.kind === 'AuthorizationPolicy' && o.spec.targetRef?.name === 'mcp-mesh-registry-admin-server')).toEqual([]);
    const istio = synth((chart) => new McpMesh(chart, 'Mesh', { serviceMesh: ServiceMesh.ISTIO, agents }));
    expect(find(istio, 'AuthorizationPolicy', 'mcp-mesh-registry').spec.rules.map((r: any) => r.to)).toEqual([[{ operation: { ports: ['8000'] } }]]);
  });

  test('renders one policy per workload plus default-deny and DNS, and none when turned off', () => {
    const on = synth((chart) => new McpMesh(chart, 'Mesh', { agents: [{ runtime: rt, name: 'a' }, { runtime: rt, name: 'b' }] }));
    expect(on.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name))
      .toEqual(['mcp-mesh-default-deny', 'mcp-mesh-allow-dns', 'mcp-mesh-registry', 'a', 'b']);
    const deny = find(on, 'NetworkPolicy', 'mcp-mesh-default-deny');
    expect(deny.spec).toEqual({
      policyTypes: ['Ingress', 'Egress'], // no lists: both directions denied (empty lists would be dropped by the API server)
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
      .toThrow(/security\.clusterCidrs\[0\]: "10\.0\.0\.0\/33" has no prefix length from 0 to 32 after "\/"/);
    expect(() => synth((chart) => new McpMesh(chart, 'Mesh', { security: { dns: NetworkPeer.pods({ podLabels: { 'bad key!': 'x' } }) } })))
      .toThrow(/security\.dns\.podLabels: "bad key!" is not a valid label or annotation key/);
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

  describe('CIDR ranges: what kube-apiserver takes without a warning (the conformance suite asks it), in its canonical form', () => {
    const egress = (peer: NetworkPeer, clusterCidrs?: string[]) => {
      const objects = synth((chart) => new McpMesh(chart, 'Mesh', {
        security: { clusterCidrs },
        agents: [{ runtime: rt, name: 'a', internetEgress: true }],
        registry: { storage: RegistryStorage.postgres({ urlSecret: { name: 'db', key: 'url' }, endpoint: { peer, port: 5432 } }), replicas: 2 },
      }));
      return { registry: find(objects, 'NetworkPolicy', 'mcp-mesh-registry').spec.egress, agent: find(objects, 'NetworkPolicy', 'a').spec.egress };
    };

    test('upper case and uncompressed IPv6 are written as RFC 5952; clusterCidrs likewise', () => {
      const { registry, agent } = egress(NetworkPeer.ipBlock('FD00:0:0:0:0:0:0:0/8', ['fd00:0000:0:1::/64']), ['10.0.0.0/8', 'FD00:0::/8']);
      expect(registry).toContainEqual({ ports: [{ port: 5432, protocol: 'TCP' }], to: [{ ipBlock: { cidr: 'fd00::/8', except: ['fd00:0:0:1::/64'] } }] });
      expect(agent).toContainEqual({ ports: [{ port: 443, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }, { ipBlock: { cidr: '::/0', except: ['fd00::/8'] } }] });
    });

    test.each([
      ['2001:db8:0:0:1:0:0:1/128', '2001:db8::1:0:0:1/128'], ['2001:0:0:1:0:0:0:0/64', '2001:0:0:1::/64'], ['0:0:0:0:0:0:0:1/128', '::1/128'],
      ['1:0:2:0:3:0:4:0/128', '1:0:2:0:3:0:4:0/128'], ['::/0', '::/0'], ['0.0.0.0/0', '0.0.0.0/0'], ['192.168.0.0/16', '192.168.0.0/16'],
    ])('%s is written %s', (input, canonical) => {
      expect(parseCidr('f', input).text).toBe(canonical);
    });

    test.each([
      ['10.0.0.1/8', /has host bits set, so it is ambiguous\. Fix: write the network "10\.0\.0\.0\/8", or "10\.0\.0\.1\/32" for the one address/],
      ['010.0.0.0/8', /has a leading zero in an IPv4 address/], ['10.0.0.0', /has no prefix length/], ['10.0.0.0/08', /has no prefix length/],
      ['256.0.0.0/8', /is not a CIDR range/], ['fffff::/8', /is not a CIDR range/], [':::/8', /is not a CIDR range/], ['1::2::/8', /is not a CIDR range/],
      ['1:2:3:4:5:6:7:8:9/128', /is not a CIDR range/], ['1:2:3:4:5:6:7::8/128', /is not a CIDR range/],
      ['::ffff:10.0.0.0/104', /IPv4-mapped or -embedded IPv6 range: write the IPv4 range instead/], ['fd00::/129', /has no prefix length from 0 to 128/],
    ])('%s is refused at synth', (cidr, message) => {
      expect(() => NetworkPeer.ipBlock(cidr)._validate('peer')).toThrow(message);
    });

    test('except entries must lie strictly inside the range, and clusterCidrs cannot be everything', () => {
      expect(() => NetworkPeer.ipBlock('10.0.0.0/8', ['192.168.0.0/24'])._validate('peer')).toThrow('peer.except[0]: "192.168.0.0/24" is not strictly inside 10.0.0.0/8');
      expect(() => NetworkPeer.ipBlock('10.0.0.0/8', ['10.0.0.0/8'])._validate('peer')).toThrow(/peer\.except\[0\]: "10\.0\.0\.0\/8" is not strictly inside/);
      expect(() => NetworkPeer.ipBlock('10.0.0.0/8', ['fd00::/16'])._validate('peer')).toThrow(/is not strictly inside 10\.0\.0\.0\/8/);
      expect(() => NetworkPeer.ipBlock('10.0.0.0/8', ['10.1.0.0/16', '10.255.255.255/32'])._validate('peer')).not.toThrow();
      expect(() => egress(NetworkPeer.ipBlock('10.0.0.0/8'), ['0.0.0.0/0'])).toThrow('security.clusterCidrs[0]: "0.0.0.0/0" is every address');
      expect(isStrictSubset(parseCidr('a', '10.128.0.0/9'), parseCidr('b', '10.0.0.0/8'))).toBe(true);
      expect(isStrictSubset(parseCidr('a', '11.0.0.0/9'), parseCidr('b', '10.0.0.0/8'))).toBe(false);
    });
  });
});
