import { Duration, Testing } from 'cdk8s';
import { AgentRuntime, McpMesh, McpMeshProps, MeshEnvironment, MeshValidationError, NetworkPeer, RegistryStorage, SecretValue, ServiceMesh } from '../src';
import { resolveMesh } from '../src/resolve/resolve-mesh';
import { envOf, find, synth } from './util/synth';

const rt = AgentRuntime.python({ image: 'ghcr.io/example/agent:1.0.0', script: 'agent.py' });

/** A mesh that uses every part the resolve step checks. */
function fullProps(): McpMeshProps {
  return {
    name: 'travel',
    namespace: 'travel',
    serviceMesh: ServiceMesh.ISTIO,
    registry: { storage: RegistryStorage.postgresInCluster({ credentials: { secretName: 'pg' } }), replicas: 2 },
    security: { prometheus: NetworkPeer.podsInNamespace('monitoring', { app: 'prometheus' }), ingressController: NetworkPeer.podsInNamespace('ingress', { app: 'nginx' }) },
    trafficDefaults: { retries: 1 },
    observability: { scrapeAgents: true },
    externalSecrets: { storeName: 'vault', secrets: [{ secretName: 'llm', data: [{ key: 'anthropic', remoteKey: 'prod/llm' }] }] },
    agents: [
      { name: 'weather', runtime: rt, capabilities: [{ name: 'weather_forecast', timeout: Duration.seconds(20) }], exposed: true },
      { name: 'planner', runtime: rt, dependsOn: ['weather_forecast'], secretEnv: [{ name: 'ANTHROPIC_API_KEY', value: SecretValue.fromSecretKey('llm', 'anthropic') }] },
    ],
  };
}

function problemsOf(run: () => unknown): MeshValidationError {
  try {
    run();
  } catch (e) {
    if (e instanceof MeshValidationError) return e;
    throw e;
  }
  throw new Error('no problem reported');
}

describe('resolveMesh (the resolve step, without rendering)', () => {
  test('resolves a whole mesh without a construct tree, and the constructs render exactly what it resolved', () => {
    const resolved = resolveMesh(fullProps());
    expect(resolved.agents.map((a) => a.agent.model.name)).toEqual(['weather', 'planner']);
    expect(resolved.registry.model.url).toBe('http://mcp-mesh-registry.travel.svc.cluster.local:8000');
    expect(resolved.registry.storage.database?.name).toBe('mcp-mesh-registry-postgres');
    expect(resolved.model.edges).toEqual([{ from: 'planner', to: 'weather', capability: 'weather_forecast' }]);
    expect(resolved.observability?.agentScrapeJob).toBe('travel/travel-agents');
    expect(resolved.externalSecrets?.secrets.map((s) => s.secretName)).toEqual(['llm']);

    const objects = synth((chart) => new McpMesh(chart, 'Mesh', fullProps()));
    for (const { agent } of resolved.agents) {
      const container = find(objects, 'Deployment', agent.model.name).spec.template.spec.containers[0];
      expect(container.env).toEqual(agent.env);
      expect(container.resources).toEqual(agent.resources);
    }
    expect(find(objects, 'StatefulSet', 'mcp-mesh-registry').spec.template.spec.containers[0].env).toEqual(resolved.registry.env);
  });

  test('what it returns is frozen but the models users read (jsii must tag what it hands to Python); the user\'s props are not', () => {
    const props = fullProps();
    const resolved = resolveMesh(props);
    const agent = resolved.agents[1].agent;
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(Object.isFrozen(resolved.agents)).toBe(true);
    expect(Object.isFrozen(agent)).toBe(true);
    expect(Object.isFrozen(agent.env)).toBe(true);
    expect(Object.isFrozen(agent.model)).toBe(false);
    expect(Object.isFrozen(agent.model.capabilities)).toBe(false);
    expect(Object.isFrozen(resolved.registry.model)).toBe(false);
    expect(Object.isFrozen(resolved.registry.storage.env)).toBe(true);
    expect(() => (agent.env as unknown[]).push({})).toThrow(TypeError);
    expect(Object.isFrozen(props)).toBe(false);
    expect(Object.isFrozen(props.agents)).toBe(false);
    expect(Object.isFrozen(props.agents![0].capabilities)).toBe(false);
  });

  test('reports every problem of one agent, not only the first', () => {
    const e = problemsOf(() => resolveMesh({
      agents: [{
        name: 'a', runtime: rt, port: 80, replicas: 5000, heartbeatInterval: Duration.seconds(0),
        env: [{ name: 'HOST', value: 'x' }, { name: 'OPENAI_API_KEY', value: 'sk-abcdefghijklmnopqrstuvwxyz0123456789' }],
        capabilities: [{ name: 'bad name' }, { name: 'ok', version: 'one' }],
      }],
    }));
    expect(e.problems.map((p) => p.field)).toEqual([
      'agents.a.port', 'agents.a.replicas', 'agents.a.heartbeatInterval', 'agents.a.capabilities[0].name', 'agents.a.capabilities[1].version',
      'agents.a.env[0].name', 'agents.a.env[1].name',
    ]);
  });

  test('reports the problems of every part together: registry, security, traffic, agents, graph, observability, secrets', () => {
    const e = problemsOf(() => resolveMesh({
      serviceMesh: ServiceMesh.ISTIO,
      registry: { replicas: 3 },
      security: { clusterCidrs: ['0.0.0.0/0'] },
      trafficDefaults: { retries: 50 },
      agents: [
        { name: 'a', runtime: rt, exposed: true },
        { name: 'b', runtime: rt, dependsOn: ['nowhere'] },
      ],
      observability: { scrapeInterval: Duration.seconds(1) },
      externalSecrets: { storeName: 'Not A Name', secrets: [{ secretName: 's', data: [{ key: 'k', remoteKey: '' }] }] },
    }));
    expect(e.problems.map((p) => p.field)).toEqual([
      'registry.replicas', 'security.clusterCidrs[0]', 'trafficDefaults.retries', 'agents.a.exposed', 'agents.b.dependsOn[0]',
      'observability.scrapeInterval', 'externalSecrets.storeName', 'externalSecrets.secrets[0].data[0].remoteKey',
    ]);
    // The construct reports the same list: it resolves first and renders nothing of a mesh with problems.
    expect(problemsOf(() => synth((chart) => new McpMesh(chart, 'Mesh', {
      serviceMesh: ServiceMesh.ISTIO, registry: { replicas: 3 }, security: { clusterCidrs: ['0.0.0.0/0'] },
    }))).problems.map((p) => p.field)).toEqual(['registry.replicas', 'security.clusterCidrs[0]']);
  });

  test('a key an agent reads but the external secrets do not deliver comes in the same error as the other problems', () => {
    const e = problemsOf(() => new McpMesh(Testing.chart(), 'Mesh', {
      agents: [
        { name: 'a', runtime: rt, replicas: -1 },
        { name: 'b', runtime: rt, secretEnv: [{ name: 'ANTHROPIC_API_KEY', value: SecretValue.fromSecretKey('llm', 'anthropic') }] },
      ],
      externalSecrets: { storeName: 'vault', secrets: [{ secretName: 'llm', data: [{ key: 'openai', remoteKey: 'prod/openai' }] }] },
    }));
    expect(e.problems.map((p) => p.field)).toEqual(['agents.a.replicas', 'externalSecrets.secrets[0].data']);
    expect(e.problems[1].problem).toMatch(/does not deliver key "anthropic" of Secret "llm", which Deployment\/b \(env ANTHROPIC_API_KEY\) reads/);
  });

  test('an agent that fails what the mesh\'s policies ask (traffic, exposure) is reported once and not rendered', () => {
    const e = problemsOf(() => resolveMesh({
      serviceMesh: ServiceMesh.ISTIO,
      trafficDefaults: { timeout: Duration.seconds(5) },
      agents: [{ name: 'slow', runtime: rt, capabilities: [{ name: 'x', timeout: Duration.seconds(60) }] }],
    }));
    expect(e.problems.map((p) => p.field)).toEqual(['agents.slow.traffic.timeout']);
  });

  test('tracing is checked once for the registry and all its agents', () => {
    const e = problemsOf(() => resolveMesh({
      tracing: { redisUrl: 'redis://user:secret@redis:6379', otlpEndpoint: 'tempo:4317' },
      agents: [{ name: 'a', runtime: rt }, { name: 'b', runtime: rt }],
    }));
    expect(e.problems.map((p) => p.field)).toEqual(['tracing.redisUrl']);
  });

  test('a problem with a value the environment set says so, and names the environment\'s field', () => {
    const env = MeshEnvironment.custom({ name: 'tight', agent: { replicas: 5000 }, registry: { timeoutThreshold: Duration.seconds(5) } });
    const e = problemsOf(() => resolveMesh({ environment: env, agents: [{ name: 'a', runtime: rt }, { name: 'b', runtime: rt, replicas: 2 }] }));
    expect(e.problems.map((p) => p.field)).toEqual(['registry.timeoutThreshold', 'agents.a.replicas']);
    expect(e.problems[1].problem).toMatch(/the value comes from the "tight" environment's agent defaults/);
    const threshold = e.problems.find((p) => p.field === 'registry.timeoutThreshold');
    expect(threshold?.problem).toMatch(/the value comes from the "tight" environment's registry defaults/);
    expect(threshold?.fix).toMatch(/or change registry\.timeoutThreshold of the environment/);
  });

  test('addAgent() goes through the same step and reports every problem of the agent at once', () => {
    const chart = Testing.chart();
    const m = new McpMesh(chart, 'Mesh', { serviceMesh: ServiceMesh.ISTIO });
    const e = problemsOf(() => m.addAgent({ name: 'x', runtime: rt, port: 15001, replicas: -1, exposed: true }));
    expect(e.problems.map((p) => p.field)).toEqual(['agents.x.port', 'agents.x.replicas']);
    expect(m.agents).toEqual([]);
    m.addAgent({ name: 'y', runtime: rt });
    expect(m.model.agents.map((a) => a.name)).toEqual(['y']);
    expect(envOf(find(Testing.synth(chart), 'Deployment', 'y')).MCP_MESH_AGENT_NAME).toBe('y');
  });
});
