import { AgentRuntime, LogLevel, McpMesh, MeshEnvironment, NetworkPeer, RegistryStorage } from '../src';
import { container, envOf, find, synth } from './util/synth';

const rt = AgentRuntime.python({ image: 'ghcr.io/example/agent:1.0.0', script: 'agent.py' });
const postgres = RegistryStorage.postgres({ urlSecret: { name: 'db', key: 'url' }, endpoint: { peer: NetworkPeer.ipBlock('10.9.0.0/16'), port: 5432 } });

describe('environment presets', () => {
  test('dev: one replica of everything, debug logs, small requests; the mesh\'s own props still win', () => {
    const objects = synth((chart) => new McpMesh(chart, 'Mesh', {
      environment: MeshEnvironment.dev(),
      agents: [{ runtime: rt, name: 'a' }, { runtime: rt, name: 'b', replicas: 3, logLevel: LogLevel.WARNING }],
    }));
    expect(envOf(find(objects, 'StatefulSet', 'mcp-mesh-registry')).MCP_MESH_LOG_LEVEL).toBe('DEBUG');
    expect(find(objects, 'Deployment', 'a').spec.replicas).toBe(1);
    expect(container(find(objects, 'Deployment', 'a')).resources.requests).toEqual({ 'cpu': '50m', 'ephemeral-storage': '50Mi', 'memory': '128Mi' });
    expect(find(objects, 'Deployment', 'b').spec.replicas).toBe(3);
    expect(envOf(find(objects, 'Deployment', 'b')).MCP_MESH_LOG_LEVEL).toBe('WARNING');
  });

  test('prod: refuses a registry that is not highly available, and runs three registries and two of each agent', () => {
    expect(() => synth((chart) => new McpMesh(chart, 'Mesh', { environment: MeshEnvironment.prod() })))
      .toThrow(/registry\.storage: "sqlite" is not highly available, which the "prod" environment requires/);
    const objects = synth((chart) => new McpMesh(chart, 'Mesh', {
      environment: MeshEnvironment.prod(),
      registry: { storage: postgres },
      agents: [{ runtime: rt, name: 'a' }, { runtime: rt, name: 'scaled', autoscaling: { maxReplicas: 6 } }],
    }));
    expect(find(objects, 'StatefulSet', 'mcp-mesh-registry').spec.replicas).toBe(3);
    expect(find(objects, 'Deployment', 'a').spec.replicas).toBe(2);
    expect(find(objects, 'PodDisruptionBudget', 'a')).toBeDefined();
    // The environment's replica count gives way to an autoscaler.
    expect(find(objects, 'Deployment', 'scaled').spec.replicas).toBeUndefined();
  });

  test('a custom environment', () => {
    const env = MeshEnvironment.custom({ name: 'perf', agent: { replicas: 5 }, registry: { logLevel: LogLevel.ERROR } });
    const objects = synth((chart) => new McpMesh(chart, 'Mesh', { environment: env, agents: [{ runtime: rt, name: 'a' }] }));
    expect(find(objects, 'Deployment', 'a').spec.replicas).toBe(5);
    expect(envOf(find(objects, 'StatefulSet', 'mcp-mesh-registry')).MCP_MESH_LOG_LEVEL).toBe('ERROR');
    expect(() => MeshEnvironment.custom({ name: 'Perf Env' })).toThrow(/environment\.name: "Perf Env" is not a valid DNS-1123 label/);
  });
});
