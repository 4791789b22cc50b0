import { Duration } from 'cdk8s';
import { AgentRuntime, McpMesh, McpMeshAgentProps, NetworkPeer, RegistryStorage, ServiceMesh } from '../src';
import { find, synth } from './util/synth';

const rt = AgentRuntime.python({ image: 'ghcr.io/example/agent:1.0.0', script: 'agent.py' });
const agents: McpMeshAgentProps[] = [
  { runtime: rt, name: 'weather', replicas: 2, capabilities: [{ name: 'weather_forecast', timeout: Duration.seconds(10) }] },
  { runtime: rt, name: 'hotels', capabilities: [{ name: 'hotel_search', timeout: Duration.seconds(20) }], traffic: { retries: 0, maxConnections: 10 } },
  { runtime: rt, name: 'planner', capabilities: [{ name: 'plan_trip', timeout: Duration.minutes(1) }], dependsOn: ['weather_forecast', 'hotel_search'] },
];
const kinds = ['VirtualService', 'DestinationRule', 'ServiceProfile'];

describe('traffic policy', () => {
  test('without a service mesh nothing is rendered: only the runtime timeout applies', () => {
    const objects = synth((chart) => new McpMesh(chart, 'Mesh', { agents }));
    expect(objects.filter((o) => kinds.includes(o.kind))).toEqual([]);
  });

  test('Istio: timeouts from the capabilities, only safe retries for POST, circuit breaking and mTLS in one DestinationRule', () => {
    const objects = synth((chart) => new McpMesh(chart, 'Mesh', { agents, serviceMesh: ServiceMesh.ISTIO, trafficDefaults: { consecutiveErrors: 3 } }));
    const vs = find(objects, 'VirtualService', 'weather').spec;
    expect(vs).toEqual({
      hosts: ['weather.mcp-mesh.svc.cluster.local'],
      http: [{
        retries: { attempts: 2, perTryTimeout: '10s', retryOn: 'connect-failure,refused-stream' },
        route: [{ destination: { host: 'weather.mcp-mesh.svc.cluster.local', port: { number: 8080 } } }],
        timeout: '10s',
      }],
    });
    expect(find(objects, 'VirtualService', 'hotels').spec.http[0].retries).toEqual({ attempts: 0 });
    const dr = find(objects, 'DestinationRule', 'hotels').spec.trafficPolicy;
    expect(dr).toEqual({
      connectionPool: { http: { http1MaxPendingRequests: 100 }, tcp: { maxConnections: 10 } },
      outlierDetection: { baseEjectionTime: '30s', consecutive5xxErrors: 3, interval: '10s', maxEjectionPercent: 50 },
      tls: { mode: 'ISTIO_MUTUAL' },
    });
    // Exactly one DestinationRule per host: Istio does not merge two.
    const hosts = objects.filter((o) => o.kind === 'DestinationRule').map((o) => o.spec.host);
    expect(new Set(hosts).size).toBe(hosts.length);
  });

  test('Istio capability routing: the x-mcp-capability header picks the provider', () => {
    const objects = synth((chart) => new McpMesh(chart, 'Mesh', { agents, serviceMesh: ServiceMesh.ISTIO }));
    expect(find(objects, 'Service', 'mcp-mesh-capabilities').spec.selector).toBeUndefined();
    const routes = find(objects, 'VirtualService', 'mcp-mesh-capabilities').spec.http;
    expect(routes.map((r: any) => [r.match[0].headers['x-mcp-capability'].exact, r.route[0].destination.host])).toEqual([
      ['hotel_search', 'hotels.mcp-mesh.svc.cluster.local'],
      ['plan_trip', 'planner.mcp-mesh.svc.cluster.local'],
      ['weather_forecast', 'weather.mcp-mesh.svc.cluster.local'],
    ]);
  });

  test('Linkerd: a ServiceProfile per agent named after its Service, POST /mcp not retried unless idempotent', () => {
    const objects = synth((chart) => new McpMesh(chart, 'Mesh', {
      serviceMesh: ServiceMesh.LINKERD,
      agents: [...agents, { runtime: rt, name: 'lookup', capabilities: [{ name: 'lookup' }], traffic: { idempotent: true } }],
    }));
    const weather = find(objects, 'ServiceProfile', 'weather.mcp-mesh.svc.cluster.local').spec;
    expect(weather.routes).toEqual([{ condition: { method: 'POST', pathRegex: '/mcp' }, isRetryable: false, name: 'POST /mcp', timeout: '10s' }]);
    expect(weather.retryBudget).toEqual({ minRetriesPerSecond: 10, retryRatio: 0.2, ttl: '10s' });
    expect(find(objects, 'ServiceProfile', 'lookup.mcp-mesh.svc.cluster.local').spec.routes[0].isRetryable).toBe(true);
  });

  test('fails when the mesh would cut calls the capability or the runtime allows', () => {
    expect(() => synth((chart) => new McpMesh(chart, 'Mesh', {
      serviceMesh: ServiceMesh.ISTIO, agents: [{ ...agents[0], traffic: { timeout: Duration.seconds(5) } }],
    }))).toThrow(/agents\.weather\.traffic\.timeout: "5s" is shorter than the agent's longest capability timeout 10s/);
    expect(() => synth((chart) => new McpMesh(chart, 'Mesh', {
      agents: [agents[0], agents[1], { ...agents[2], callTimeout: Duration.seconds(15) }],
    }))).toThrow(/agents\.planner\.callTimeout: "15s" is shorter than the 20s timeout of "hotel_search", which it calls/);
  });
});

test('objects whose lists grow with the mesh fail synth before they outgrow what the API server stores', () => {
  // 6000 capabilities: the capability router would be far over the limit.
  const many = Array.from({ length: 6000 }, (_, i) => ({ runtime: rt, name: `a${i}`, capabilities: [{ name: `capability_${i}` }] }));
  // A registry that carries 6000 agents: PostgreSQL, four replicas (see docs/sizing.md).
  const registry = {
    replicas: 4, expectedAgents: 6000,
    storage: RegistryStorage.postgres({ urlSecret: { name: 'db', key: 'url' }, endpoint: { peer: NetworkPeer.ipBlock('10.9.0.0/16'), port: 5432 } }),
  };
  expect(() => synth((chart) => new McpMesh(chart, 'Mesh', { serviceMesh: ServiceMesh.ISTIO, agents: many, registry, policyCheck: false })))
    .toThrow(/VirtualService\/mcp-mesh-capabilities: "\d+ KiB" is more than the 900 KiB an object may take.*Fix: capability routing lists every capability/);
  expect(() => synth((chart) => new McpMesh(chart, 'Mesh', { serviceMesh: ServiceMesh.ISTIO, capabilityRouting: false, agents: many.slice(0, 50), policyCheck: false })))
    .not.toThrow();
});

test('every problem of the traffic settings comes out together', () => {
  expect(() => synth((chart) => new McpMesh(chart, 'Mesh', {
    namespace: 'ns', serviceMesh: ServiceMesh.ISTIO,
    trafficDefaults: { retries: -1, maxEjectionPercent: 150, maxConnections: 0 },
    agents: [{ name: 'a', runtime: rt }],
  }))).toThrow(/^3 problems:\n.*trafficDefaults\.retries: -1.*\n.*trafficDefaults\.maxConnections: 0.*\n.*trafficDefaults\.maxEjectionPercent: 150/);
});

test("an agent's traffic problems come out with its other problems", () => {
  expect(() => synth((chart) => new McpMesh(chart, 'Mesh', {
    namespace: 'ns', serviceMesh: ServiceMesh.ISTIO,
    agents: [{ name: 'a', runtime: rt, replicas: -1, traffic: { retries: -1, maxEjectionPercent: 150 } }],
  }))).toThrow(/^3 problems:\n.*agents\.a\.replicas: -1.*\n.*agents\.a\.traffic\.retries: -1.*\n.*agents\.a\.traffic\.maxEjectionPercent: 150/);
});
