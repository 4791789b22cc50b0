import { AgentModel } from '../model/mesh-model';
import { toYamlDocument } from '../synth/yaml';

/**
 * The `agent-config.yaml` an agent's ConfigMap carries: what the agent provides and needs, as data its code
 * (and operators) can read at `/etc/mcp-mesh/agent-config.yaml`. Field names follow the runtime's decorator
 * arguments (capability, version, timeout, tags, dependencies, health_interval).
 */
export function renderAgentConfig(agent: AgentModel, registryUrl: string, retryAttempts: number): string {
  return toYamlDocument({
    agent: {
      name: agent.name,
      http_port: agent.port,
      health_interval: agent.heartbeatIntervalSeconds,
      retry_attempts: retryAttempts,
    },
    registry: { url: registryUrl },
    capabilities: agent.capabilities.map((c) => ({
      capability: c.name,
      version: c.version,
      timeout: c.timeoutSeconds,
      tags: [...c.tags],
      ...(c.description !== undefined ? { description: c.description } : {}),
    })),
    dependencies: agent.dependsOn.map((capability) => ({ capability })),
  });
}
