import { Duration } from 'cdk8s';
import { ResourceProps } from '../k8s/resources';
import { LogLevel } from '../model/runtime';
import { NetworkPeer } from '../model/network-peer';
import { ServiceMesh } from '../model/service-mesh';
import { MeshTracingOptions } from '../observability/tracing';
import { MeshTlsOptions } from '../security/tls-props';
import { RegistryStorage } from './registry-storage';

/*
 * The props of a registry: what a user writes. The resolve step (../resolve/resolve-registry.ts) turns them
 * into a validated registry that McpRegistry renders.
 */

/** What agents need to know of a registry: where it is. Implemented by McpRegistry; write your own for an external one. */
export interface IMcpRegistry {
  /** The URL agents put in `MCP_MESH_REGISTRY_URL`. */
  readonly url: string;
}

/** The registry's admin API (`/admin/drain`, `/admin/entities`, ...), which has no authentication of its own. */
export interface RegistryAdminOptions {
  /**
   * The port the admin API listens on (`MCP_MESH_ADMIN_PORT`), apart from the port agents call, so that no
   * agent can drain the registry. Reach it with `kubectl port-forward svc/<registry> <port>`.
   * @default 8001
   */
  readonly port?: number;
  /**
   * Who may call the admin API over the network (NetworkPolicy ingress to the admin port). Not with a
   * service mesh, whose authorization speaks identities, not network peers: use `kubectl port-forward`.
   * @default - nobody: only `kubectl port-forward` reaches it
   */
  readonly allowFrom?: NetworkPeer[];
}

/** Registry settings that a mesh passes through unchanged. */
export interface McpRegistryOptions {
  /**
   * Name of the StatefulSet and of the ClusterIP Service agents call.
   * @default "mcp-mesh-registry"
   */
  readonly name?: string;
  /**
   * Registry image, pinned to a version.
   * @default "mcpmesh/registry:3.7.1"
   */
  readonly image?: string;
  /**
   * Replicas. More than one needs PostgreSQL storage.
   * @default 1
   */
  readonly replicas?: number;
  /** @default RegistryStorage.sqlite() */
  readonly storage?: RegistryStorage;
  /** @default 8000 */
  readonly port?: number;
  /**
   * The admin API: on a port of its own, admitted from nobody unless named.
   * @default - port 8001, nobody admitted
   */
  readonly admin?: RegistryAdminOptions;
  /** @default LogLevel.INFO */
  readonly logLevel?: LogLevel;
  /**
   * How often the registry checks agents' heartbeats (`HEALTH_CHECK_INTERVAL`).
   * @default Duration.seconds(10)
   */
  readonly healthCheckInterval?: Duration;
  /**
   * How long without a heartbeat before an agent is marked unhealthy (`DEFAULT_TIMEOUT_THRESHOLD`).
   * @default Duration.seconds(20)
   */
  readonly timeoutThreshold?: Duration;
  /**
   * `DEFAULT_EVICTION_THRESHOLD`, which the registry (3.7.1, 3.8) parses but does not use: unhealthy agents stay
   * listed until the sweep job removes them after `retention`. Kept, and rendered, for compatibility.
   * @deprecated set `retention`, which is what removes stale agents
   * @default Duration.seconds(60)
   */
  readonly evictionThreshold?: Duration;
  /**
   * How long the registry keeps an agent that stopped sending heartbeats (and its events) before its sweep job
   * removes it (`MCP_MESH_RETENTION`). Never shorter than `timeoutThreshold`.
   * @default - the registry's own, 1 hour
   */
  readonly retention?: Duration;
  /**
   * The number of agent pods (all replicas) the registry should carry at a 5 s heartbeat: sets the default
   * requests from measurements (docs/sizing.md). The mesh fails synth when its agents need more.
   * @default 200
   */
  readonly expectedAgents?: number;
  /**
   * CPU and memory.
   * @default - sized for `expectedAgents`: 100m CPU up to 200 agents, 250m up to 500, 500m up to 1000, 1 core
   *   beyond; 128Mi memory (256Mi past 1000 agents); memory limit 512Mi
   */
  readonly resources?: ResourceProps;
  /**
   * Pause before SIGTERM so that endpoint removal reaches every node before the process stops.
   * @default Duration.seconds(5)
   */
  readonly preStopDelay?: Duration;
  /**
   * The uid (and gid) the container runs as; the image's own user by default.
   * @default 1001
   */
  readonly runAsUser?: number;
}

export interface McpRegistryProps extends McpRegistryOptions {
  /**
   * Namespace of every object.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * The `app.kubernetes.io/instance` label, shared by every object of one mesh.
   * @default - the registry name
   */
  readonly instance?: string;
  /**
   * Cluster DNS domain, for the registry URL.
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;
  /**
   * The service mesh whose proxy the pods get.
   * @default ServiceMesh.NONE
   */
  readonly serviceMesh?: ServiceMesh;
  /**
   * Distributed tracing: the registry consumes the agents' span events from Redis and exports them over OTLP.
   * @default - off
   */
  readonly tracing?: MeshTracingOptions;
  /**
   * The runtime's own mutual TLS: a certificate from cert-manager, TLS on the registry's port, the issuer's CA
   * trusted for clients.
   * @default - plain HTTP
   */
  readonly tls?: MeshTlsOptions;
}

/** Requests for a number of agent pods at a 5 s heartbeat, with headroom over the measurements (docs/sizing.md). */
export function registrySizing(agents: number): ResourceProps {
  const cpuRequest = agents <= 200 ? '100m' : agents <= 500 ? '250m' : agents <= 1000 ? '500m' : '1';
  return { cpuRequest, memoryRequest: agents <= 1000 ? '128Mi' : '256Mi', memoryLimit: '512Mi' };
}
