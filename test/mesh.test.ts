import { App, Chart, Duration, Testing } from 'cdk8s';
import { AgentRuntime, McpMesh, MeshEnvironment, MeshValidationError, NetworkPeer, RegistryStorage, SecretValue, ServiceMesh } from '../src';
import { routeNames } from '../src/traffic/mcp-traffic-policy';
import { envOf, find, synth, synthApp } from './util/synth';

const rt = AgentRuntime.python({ image: 'ghcr.io/example/agent:1.0.0', script: 'agent.py' });

function mesh(build: (m: McpMesh) => void = () => undefined, props: ConstructorParameters<typeof McpMesh>[2] = {}) {
  return synth((chart) => build(new McpMesh(chart, 'Mesh', props)));
}

describe('McpMesh', () => {
  test('wires every agent to the registry and puts everything in the mesh namespace with common labels', () => {
    const objects = mesh((m) => {
      m.addAgent({ runtime: rt, name: 'weather', capabilities: [{ name: 'weather_forecast' }] });
      m.addAgent({ runtime: rt, name: 'planner', dependsOn: ['weather_forecast'] });
    }, { namespace: 'travel', name: 'prod' });
    for (const name of ['weather', 'planner']) {
      expect(envOf(find(objects, 'Deployment', name)).MCP_MESH_REGISTRY_URL).toBe('http://mcp-mesh-registry.travel.svc.cluster.local:8000');
    }
    for (const o of objects) {
      expect(o.metadata.namespace).toBe('travel');
      expect(o.metadata.labels).toMatchObject({ 'app.kubernetes.io/instance': 'prod', 'app.kubernetes.io/part-of': 'mcp-mesh' });
    }
  });

  test('two meshes of one app collide when they make the same objects in one namespace, and not otherwise', () => {
    const twoMeshes = (second: ConstructorParameters<typeof McpMesh>[2]) => {
      const app = new App({ outdir: '/nonexistent' });
      const chart = new Chart(app, 'c', { disableResourceNameHashes: true });
      new McpMesh(chart, 'A', { agents: [{ name: 'a', runtime: rt }] });
      new McpMesh(chart, 'B', second);
      return () => app.synthYaml();
    };
    expect(twoMeshes({ name: 'other', agents: [{ name: 'a', runtime: rt }] }))
      .toThrow(/\[c\/B\] name: "other" makes 10 object\(s\) that another construct of the app makes too, .*ServiceAccount "mcp-mesh-registry" \(also c\/A\/Registry\/ServiceAccount\).*Fix: give each mesh in one namespace its own name and registry\.name/);
    // Reported once, by the mesh that holds the later object.
    expect(twoMeshes({ name: 'other', agents: [{ name: 'a', runtime: rt }] })).not.toThrow(/\[c\/A\]/);
    expect(twoMeshes({ name: 'other', namespace: 'elsewhere', agents: [{ name: 'a', runtime: rt }] })).not.toThrow();
    expect(twoMeshes({ name: 'other', registry: { name: 'other-registry' }, agents: [{ name: 'b', runtime: rt }] })).not.toThrow();
  });

  test('reports every problem of one input together: every agent, the observability props and the graph', () => {
    let error: MeshValidationError | undefined;
    try {
      mesh(() => undefined, {
        agents: [
          { runtime: rt, name: 'a', port: 80, capabilities: [{ name: 'x' }] },
          { runtime: rt, name: 'b', replicas: -1 },
          { runtime: rt, name: 'c', dependsOn: ['nowhere'] },
        ],
        observability: { scrapeTimeout: Duration.seconds(60) },
      });
    } catch (e) {
      error = e as MeshValidationError;
    }
    expect(error).toBeInstanceOf(MeshValidationError);
    expect(error!.problems.map((p) => p.field)).toEqual(['agents.a.port', 'agents.b.replicas', 'agents.c.dependsOn[0]', 'observability.scrapeTimeout']);
    expect(error!.message).toMatch(/^4 problems:\n {2}- agents\.a\.port: 80 .*Fix: /);
  });

  test('renders no Namespace unless asked, since deleting an owned Namespace deletes everything in it', () => {
    expect(mesh().some((o) => o.kind === 'Namespace')).toBe(false);
    const owned = mesh(undefined, { createNamespace: true, namespace: 'mine' });
    expect(find(owned, 'Namespace', 'mine')).toBeDefined();
  });

  test('models agents, capabilities and dependency edges for the constructs that read the mesh', () => {
    const app = Testing.app();
    const m = new McpMesh(new Chart(app, 'c'), 'Mesh');
    m.addAgent({ runtime: rt, name: 'a', capabilities: [{ name: 'x' }] });
    m.addAgent({ runtime: rt, name: 'b', capabilities: [{ name: 'x' }, { name: 'y' }] });
    m.addAgent({ runtime: rt, name: 'c', dependsOn: ['x', 'y'] });
    expect(m.model.capabilities).toEqual(['x', 'y']);
    expect(m.model.providersOf('x').map((a) => a.name)).toEqual(['a', 'b']);
    expect(m.model.edges).toEqual([
      { from: 'c', to: 'a', capability: 'x' }, { from: 'c', to: 'b', capability: 'x' }, { from: 'c', to: 'b', capability: 'y' },
    ]);
    expect(m.agents.map((a) => a.name)).toEqual(['a', 'b', 'c']);
  });

  test('fails at synth on a dependency nobody provides, listing the capabilities that exist', () => {
    expect(() => mesh((m) => {
      m.addAgent({ runtime: rt, name: 'weather', capabilities: [{ name: 'weather_forecast' }] });
      m.addAgent({ runtime: rt, name: 'planner', dependsOn: ['hotel_search'] });
    })).toThrow(/agents\.planner\.dependsOn\[0\]: "hotel_search" is a capability that no agent in this mesh provides\. Fix: depend on one of the capabilities that exist \(weather_forecast\)/);
  });

  test('fails when an agent heartbeats too rarely for the registry\'s timeout threshold', () => {
    expect(() => mesh(undefined, { agents: [{ runtime: rt, name: 'slow', heartbeatInterval: Duration.seconds(8) }] }))
      .toThrow(/agents\.slow\.heartbeatInterval: "8s" leaves room for fewer than 3 heartbeats within the registry's timeout threshold of 20s.*Fix: set heartbeatInterval to at most 6s, or raise registry\.timeoutThreshold to at least 24s/);
    expect(() => mesh(undefined, { registry: { timeoutThreshold: Duration.seconds(24) }, agents: [{ runtime: rt, name: 'slow', heartbeatInterval: Duration.seconds(8) }] })).not.toThrow();
  });

  test('fails on duplicate agents and on an agent named like the registry', () => {
    expect(() => mesh(undefined, { agents: [{ runtime: rt, name: 'a' }, { runtime: rt, name: 'a' }] })).toThrow(/agents\[1\]\.name: "a" is already the name of another agent/);
    expect(() => mesh(undefined, { agents: [{ runtime: rt, name: 'mcp-mesh-registry' }] })).toThrow(/agents\[0\]\.name: "mcp-mesh-registry" is the name of the registry/);
  });

  test('fails when generated object names collide across agents', () => {
    expect(() => mesh(undefined, { agents: [{ runtime: rt, name: 'a', headlessService: true }, { runtime: rt, name: 'a-pods' }] }))
      .toThrow(/agents\[\]\.name: "a-pods" makes two Service objects with the same name/);
  });

  test('synthesizes byte-identical output on every run', () => {
    const build = () => {
      const app = new App({ outdir: '/nonexistent' });
      const chart = new Chart(app, 'c');
      new McpMesh(chart, 'Mesh', { agents: [{ runtime: rt, name: 'a', capabilities: [{ name: 'x' }] }, { runtime: rt, name: 'b', dependsOn: ['x'] }] });
      return JSON.stringify(synthApp(app));
    };
    expect(build()).toBe(build());
  });
});

describe('what cannot work is refused at synth, with the fix', () => {
  const cap = (name: string) => ({ name });

  test('agents that call each other in a cycle, or an agent calling its own capability, with the path', () => {
    const cyclic = [
      { runtime: rt, name: 'a', capabilities: [cap('x')], dependsOn: ['y'] },
      { runtime: rt, name: 'b', capabilities: [cap('y')], dependsOn: ['z'] },
      { runtime: rt, name: 'c', capabilities: [cap('z')], dependsOn: ['x'] },
      { runtime: rt, name: 'self', capabilities: [cap('s')], dependsOn: ['s'] },
      { runtime: rt, name: 'caller', dependsOn: ['x'] },
    ];
    expect(() => mesh(() => undefined, { agents: cyclic }))
      .toThrow(/agents\.a\.dependsOn: "a -\(y\)-> b -\(z\)-> c -\(x\)-> a" is a cycle of calls: .* Fix: break the cycle .*allowDependencyCycles: true/);
    expect(() => mesh(() => undefined, { agents: cyclic }))
      .toThrow(/agents\.self\.dependsOn: "self -\(s\)-> self" is an agent calling a capability it provides itself/);
    // Reported once per cycle, not once per member; a caller outside the cycle is no cycle.
    let message = '';
    try {
      mesh(() => undefined, { agents: cyclic });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.match(/is a cycle of calls/g)).toHaveLength(1);
    expect(message).not.toMatch(/agents\.caller/);
    expect(() => mesh(() => undefined, { agents: cyclic, allowDependencyCycles: true })).not.toThrow();
  });

  test('a container port the service mesh proxy takes', () => {
    expect(() => mesh(() => undefined, { serviceMesh: ServiceMesh.ISTIO, agents: [{ runtime: rt, name: 'a', port: 15006 }] }))
      .toThrow('agents.a.port: 15006 is in the ports 15000-15090 the istio proxy takes in every pod it joins, so the app and the proxy would fight over it. Fix: use a port outside 15000-15090, e.g. 8080');
    expect(() => mesh(() => undefined, { serviceMesh: ServiceMesh.LINKERD, registry: { port: 4143 } })).toThrow(/^registry\.port: 4143 is in the ports 4140-4191 the linkerd proxy takes/);
    expect(() => mesh(() => undefined, { serviceMesh: ServiceMesh.ISTIO, registry: { admin: { port: 15020 } } })).toThrow(/^registry\.admin\.port: 15020/);
    // Without that proxy the port is free.
    expect(() => mesh(() => undefined, { agents: [{ runtime: rt, name: 'a', port: 15006 }] })).not.toThrow();
  });

  test('plain-text secrets under the prod preset', () => {
    expect(() => mesh(() => undefined, {
      environment: MeshEnvironment.prod(),
      registry: { storage: RegistryStorage.postgres({ urlSecret: { name: 'db', key: 'url' }, endpoint: { peer: NetworkPeer.ipBlock('10.1.0.0/16'), port: 5432 } }) },
      agents: [{ runtime: rt, name: 'a', allowPlainTextSecrets: true, secretEnv: [{ name: 'K', value: SecretValue.unsafePlainText('v') }] }],
    })).toThrow(/agents\.a\.allowPlainTextSecrets: true is refused by the "prod" environment.*Fix: reference existing Secrets with SecretValue\.fromSecretKey/);
  });

  test('capabilities whose route names would collide get distinct names, deterministically', () => {
    expect(routeNames(['Send_Mail', 'send-mail', 'send-mail-2', 'send_mail', 'weather'])).toEqual(['send-mail', 'send-mail-2', 'send-mail-2-2', 'send-mail-3', 'weather']);
    const objects = mesh(() => undefined, {
      serviceMesh: ServiceMesh.ISTIO,
      agents: [{ runtime: rt, name: 'a', capabilities: [cap('send_mail')] }, { runtime: rt, name: 'b', capabilities: [cap('send-mail')] }],
    });
    const router = objects.find((o) => o.kind === 'VirtualService' && o.metadata.name === 'mcp-mesh-capabilities')!;
    expect(router.spec.http.map((r: any) => [r.name, r.match[0].headers['x-mcp-capability'].exact])).toEqual([['send-mail', 'send-mail'], ['send-mail-2', 'send_mail']]);
  });
});
