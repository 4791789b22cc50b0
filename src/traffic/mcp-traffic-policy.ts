import { Construct } from 'constructs';
import { MeshObject, withinSizeLimit } from '../k8s/mesh-object';
import { serviceHost } from '../k8s/naming';
import { AgentModel, MeshModel } from '../model/mesh-model';
import { ServiceMesh } from '../model/service-mesh';
import { TrafficModel, TrafficPolicyOptions } from '../model/traffic';
import { ObjectOwner, REGISTRY_OWNER, agentOwner, ownedBy } from '../k8s/ownership';
import { Problems } from '../resolve/problems';
import { agentTraffic, resolveTrafficDefaults } from '../resolve/resolve-traffic';

export interface McpTrafficPolicyProps {
  readonly model: MeshModel;
  readonly instance: string;
  readonly namespace: string;
  readonly clusterDomain: string;
  /** @default ServiceMesh.NONE */
  readonly serviceMesh?: ServiceMesh;
  /**
   * Mesh-wide traffic defaults; agents override them with their own `traffic`.
   * @default - timeouts from the capabilities, 2 safe retries, 100 connections, ejection after 5 errors
   */
  readonly defaults?: TrafficPolicyOptions;
  /**
   * Render a Service `<mesh>-capabilities` and an Istio VirtualService that routes a request carrying the
   * `x-mcp-capability` header to the agent that provides that capability.
   * @default true with Istio
   */
  readonly capabilityRouting?: boolean;
}

/** Only failures where the request never reached the agent: MCP tool calls are POSTs and may have side effects. */
const SAFE_RETRY_ON = 'connect-failure,refused-stream';
export const CAPABILITY_HEADER = 'x-mcp-capability';

/**
 * Timeouts, retries and circuit breaking per agent, rendered for the service mesh in use (Istio
 * VirtualService + DestinationRule, whose TLS mode matches the mesh's mTLS; Linkerd ServiceProfile), and
 * capability routing. With no service mesh it renders nothing: the runtime's own call timeout applies.
 */
export class McpTrafficPolicy extends Construct {
  private readonly props: McpTrafficPolicyProps;

  constructor(scope: Construct, id: string, props: McpTrafficPolicyProps) {
    super(scope, id);
    this.props = props;
    const mesh = props.serviceMesh ?? ServiceMesh.NONE;
    // A mesh resolved these already; a standalone traffic policy checks them here.
    const problems = new Problems();
    resolveTrafficDefaults(mesh, props.defaults, props.capabilityRouting, problems);
    problems.throwIfAny();
    if (mesh === ServiceMesh.NONE) {
      // Nothing to render, but the settings are checked all the same: a mesh added later must not find them wrong.
      props.model._onAgent((agent) => agentTraffic(agent, props.defaults));
      return;
    }
    if (mesh === ServiceMesh.ISTIO) {
      // The registry gets mTLS only: its callers' retries are the runtime's own heartbeats.
      this.destinationRule('Registry', props.model.registry.name, props.model.registry.host, REGISTRY_OWNER);
      if (props.capabilityRouting !== false) this.capabilityRouter();
    }
    props.model._onAgent((agent) => {
      const traffic = agentTraffic(agent, props.defaults);
      if (mesh === ServiceMesh.ISTIO) this.istio(agent, traffic);
      else this.linkerd(agent, traffic);
    });
  }

  private metadata(name: string) {
    return {
      labels: { 'app.kubernetes.io/instance': this.props.instance, 'app.kubernetes.io/managed-by': 'cdk8s-mcp-mesh', 'app.kubernetes.io/part-of': 'mcp-mesh' },
      name,
      namespace: this.props.namespace,
    };
  }

  /** One DestinationRule per host (Istio merges none): mTLS mode and circuit breaking together, so they never disagree. */
  private destinationRule(id: string, name: string, host: string, owner: ObjectOwner, traffic?: TrafficModel): void {
    ownedBy(new MeshObject(this, `DestinationRule-${id}`, {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: this.metadata(name),
      spec: {
        host,
        trafficPolicy: {
          ...(traffic === undefined ? {} : {
            connectionPool: { http: { http1MaxPendingRequests: traffic.maxPendingRequests }, tcp: { maxConnections: traffic.maxConnections } },
            outlierDetection: {
              baseEjectionTime: `${traffic.baseEjectionSeconds}s`,
              consecutive5xxErrors: traffic.consecutiveErrors,
              interval: '10s',
              maxEjectionPercent: traffic.maxEjectionPercent,
            },
          }),
          tls: { mode: 'ISTIO_MUTUAL' },
        },
      },
    }), owner);
  }

  private istio(agent: AgentModel, traffic: TrafficModel): void {
    this.destinationRule(`Agent-${agent.name}`, agent.name, agent.serviceHost, agentOwner(agent.name), traffic);
    ownedBy(new MeshObject(this, `VirtualService-${agent.name}`, {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: this.metadata(agent.name),
      spec: {
        hosts: [agent.serviceHost],
        http: [{
          route: [{ destination: { host: agent.serviceHost, port: { number: agent.port } } }],
          timeout: `${traffic.timeoutSeconds}s`,
          ...(traffic.retries > 0
            ? { retries: { attempts: traffic.retries, perTryTimeout: `${traffic.timeoutSeconds}s`, retryOn: SAFE_RETRY_ON } }
            : { retries: { attempts: 0 } }),
        }],
      },
    }), agentOwner(agent.name));
  }

  private linkerd(agent: AgentModel, traffic: TrafficModel): void {
    ownedBy(new MeshObject(this, `ServiceProfile-${agent.name}`, {
      apiVersion: 'linkerd.io/v1alpha2',
      kind: 'ServiceProfile',
      // A ServiceProfile is named after the fully qualified name of the Service it describes.
      metadata: this.metadata(serviceHost(agent.name, this.props.namespace, this.props.clusterDomain)),
      spec: {
        retryBudget: { minRetriesPerSecond: 10, retryRatio: 0.2, ttl: '10s' },
        routes: [{
          condition: { method: 'POST', pathRegex: '/mcp' },
          isRetryable: traffic.idempotent && traffic.retries > 0,
          name: 'POST /mcp',
          timeout: `${traffic.timeoutSeconds}s`,
        }],
      },
    }), agentOwner(agent.name));
  }

  /** A Service without pods whose name callers use with the header; the sidecars route by the header. */
  private capabilityRouter(): void {
    const { model, namespace, clusterDomain, instance } = this.props;
    const name = `${instance}-capabilities`;
    const host = serviceHost(name, namespace, clusterDomain);
    new MeshObject(this, 'CapabilityService', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: this.metadata(name),
      spec: { ports: [{ appProtocol: 'http', name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }], type: 'ClusterIP' },
    });
    new MeshObject(this, 'CapabilityRouter', {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: this.metadata(name),
      get spec() {
        const names = routeNames(model.capabilities);
        const http = model.capabilities.map((capability, index) => {
          const providers = model.providersOf(capability);
          const base = Math.floor(100 / providers.length);
          return {
            match: [{ headers: { [CAPABILITY_HEADER]: { exact: capability } } }],
            name: names[index],
            // Several providers share the traffic, as the registry would let callers pick any of them.
            route: providers.map((p, i) => ({
              destination: { host: p.serviceHost, port: { number: p.port } },
              weight: i === 0 ? 100 - base * (providers.length - 1) : base,
            })),
          };
        });
        return withinSizeLimit('VirtualService', name, { hosts: [host], http },
          'capability routing lists every capability in one VirtualService: set capabilityRouting: false for a mesh this large');
      },
    });
  }
}

/**
 * Route names of the capabilities (sorted), lowercase with "-" for other characters; capabilities that would
 * share one (`send_mail`, `send-mail`, `Send_Mail`) get `-2`, `-3`, ... in their sorted order, so each route
 * keeps a name of its own and the output stays deterministic.
 */
export function routeNames(capabilities: readonly string[]): string[] {
  const used = new Set<string>();
  return capabilities.map((capability) => {
    const base = capability.toLowerCase().replace(/[^a-z0-9-]/g, '-');
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}-${n}`;
    used.add(name);
    return name;
  });
}
