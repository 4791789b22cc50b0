import { AgentRuntime } from '../agent/agent-runtime';
import { McpAgentCommonOptions } from '../agent/agent-props';
import { ServiceMesh } from '../model/service-mesh';
import { TrafficPolicyOptions } from '../model/traffic';
import { McpObservabilityOptions } from '../observability/observability-props';
import { MeshTracingOptions } from '../observability/tracing';
import { PolicySuppression } from '../policy/policy-props';
import { McpRegistryOptions } from '../registry/registry-props';
import { McpSecurityOptions } from '../security/security-props';
import { ExternalSecretsOptions } from '../security/external-secrets-props';
import { MeshTlsOptions } from '../security/tls-props';
import { MeshEnvironment } from './mesh-environment';

/*
 * The props of a mesh: what a user writes (in TypeScript, JavaScript, or as MCPMesh YAML through the CLI).
 * The resolve step (../resolve/resolve-mesh.ts) turns them into one validated mesh that McpMesh renders.
 */

/** An agent of a mesh: its name is required, since it names the agent's objects. */
export interface McpMeshAgentProps extends McpAgentCommonOptions {
  /**
   * The agent's name, unique within the mesh; a DNS-1123 label of at most 50 characters. It names the agent's
   * Deployment, Service, ConfigMap and ServiceAccount, and is the name it registers under.
   */
  readonly name: string;
  /**
   * The code the agent runs: `AgentRuntime.python({ image, script })` for an image built FROM the MCP Mesh
   * Python runtime, `AgentRuntime.python({ source })` for a small agent shipped in a ConfigMap, or
   * `AgentRuntime.custom(...)`.
   */
  readonly runtime: AgentRuntime;
}

export interface McpMeshProps {
  /**
   * Name of the mesh: the `app.kubernetes.io/instance` label of every object.
   * @default "mcp-mesh"
   */
  readonly name?: string;
  /**
   * Namespace of every object.
   * @default "mcp-mesh"
   */
  readonly namespace?: string;
  /**
   * Render the Namespace object. Off by default: deleting an owned Namespace (a `kubectl delete -f`, a GitOps
   * prune) deletes everything in it, including things this library did not create.
   * @default false
   */
  readonly createNamespace?: boolean;
  /** @default "cluster.local" */
  readonly clusterDomain?: string;
  /**
   * The service mesh the workloads join: sidecar injection, mTLS (Istio PeerAuthentication STRICT,
   * DestinationRules, AuthorizationPolicies; Linkerd Servers and authorizations) following the mesh graph.
   * @default ServiceMesh.NONE
   */
  readonly serviceMesh?: ServiceMesh;
  /**
   * An environment preset (`MeshEnvironment.dev()`, `.staging()`, `.prod()` or your own) whose defaults
   * every other prop overrides.
   * @default - the library's defaults
   */
  readonly environment?: MeshEnvironment;
  /** @default - a registry on SQLite with one replica */
  readonly registry?: McpRegistryOptions;
  /** @default - none; add them later with addAgent() */
  readonly agents?: McpMeshAgentProps[];
  /**
   * Zero-trust NetworkPolicies derived from the mesh graph (on by default).
   * @default - default deny, DNS, and the flows the graph needs
   */
  readonly security?: McpSecurityOptions;
  /**
   * Timeouts, retries and circuit breaking for calls between agents (service mesh only); agents override
   * them with their own `traffic`.
   * @default - timeouts from the capabilities, 2 safe retries, 100 connections, ejection after 5 errors
   */
  readonly trafficDefaults?: TrafficPolicyOptions;
  /**
   * Route requests that carry an `x-mcp-capability` header to the agent that provides the capability,
   * through the Service `<mesh>-capabilities` (Istio only).
   * @default true with Istio
   */
  readonly capabilityRouting?: boolean;
  /**
   * Metrics, alerts and dashboards for the Prometheus Operator and Grafana (their CRDs and sidecar are
   * prerequisites: see docs/observability.md).
   * @default - none
   */
  readonly observability?: McpObservabilityOptions;
  /**
   * Distributed tracing: agents publish span events to Redis; the registry exports them over OTLP.
   * @default - off
   */
  readonly tracing?: MeshTracingOptions;
  /**
   * The runtime's own mutual TLS between the registry and the agents, with certificates from cert-manager: for a
   * mesh without Istio or Linkerd (which bring their own mTLS).
   * @default - plain HTTP (inside the cluster, behind the NetworkPolicies)
   */
  readonly tls?: MeshTlsOptions;
  /**
   * Secrets delivered by the External Secrets Operator from an external store: one `ExternalSecret` per
   * Secret, and a synth error when a workload of the mesh reads a key of a delivered Secret that is not
   * delivered.
   * @default - none: the Secrets the mesh references are created some other way
   */
  readonly externalSecrets?: ExternalSecretsOptions;
  /**
   * Accept agents that call each other in a cycle (or an agent that calls its own capability). Off by default:
   * a cycle can deadlock calls until their timeouts, so synth fails and shows the cycle.
   * @default false
   */
  readonly allowDependencyCycles?: boolean;
  /**
   * Run the policy check over the mesh's objects at synth (privileged containers, root, host access,
   * resources, unpinned images, probes, secret literals, NetworkPolicy coverage).
   * @default true
   */
  readonly policyCheck?: boolean;
  /**
   * Findings of the policy check you accept, each with its reason.
   * @default - none
   */
  readonly policySuppressions?: PolicySuppression[];
}
