import { Duration } from 'cdk8s';
import { ResourceProps } from '../k8s/resources';
import { AdvertiseMode, GatewayReference } from '../model/mesh-model';
import { LogLevel } from '../model/runtime';
import { ServiceMesh } from '../model/service-mesh';
import { TrafficPolicyOptions } from '../model/traffic';
import { MeshTracingOptions } from '../observability/tracing';
import { IMcpRegistry } from '../registry/registry-props';
import { AgentRuntime } from './agent-runtime';
import { MeshTlsOptions } from '../security/tls-props';
import { EnvVar, SecretEnvVar } from './secret-value';
import { PodPlacementProps } from '../k8s/pod-placement';

/*
 * The props of an agent: what a user writes. The resolve step (../resolve/resolve-agent.ts) turns them into a
 * validated agent that McpAgent renders.
 */

/** How clients outside the cluster reach an agent: an Ingress or an HTTPRoute (exactly one). */
export interface AgentExposure {
  /** The host name clients use, e.g. "weather.example.com" (a wildcard "*.example.com" too). */
  readonly host: string;
  /** The URL path prefix routed to the agent. @default "/" */
  readonly path?: string;
  /**
   * Render an Ingress of this class (e.g. "nginx"). It carries ingress-nginx's timeout and streaming
   * annotations, which other controllers ignore.
   * @default - no Ingress
   */
  readonly ingressClassName?: string;
  /** The Secret with the TLS certificate for `host` (Ingress only; a Gateway terminates TLS on its listener). @default - plain HTTP */
  readonly tlsSecretName?: string;
  /** Render an HTTPRoute attached to this Gateway. @default - no HTTPRoute */
  readonly gateway?: GatewayReference;
}

/** A capability the agent provides. */
export interface CapabilityProps {
  /** Capability name other agents depend on, e.g. "weather_forecast". */
  readonly name: string;
  /** @default "1.0.0" */
  readonly version?: string;
  /**
   * The longest one call may take. Also sets how long a stopping pod waits for calls in flight.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /** @default - no tags */
  readonly tags?: string[];
  /** @default - none */
  readonly description?: string;
}

export interface AgentAutoscaling {
  /** @default 2 */
  readonly minReplicas?: number;
  readonly maxReplicas: number;
  /**
   * Average CPU utilization to keep, in percent of the CPU request.
   * @default 70
   */
  readonly targetCpuUtilization?: number;
}

/**
 * Every agent setting but the agent's name and code: what `McpAgentOptions` and `McpMeshAgentProps` add those
 * to, and what an environment sets for all agents (`MeshEnvironmentProps.agent`).
 */
export interface McpAgentCommonOptions extends PodPlacementProps {
  /** @default - provides nothing (a pure consumer) */
  readonly capabilities?: CapabilityProps[];
  /**
   * Capability names this agent calls. In a McpMesh each must be provided by some agent.
   * @default - none
   */
  readonly dependsOn?: string[];
  /**
   * Fixed replica count. Excludes `autoscaling`, which then owns the count.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * A HorizontalPodAutoscaler (autoscaling/v2) on CPU: the Deployment then renders no replica count.
   * @default - fixed replicas
   */
  readonly autoscaling?: AgentAutoscaling;
  /**
   * HTTP port of the agent (containerPort, Service port and `MCP_MESH_HTTP_PORT`).
   * @default 8080
   */
  readonly port?: number;
  /**
   * The address the agent advertises to the registry.
   * @default AdvertiseMode.SERVICE
   */
  readonly advertise?: AdvertiseMode;
  /**
   * Also render a headless Service for direct pod-to-pod addressing. Always on in POD_IP mode.
   * @default false
   */
  readonly headlessService?: boolean;
  /**
   * Heartbeat interval (`MCP_MESH_HEALTH_INTERVAL`).
   * @default Duration.seconds(5)
   */
  readonly heartbeatInterval?: Duration;
  /** @default LogLevel.INFO */
  readonly logLevel?: LogLevel;
  /**
   * Retry attempts for calls to dependencies, written to agent-config.yaml.
   * @default 3
   */
  readonly retryAttempts?: number;
  /**
   * The runtime's own timeout for calls this agent makes (`MCP_MESH_CALL_TIMEOUT`).
   * @default - the runtime's default (300 s)
   */
  readonly callTimeout?: Duration;
  /**
   * Timeouts, retries and circuit breaking for calls to this agent, over the mesh's defaults (service mesh only).
   * @default - the mesh's traffic defaults
   */
  readonly traffic?: TrafficPolicyOptions;
  /**
   * The logical mesh namespace the agent registers in (`MCP_MESH_NAMESPACE`).
   * @default - the runtime's default ("default")
   */
  readonly meshNamespace?: string;
  /**
   * The agent calls the internet (LLM vendor APIs): McpSecurity then allows it, and only it, egress to
   * addresses outside the cluster ranges.
   * @default false
   */
  readonly internetEgress?: boolean;
  /**
   * The agent is exposed through an ingress controller or gateway (which you configure): McpSecurity admits
   * the ingress controller's pods to its port. Set by `expose` too.
   * @default false
   */
  readonly exposed?: boolean;
  /**
   * Expose the agent outside the cluster: an Ingress (`ingressClassName`) or a Gateway API HTTPRoute
   * (`gateway`) for `host` and `path`, with the controller's timeouts at least the agent's longest capability
   * timeout, and the ingress controller admitted by the NetworkPolicies and the service mesh's authorization.
   * @default - not exposed
   */
  readonly expose?: AgentExposure;
  /** Plain environment variables. @default - none */
  readonly env?: EnvVar[];
  /** Secret environment variables (API keys), from Secrets. @default - none */
  readonly secretEnv?: SecretEnvVar[];
  /**
   * Allow `SecretValue.unsafePlainText`, which writes the value into the synthesized YAML.
   * @default false
   */
  readonly allowPlainTextSecrets?: boolean;
  /** @default - requests 100m CPU and 256Mi memory, memory limit 512Mi */
  readonly resources?: ResourceProps;
  /**
   * Pause before SIGTERM, longer than endpoint propagation, so no new call reaches a stopping pod.
   * @default Duration.seconds(10)
   */
  readonly preStopDelay?: Duration;
  /**
   * Time a stopping pod has for calls in flight after the pause.
   * @default - the longest capability timeout (30 s when none is set)
   */
  readonly drainTimeout?: Duration;
}

/** Agent settings a mesh passes through. */
export interface McpAgentOptions extends McpAgentCommonOptions {
  /**
   * The agent's name: names its Deployment, Service, ConfigMap and ServiceAccount, and is the name it
   * registers under.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The code the agent runs: `AgentRuntime.python({ image, script })` for an image built FROM the MCP Mesh
   * Python runtime, `AgentRuntime.python({ source })` for a small agent shipped in a ConfigMap, or
   * `AgentRuntime.custom(...)`.
   */
  readonly runtime: AgentRuntime;
}

export interface McpAgentProps extends McpAgentOptions {
  /** The registry the agent registers with. */
  readonly registry: IMcpRegistry;
  /** @default - the chart's namespace */
  readonly namespace?: string;
  /**
   * The `app.kubernetes.io/instance` label shared by a mesh's objects.
   * @default - the agent name
   */
  readonly instance?: string;
  /** @default "cluster.local" */
  readonly clusterDomain?: string;
  /**
   * The service mesh whose proxy the pods get.
   * @default ServiceMesh.NONE
   */
  readonly serviceMesh?: ServiceMesh;
  /**
   * Distributed tracing: the agent publishes span events to Redis.
   * @default - off
   */
  readonly tracing?: MeshTracingOptions;
  /**
   * The runtime's own mutual TLS: a certificate from cert-manager, TLS on the agent's port, its certificate
   * presented to the registry and to the agents it calls.
   * @default - plain HTTP
   */
  readonly tls?: MeshTlsOptions;
}
