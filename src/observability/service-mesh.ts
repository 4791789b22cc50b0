import { ServiceMesh } from '../model/service-mesh';
import { Matcher, quote, selector } from './promql';

/*
 * The MCP Mesh runtime 3.7.1 exports no request metrics of its own (its `/metrics` answers 404), so request
 * rate, error ratio and latency exist only when a service-mesh proxy sits in front of every agent:
 * - Istio with sidecars (`istio_requests_total`, `istio_request_duration_milliseconds_bucket` reported by the
 *   destination's sidecar) or ambient mode with a waypoint proxy in front of the agents (reporter `waypoint`);
 * - Linkerd 2 (`response_total`, `response_latency_ms_bucket` of the inbound side of the agent's proxy),
 *   scraped with Linkerd's documented scrape configuration, which adds the `namespace` and `deployment` labels.
 */

/**
 * How one service mesh's proxy metrics map to "requests to an agent". Everything is written so that the
 * result is labelled `namespace` and `agent` (the agent's Deployment name), whatever the proxy calls them.
 */
export interface ServiceMeshMetrics {
  /** The proxy metric names this mesh's rules read (for the "every metric has a known source" check). */
  readonly sourceMetrics: readonly string[];
  /** The container name of the proxy in an agent pod. */
  readonly proxyContainer: string;
  /** `rate(...)` of every request to the agents, summed to `namespace`, `agent`. */
  requests(namespace: string, agentRegex: string, window: string): string;
  /** The same for failed requests. */
  errors(namespace: string, agentRegex: string, window: string): string;
  /** `rate(..._bucket[...])` summed to `namespace`, `agent`, `le` (milliseconds). */
  latencyBuckets(namespace: string, agentRegex: string, window: string): string;
  /** `rate(...)` of requests summed to `namespace`, `agent`, `caller`, `caller_namespace`. */
  callerRequests(namespace: string, agentRegex: string, window: string): string;
}

/** Renames label `from` to `to` on a (small, already aggregated) vector. */
function rename(expr: string, pairs: ReadonlyArray<readonly [from: string, to: string]>): string {
  let out = expr;
  for (const [from, to] of pairs) out = `label_replace(${out}, ${quote(to)}, "$1", ${quote(from)}, "(.*)")`;
  return `sum without (${pairs.map(([from]) => from).join(', ')}) (${out})`;
}

/** An empty caller (a client outside the mesh) becomes "unknown", as Istio itself names it. */
function unknownCaller(expr: string): string {
  return `label_replace(${expr}, "caller", "unknown", "caller", "")`;
}

const ISTIO: ServiceMeshMetrics = {
  sourceMetrics: ['istio_requests_total', 'istio_request_duration_milliseconds_bucket'],
  proxyContainer: 'istio-proxy',
  requests(namespace, agentRegex, window) {
    return istioSum('istio_requests_total', namespace, agentRegex, window, []);
  },
  errors(namespace, agentRegex, window) {
    return istioSum('istio_requests_total', namespace, agentRegex, window, [['response_code', '=~', '5..']]);
  },
  latencyBuckets(namespace, agentRegex, window) {
    return istioSum('istio_request_duration_milliseconds_bucket', namespace, agentRegex, window, [], ['le']);
  },
  callerRequests(namespace, agentRegex, window) {
    const inner = `sum by (destination_workload_namespace, destination_workload, source_workload_namespace, source_workload) (rate(${istioSelector('istio_requests_total', namespace, agentRegex, [])}[${window}]))`;
    return unknownCaller(rename(inner, [
      ['destination_workload_namespace', 'namespace'], ['destination_workload', 'agent'],
      ['source_workload_namespace', 'caller_namespace'], ['source_workload', 'caller'],
    ]));
  },
};

/**
 * Requests as the receiving side sees them: `reporter="destination"` (the agent's own sidecar) or
 * `reporter="waypoint"` (ambient mode). Never `source`, which would count each call a second time.
 */
function istioSelector(metric: string, namespace: string, agentRegex: string, extra: Matcher[]): string {
  return selector(metric, [
    ['reporter', '=~', 'destination|waypoint'],
    ['destination_workload_namespace', '=', namespace],
    ['destination_workload', '=~', agentRegex],
    ...extra,
  ]);
}

function istioSum(metric: string, namespace: string, agentRegex: string, window: string, extra: Matcher[], keep: string[] = []): string {
  const by = ['destination_workload_namespace', 'destination_workload', ...keep].join(', ');
  const inner = `sum by (${by}) (rate(${istioSelector(metric, namespace, agentRegex, extra)}[${window}]))`;
  return rename(inner, [['destination_workload_namespace', 'namespace'], ['destination_workload', 'agent']]);
}

/**
 * The inbound side of each agent's own proxy (`direction="inbound"`), without kubelet probes: Linkerd's
 * default inbound policy puts probe requests on a route named `probe`.
 */
function linkerdSelector(metric: string, namespace: string, agentRegex: string, extra: Matcher[]): string {
  return selector(metric, [
    ['direction', '=', 'inbound'],
    ['namespace', '=', namespace],
    ['deployment', '=~', agentRegex],
    ['route_name', '!=', 'probe'],
    ...extra,
  ]);
}

function linkerdSum(metric: string, namespace: string, agentRegex: string, window: string, extra: Matcher[], keep: string[] = []): string {
  const inner = `sum by (${['namespace', 'deployment', ...keep].join(', ')}) (rate(${linkerdSelector(metric, namespace, agentRegex, extra)}[${window}]))`;
  return rename(inner, [['deployment', 'agent']]);
}

const LINKERD: ServiceMeshMetrics = {
  sourceMetrics: ['response_total', 'response_latency_ms_bucket'],
  proxyContainer: 'linkerd-proxy',
  requests(namespace, agentRegex, window) {
    return linkerdSum('response_total', namespace, agentRegex, window, []);
  },
  errors(namespace, agentRegex, window) {
    // Linkerd classifies 5xx responses and failed streams (no response at all) as failures.
    return linkerdSum('response_total', namespace, agentRegex, window, [['classification', '=', 'failure']]);
  },
  latencyBuckets(namespace, agentRegex, window) {
    return linkerdSum('response_latency_ms_bucket', namespace, agentRegex, window, [], ['le']);
  },
  callerRequests(namespace, agentRegex, window) {
    // A meshed client is known by its mTLS identity `<serviceaccount>.<namespace>.serviceaccount.identity.…`;
    // each agent runs under a ServiceAccount named after it, so the identity names the calling agent.
    const inner = `sum by (namespace, deployment, client_id) (rate(${linkerdSelector('response_total', namespace, agentRegex, [])}[${window}]))`;
    const withCaller = `label_replace(label_replace(${inner}, "caller", "$1", "client_id", "([^.]+)\\\\.[^.]+\\\\.serviceaccount\\\\..*"), "caller_namespace", "$1", "client_id", "[^.]+\\\\.([^.]+)\\\\.serviceaccount\\\\..*")`;
    return unknownCaller(rename(`sum without (client_id) (${withCaller})`, [['deployment', 'agent']]));
  },
};

/** The proxy metrics of a service mesh; undefined for NONE. */
export function serviceMeshMetrics(mesh: ServiceMesh): ServiceMeshMetrics | undefined {
  switch (mesh) {
    case ServiceMesh.ISTIO: return ISTIO;
    case ServiceMesh.LINKERD: return LINKERD;
    default: return undefined;
  }
}
