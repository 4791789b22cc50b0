/**
 * The Prometheus rules of a mesh, as pure data built from the observed mesh: recording rules that turn
 * service-mesh proxy metrics into per-agent and per-capability MCP traffic series, and alerts on
 * kube-state-metrics, kubelet, the agents' own metrics (opt-in) and that traffic. Every selector is scoped to
 * the mesh's namespace and to its own workloads by name, derived from the model.
 */
import { ObservedAgent, ObservedMesh, attributableCapabilities } from './observed-mesh';
import {
  alternation, deploymentPodRegex, humanDuration, promDuration, promNumber, quote, regexEscape, selector, statefulSetPodRegex,
  workloadPodRegex,
} from './promql';
import { ServiceMesh } from '../model/service-mesh';
import { serviceMeshMetrics } from './service-mesh';

/**
 * A rule of a group, as Prometheus reads it: a recording rule (`record` and `expr`, maybe `labels`) or an
 * alerting rule (`alert`, `expr`, `for`, `labels` and `annotations`). One type for both, so that every language
 * reads the rules of a group (jsii cannot tell two struct types in one list apart).
 */
export interface PrometheusRule {
  /** The name of the series a recording rule writes. @default - an alerting rule */
  readonly record?: string;
  /** The name of the alert an alerting rule fires. @default - a recording rule */
  readonly alert?: string;
  /** The PromQL expression. */
  readonly expr: string;
  /** How long the expression must hold before an alert fires. @default - a recording rule */
  readonly for?: string;
  /** @default - none */
  readonly labels?: Record<string, string>;
  /** @default - none (a recording rule) */
  readonly annotations?: Record<string, string>;
}

/** A recording rule, as the library builds one. */
export interface PrometheusRecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Record<string, string>;
}

/** An alerting rule, as the library builds one. */
export interface PrometheusAlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/** A rule group, in the format of both a Prometheus rule file and `PrometheusRule.spec.groups`. */
export interface PrometheusRuleGroup {
  readonly name: string;
  readonly rules: PrometheusRule[];
}

/** Every alert this library can render. */
export enum McpAlert {
  REGISTRY_DOWN = 'McpMeshRegistryDown',
  REGISTRY_DEGRADED = 'McpMeshRegistryDegraded',
  REGISTRY_METRICS_ABSENT = 'McpMeshRegistryMetricsAbsent',
  REGISTRY_VOLUME_FILLING_UP = 'McpMeshRegistryVolumeFillingUp',
  REGISTRY_VOLUME_FULL_SOON = 'McpMeshRegistryVolumeFullSoon',
  AGENT_UNAVAILABLE = 'McpMeshAgentUnavailable',
  AGENT_REPLICAS_UNAVAILABLE = 'McpMeshAgentReplicasUnavailable',
  AGENT_DOWN = 'McpMeshAgentDown',
  AGENT_METRICS_ABSENT = 'McpMeshAgentMetricsAbsent',
  AGENT_NOT_MESHED = 'McpMeshAgentNotMeshed',
  AGENT_HIGH_ERROR_RATIO = 'McpMeshAgentHighErrorRatio',
  AGENT_HIGH_LATENCY = 'McpMeshAgentHighLatency',
  POD_CRASH_LOOPING = 'McpMeshPodCrashLooping',
  POD_NOT_READY = 'McpMeshPodNotReady',
  EXTERNAL_SECRET_NOT_SYNCED = 'McpMeshExternalSecretNotSynced',
}

/** Names of the series the recording rules write. */
export const RECORDED_METRICS = {
  agentCapabilityInfo: 'mcp_mesh:agent_capability:info',
  agentRequests: 'mcp_mesh_agent:requests:rate5m',
  agentErrors: 'mcp_mesh_agent:request_errors:rate5m',
  agentErrorRatio: 'mcp_mesh_agent:request_error_ratio:rate5m',
  agentLatencyBuckets: 'mcp_mesh_agent:request_duration_milliseconds_bucket:rate5m',
  agentLatencyP50: 'mcp_mesh_agent:request_duration_seconds:p50_5m',
  agentLatencyP95: 'mcp_mesh_agent:request_duration_seconds:p95_5m',
  agentLatencyP99: 'mcp_mesh_agent:request_duration_seconds:p99_5m',
  callerRequests: 'mcp_mesh_caller_agent:requests:rate5m',
  capabilityRequests: 'mcp_mesh_capability:requests:rate5m',
  capabilityErrors: 'mcp_mesh_capability:request_errors:rate5m',
  capabilityErrorRatio: 'mcp_mesh_capability:request_error_ratio:rate5m',
  capabilityLatencyBuckets: 'mcp_mesh_capability:request_duration_milliseconds_bucket:rate5m',
  capabilityLatencyP50: 'mcp_mesh_capability:request_duration_seconds:p50_5m',
  capabilityLatencyP95: 'mcp_mesh_capability:request_duration_seconds:p95_5m',
  capabilityLatencyP99: 'mcp_mesh_capability:request_duration_seconds:p99_5m',
} as const;

/** The label every recorded series and every alert of a mesh carries: the mesh name. */
export const MESH_LABEL = 'mcp_mesh';

/** Rates are taken over this window (it is part of the recorded metric names). */
export const RATE_WINDOW = '5m';

/** The agent's p99 latency alert fires, by default, at this fraction of its longest capability timeout. */
export const DEFAULT_LATENCY_TIMEOUT_FRACTION = 0.8;

/** Resolved, validated settings (see McpObservabilityOptions for their meaning and defaults). */
export interface RuleSettings {
  readonly serviceMesh: ServiceMesh;
  readonly scrapeAgents: boolean;
  /** The `job` label of the agents' scrape (set by the PodMonitor's relabeling). */
  readonly agentJob: string;
  readonly alertLabels: Readonly<Record<string, string>>;
  readonly runbookBaseUrl?: string;
  readonly disabled: ReadonlySet<string>;
  /** `for` of each alert, in seconds. */
  readonly forSeconds: Readonly<Record<McpAlert, number>>;
  readonly registryVolumeFreeThreshold: number;
  readonly registryVolumeFullWithinSeconds: number;
  readonly errorRatioThreshold: number;
  /** A fixed p99 threshold for every agent; undefined: per agent, a fraction of its longest capability timeout. */
  readonly latencyP99ThresholdSeconds?: number;
  readonly minRequestsPerMinute: number;
}

interface Scope {
  readonly mesh: ObservedMesh;
  readonly ns: string;
  readonly agentNames: string[];
  /** Anchored alternation of the agents' Deployment names. */
  readonly agentRegex: string;
  /** Pod-name regex of every mesh workload; `workloadReplacement` turns a match into the workload name. */
  readonly podRegex: string;
  readonly workloadReplacement: string;
  readonly agentPodRegex: string;
  readonly agentPodReplacement: string;
}

function scopeOf(mesh: ObservedMesh): Scope {
  const agentNames = mesh.agents.map((a) => a.name);
  const agentPods = agentNames.length > 0 ? deploymentPodRegex(agentNames) : '';
  const all = workloadPodRegex([agentPods, statefulSetPodRegex(mesh.registry.name)]);
  const agentsOnly = workloadPodRegex([agentPods]);
  return {
    mesh,
    ns: mesh.namespace,
    agentNames,
    agentRegex: agentNames.length > 0 ? alternation(agentNames) : '',
    podRegex: all.regex,
    workloadReplacement: all.replacement,
    agentPodRegex: agentsOnly.regex,
    agentPodReplacement: agentsOnly.replacement,
  };
}

/** The recording-rule groups: the model as info series, and the service-mesh traffic per agent and capability. */
export function recordingRuleGroups(mesh: ObservedMesh, settings: RuleSettings): PrometheusRuleGroup[] {
  const groups: PrometheusRuleGroup[] = [];
  const s = scopeOf(mesh);
  const meshMetrics = serviceMeshMetrics(settings.serviceMesh);
  if (s.agentNames.length === 0 || (meshMetrics === undefined && !settings.scrapeAgents)) return groups;

  groups.push({ name: groupName(mesh, 'model'), rules: modelRules(mesh) });
  if (meshMetrics === undefined) return groups;

  const m = RECORDED_METRICS;
  const own = (metric: string) => selector(metric, [['namespace', '=', s.ns], [MESH_LABEL, '=', mesh.name]]);
  const labels = { [MESH_LABEL]: mesh.name };
  const rules: PrometheusRecordingRule[] = [
    { record: m.agentRequests, expr: meshMetrics.requests(s.ns, s.agentRegex, RATE_WINDOW), labels },
    {
      record: m.agentErrors,
      // An agent without failures still gets a series (0), so that its error ratio is 0 rather than absent.
      expr: `${meshMetrics.errors(s.ns, s.agentRegex, RATE_WINDOW)}\nor on (namespace, agent)\n(${own(m.agentRequests)} * 0)`,
      labels,
    },
    { record: m.agentErrorRatio, expr: `${own(m.agentErrors)}\n/ on (namespace, agent)\n(${own(m.agentRequests)} > 0)`, labels },
    { record: m.agentLatencyBuckets, expr: meshMetrics.latencyBuckets(s.ns, s.agentRegex, RATE_WINDOW), labels },
    ...quantiles(own(m.agentLatencyBuckets), [m.agentLatencyP50, m.agentLatencyP95, m.agentLatencyP99], labels),
    { record: m.callerRequests, expr: meshMetrics.callerRequests(s.ns, s.agentRegex, RATE_WINDOW), labels },
  ];

  if (attributableCapabilities(mesh.agents).size > 0) {
    const info = selector(m.agentCapabilityInfo, [['namespace', '=', s.ns], [MESH_LABEL, '=', mesh.name], ['attributable', '=', 'true']]);
    const perCapability = (agentMetric: string, keep: string[] = []) =>
      `sum by (${['namespace', 'capability', ...keep].join(', ')}) (\n  ${own(agentMetric)}\n  * on (namespace, agent) group_left (capability)\n  ${info}\n)`;
    rules.push(
      { record: m.capabilityRequests, expr: perCapability(m.agentRequests), labels },
      { record: m.capabilityErrors, expr: perCapability(m.agentErrors), labels },
      { record: m.capabilityErrorRatio, expr: `${own(m.capabilityErrors)}\n/ on (namespace, capability)\n(${own(m.capabilityRequests)} > 0)`, labels },
      { record: m.capabilityLatencyBuckets, expr: perCapability(m.agentLatencyBuckets, ['le']), labels },
      ...quantiles(own(m.capabilityLatencyBuckets), [m.capabilityLatencyP50, m.capabilityLatencyP95, m.capabilityLatencyP99], labels),
    );
  }
  groups.push({ name: groupName(mesh, 'traffic'), rules });
  return groups;
}

function quantiles(buckets: string, records: string[], labels: Record<string, string>): PrometheusRecordingRule[] {
  return [0.5, 0.95, 0.99].map((q, i) => ({
    record: records[i],
    // Proxies measure milliseconds; recorded latencies are in seconds, the Prometheus base unit.
    expr: `histogram_quantile(${q}, ${buckets}) / 1000`,
    labels,
  }));
}

/**
 * One constant series per (agent, capability) of the model, for joins: `attributable="true"` marks the
 * capabilities whose traffic the agent-level series measure exactly (see attributableCapabilities).
 */
function modelRules(mesh: ObservedMesh): PrometheusRecordingRule[] {
  const attributable = attributableCapabilities(mesh.agents);
  return mesh.agents.flatMap((agent) => agent.capabilities.map((c) => ({
    record: RECORDED_METRICS.agentCapabilityInfo,
    expr: 'vector(1)',
    labels: {
      agent: agent.name,
      attributable: String(attributable.has(c.name)),
      capability: c.name,
      [MESH_LABEL]: mesh.name,
      namespace: mesh.namespace,
      version: c.version,
    },
  })));
}

function groupName(mesh: ObservedMesh, kind: string): string {
  return `mcp-mesh.${mesh.namespace}.${mesh.name}.${kind}`;
}

/** The alert group (empty rules are left out by the caller). */
export function alertRuleGroups(mesh: ObservedMesh, settings: RuleSettings): PrometheusRuleGroup[] {
  const s = scopeOf(mesh);
  const rules = alertDefinitions(s, settings)
    .filter((a) => !settings.disabled.has(a.name))
    .flatMap((a) => a.render().map((r): PrometheusAlertingRule => ({
      alert: a.name,
      expr: r.expr,
      for: promDuration(settings.forSeconds[a.name]),
      labels: { ...settings.alertLabels, [MESH_LABEL]: mesh.name, severity: a.severity },
      annotations: {
        summary: r.summary,
        description: r.description,
        ...(settings.runbookBaseUrl !== undefined ? { runbook_url: `${settings.runbookBaseUrl}/${a.name.toLowerCase()}` } : {}),
      },
    })));
  return rules.length === 0 ? [] : [{ name: groupName(mesh, 'alerts'), rules }];
}

interface AlertDefinition {
  readonly name: McpAlert;
  readonly severity: 'critical' | 'warning';
  render(): Array<{ expr: string; summary: string; description: string }>;
}

function alertDefinitions(s: Scope, settings: RuleSettings): AlertDefinition[] {
  const { mesh, ns } = s;
  const reg = mesh.registry.name;
  const forText = (alert: McpAlert) => humanDuration(settings.forSeconds[alert]);
  const defs: AlertDefinition[] = [];
  const stsSel = (metric: string) => selector(metric, [['namespace', '=', ns], ['statefulset', '=', reg]]);
  const meshText = `mesh "${mesh.name}"`;
  const podsOf = (label: string) => `kubectl -n {{ $labels.namespace }} get pods -l app.kubernetes.io/instance=${mesh.name},app.kubernetes.io/name=${label}`;

  // ---- registry: kube-state-metrics (the registry exports no metrics of its own) ----
  defs.push({
    name: McpAlert.REGISTRY_DOWN,
    severity: 'critical',
    render: () => [{
      expr: `${stsSel('kube_statefulset_status_replicas_ready')} == 0`,
      summary: 'MCP Mesh registry {{ $labels.namespace }}/{{ $labels.statefulset }} has no ready replica',
      description: `The registry StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} of ${meshText} has had no ready replica for ${forText(McpAlert.REGISTRY_DOWN)}. `
        + 'Agents cannot register or send heartbeats and no dependency can be resolved. '
        + `Look at the pods and their events: ${podsOf('{{ $labels.statefulset }}')}`,
    }],
  });
  if (mesh.registry.replicas > 1) {
    defs.push({
      name: McpAlert.REGISTRY_DEGRADED,
      severity: 'warning',
      render: () => [{
        // Default matching (every label): the two series come from the same kube-state-metrics target.
        expr: `(${stsSel('kube_statefulset_status_replicas_ready')}\n  < ${stsSel('kube_statefulset_replicas')})\nand ${stsSel('kube_statefulset_status_replicas_ready')} > 0`,
        summary: 'MCP Mesh registry {{ $labels.namespace }}/{{ $labels.statefulset }} runs with fewer ready replicas than desired',
        description: `Only {{ $value }} of the ${mesh.registry.replicas} replicas of the registry StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} (${meshText}) have been ready for ${forText(McpAlert.REGISTRY_DEGRADED)}. `
          + 'The registry still serves, with less headroom; one more failure takes it down.',
      }],
    });
  }
  defs.push({
    name: McpAlert.REGISTRY_METRICS_ABSENT,
    severity: 'warning',
    render: () => [{
      expr: `absent(${stsSel('kube_statefulset_replicas')})`,
      summary: 'No kube-state-metrics data for the MCP Mesh registry {{ $labels.namespace }}/{{ $labels.statefulset }}',
      description: `Prometheus has had no kube_statefulset_replicas series for {{ $labels.namespace }}/{{ $labels.statefulset }} for ${forText(McpAlert.REGISTRY_METRICS_ABSENT)}: `
        + 'either kube-state-metrics is not scraped, or the registry StatefulSet does not exist. '
        + `While this fires, the registry and agent alerts of ${meshText} cannot fire.`,
    }],
  });
  if (mesh.registry.claimTemplates.length > 0) {
    const claims = `(?:${mesh.registry.claimTemplates.map(regexEscape).join('|')})-${regexEscape(reg)}-(?:0|[1-9][0-9]*)`;
    const vol = (metric: string) => selector(metric, [['namespace', '=', ns], ['persistentvolumeclaim', '=~', claims]]);
    const free = `${vol('kubelet_volume_stats_available_bytes')}\n/ ${vol('kubelet_volume_stats_capacity_bytes')}`;
    defs.push({
      name: McpAlert.REGISTRY_VOLUME_FILLING_UP,
      severity: 'warning',
      render: () => [{
        expr: `(\n${free}\n) < ${promNumber(settings.registryVolumeFreeThreshold)}`,
        summary: 'The SQLite volume of MCP Mesh registry {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is almost full',
        description: `PersistentVolumeClaim {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} holds the registry database of ${meshText} and has only {{ $value | humanizePercentage }} free `
          + `(threshold ${percent(settings.registryVolumeFreeThreshold)}). A full volume stops registrations and heartbeats. `
          + 'Expand the claim (if its StorageClass allows it) or lower MCP_MESH_RETENTION.',
      }],
    });
    defs.push({
      name: McpAlert.REGISTRY_VOLUME_FULL_SOON,
      severity: 'warning',
      render: () => [{
        expr: `(\n${free}\n) < 0.4\nand predict_linear(${vol('kubelet_volume_stats_available_bytes')}[6h], ${settings.registryVolumeFullWithinSeconds}) < 0`,
        summary: 'The SQLite volume of MCP Mesh registry {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is predicted to fill up',
        description: `At the rate of the last 6 hours, PersistentVolumeClaim {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} (the registry database of ${meshText}, {{ $value | humanizePercentage }} free) `
          + `fills up within ${humanDuration(settings.registryVolumeFullWithinSeconds)}.`,
      }],
    });
  }

  // ---- agents: kube-state-metrics ----
  if (s.agentNames.length > 0) {
    const deploySel = (metric: string) => selector(metric, [['namespace', '=', ns], ['deployment', '=~', s.agentRegex]]);
    const withAgent = (expr: string) => `label_replace(\n  ${expr},\n  "agent", "$1", "deployment", "(.*)"\n)`;
    defs.push({
      name: McpAlert.AGENT_UNAVAILABLE,
      severity: 'critical',
      render: () => [{
        expr: withAgent(`(${deploySel('kube_deployment_status_replicas_available')} == 0)\n  and on (namespace, deployment) (${deploySel('kube_deployment_spec_replicas')} > 0)`),
        summary: 'MCP Mesh agent {{ $labels.namespace }}/{{ $labels.agent }} has no available replica',
        description: `No replica of agent {{ $labels.agent }} (${meshText}) has been available for ${forText(McpAlert.AGENT_UNAVAILABLE)}: `
          + 'its capabilities are gone from the mesh and every agent that depends on them fails its calls. '
          + `Look at the pods and their events: ${podsOf('{{ $labels.agent }}')}`,
      }],
    });
    defs.push({
      name: McpAlert.AGENT_REPLICAS_UNAVAILABLE,
      severity: 'warning',
      render: () => [{
        expr: withAgent(`${deploySel('kube_deployment_status_replicas_unavailable')} > 0`),
        summary: 'MCP Mesh agent {{ $labels.namespace }}/{{ $labels.agent }} has unavailable replicas',
        description: `{{ $value }} replica(s) of agent {{ $labels.agent }} (${meshText}) have been unavailable for ${forText(McpAlert.AGENT_REPLICAS_UNAVAILABLE)}; `
          + `the agent runs with less capacity. Look at the pods and their events: ${podsOf('{{ $labels.agent }}')}`,
      }],
    });

    // ---- agents: their own /metrics (opt-in; answers 404 in runtime 3.7.1) ----
    if (settings.scrapeAgents) {
      const scraped = (metric: string) => selector(metric, [['job', '=', settings.agentJob], ['namespace', '=', ns]]);
      defs.push({
        name: McpAlert.AGENT_DOWN,
        severity: 'critical',
        render: () => [{
          expr: `${scraped('up')} == 0\nor ${scraped('mcp_mesh_up')} == 0`,
          summary: 'MCP Mesh agent pod {{ $labels.namespace }}/{{ $labels.pod }} is down',
          description: `The metrics endpoint of pod {{ $labels.pod }} of agent {{ $labels.agent }} (${meshText}) has failed to answer, or reported mcp_mesh_up 0, for ${forText(McpAlert.AGENT_DOWN)}. `
            + 'Note: the MCP Mesh runtime 3.7.1 answers 404 on /metrics, which fails every scrape; turn scrapeAgents on only with a runtime that serves it.',
        }],
      });
      defs.push({
        name: McpAlert.AGENT_METRICS_ABSENT,
        severity: 'warning',
        render: () => [{
          expr: withAgent(`(${deploySel('kube_deployment_spec_replicas')} > 0)\n  unless on (namespace, deployment)\n  label_replace(max by (namespace, agent) (${scraped('mcp_mesh_up')}), "deployment", "$1", "agent", "(.*)")`),
          summary: 'MCP Mesh agent {{ $labels.namespace }}/{{ $labels.agent }} reports no mcp_mesh_up',
          description: `Agent {{ $labels.agent }} (${meshText}) wants replicas, but none of its pods has reported mcp_mesh_up for ${forText(McpAlert.AGENT_METRICS_ABSENT)}: `
            + 'its pods are not scraped (PodMonitor not selected by Prometheus, NetworkPolicy) or do not serve /metrics (the runtime 3.7.1 answers 404).',
        }],
      });
    }

    // ---- agents: service-mesh traffic ----
    const meshMetrics = serviceMeshMetrics(settings.serviceMesh);
    if (meshMetrics !== undefined) {
      const m = RECORDED_METRICS;
      const own = (metric: string, extra: Array<readonly [string, '=' | '=~', string]> = []) =>
        selector(metric, [['namespace', '=', ns], [MESH_LABEL, '=', mesh.name], ...extra]);
      const busy = (extra: Array<readonly [string, '=' | '=~', string]> = []) => settings.minRequestsPerMinute > 0
        ? `\nand on (namespace, agent) (${own(m.agentRequests, extra)} * 60 >= ${promNumber(settings.minRequestsPerMinute)})`
        : '';
      const traffic = settings.minRequestsPerMinute > 0 ? `, counted for agents with at least ${promNumber(settings.minRequestsPerMinute)} request(s) per minute` : '';
      const proxies = settings.serviceMesh === ServiceMesh.ISTIO ? 'Istio' : 'Linkerd';
      defs.push({
        name: McpAlert.AGENT_HIGH_ERROR_RATIO,
        severity: 'warning',
        render: () => [{
          expr: `${own(m.agentErrorRatio)} > ${promNumber(settings.errorRatioThreshold)}${busy()}`,
          summary: 'MCP Mesh agent {{ $labels.namespace }}/{{ $labels.agent }} fails {{ $value | humanizePercentage }} of its requests',
          description: `{{ $value | humanizePercentage }} of the HTTP requests to agent {{ $labels.agent }} (${meshText}) have failed over 5 minutes, for ${forText(McpAlert.AGENT_HIGH_ERROR_RATIO)} `
            + `(threshold ${percent(settings.errorRatioThreshold)}${traffic}). Measured by the ${proxies} proxies: 5xx responses and failed streams, not MCP errors inside successful responses.`,
        }],
      });
      defs.push({
        name: McpAlert.AGENT_HIGH_LATENCY,
        severity: 'warning',
        render: () => {
          // One rule (several rules of one alert name with equal labels would be duplicates): one branch per
          // threshold, each naming its threshold in a `threshold` label that the annotations print.
          const groups = latencyGroups(mesh.agents, settings.latencyP99ThresholdSeconds);
          const branches = groups.map(({ thresholdSeconds, agents }) => {
            const agentMatch: Array<readonly [string, '=~', string]> = [['agent', '=~', alternation(agents)]];
            return `label_replace(\n  ${own(m.agentLatencyP99, agentMatch)} > ${promNumber(thresholdSeconds)}${busy(agentMatch).replace(/\n/g, '\n  ')},\n  "threshold", "${promNumber(thresholdSeconds)}s", "", ""\n)`;
          });
          const reason = settings.latencyP99ThresholdSeconds !== undefined ? 'the configured threshold'
            : `${percent(DEFAULT_LATENCY_TIMEOUT_FRACTION)} of the agent's longest capability timeout`;
          return [{
            expr: branches.join('\nor\n'),
            summary: 'MCP Mesh agent {{ $labels.namespace }}/{{ $labels.agent }} answers slowly (p99 {{ $value | humanizeDuration }})',
            description: `The 99th percentile of the response time of agent {{ $labels.agent }} (${meshText}) has been {{ $value | humanizeDuration }} for ${forText(McpAlert.AGENT_HIGH_LATENCY)}, `
              + `above {{ $labels.threshold }} (${reason}${traffic}). Calls near their capability timeout start failing.`,
          }];
        },
      });
      defs.push({
        name: McpAlert.AGENT_NOT_MESHED,
        severity: 'warning',
        render: () => {
          const podSel = (metric: string, extra: Array<readonly [string, '=', string]> = []) =>
            selector(metric, [['namespace', '=', ns], ['pod', '=~', s.agentPodRegex], ...extra]);
          const proxy: Array<readonly [string, '=', string]> = [['container', '=', meshMetrics.proxyContainer]];
          return [{
            expr: `label_replace(\n  max by (namespace, pod) (${podSel('kube_pod_info')})\n  unless on (namespace, pod)\n  (${podSel('kube_pod_container_info', proxy)} or ${podSel('kube_pod_init_container_info', proxy)}),\n  "agent", ${quote(s.agentPodReplacement)}, "pod", ${quote(s.agentPodRegex)}\n)`,
            summary: `MCP Mesh agent pod {{ $labels.namespace }}/{{ $labels.pod }} runs without the ${meshMetrics.proxyContainer} proxy`,
            description: `Pod {{ $labels.pod }} of agent {{ $labels.agent }} (${meshText}) has had no ${meshMetrics.proxyContainer} container for ${forText(McpAlert.AGENT_NOT_MESHED)}, `
              + `so none of its traffic is measured and its error and latency alerts cannot fire. Enable proxy injection for namespace {{ $labels.namespace }} and restart the agent.`,
          }];
        },
      });
    }
  }

  // ---- pods of every mesh workload (registry and agents) ----
  const podSel = (metric: string, extra: Array<readonly [string, '=', string]>) => selector(metric, [['namespace', '=', ns], ['pod', '=~', s.podRegex], ...extra]);
  const withWorkload = (expr: string) => `label_replace(\n  ${expr},\n  "workload", ${quote(s.workloadReplacement)}, "pod", ${quote(s.podRegex)}\n)`;
  defs.push({
    name: McpAlert.POD_CRASH_LOOPING,
    severity: 'warning',
    render: () => [{
      expr: withWorkload(`max_over_time(${podSel('kube_pod_container_status_waiting_reason', [['reason', '=', 'CrashLoopBackOff']])}[5m]) >= 1`),
      summary: 'MCP Mesh pod {{ $labels.namespace }}/{{ $labels.pod }} is crash looping',
      description: `Container {{ $labels.container }} of pod {{ $labels.pod }} ({{ $labels.workload }}, ${meshText}) has been in CrashLoopBackOff for ${forText(McpAlert.POD_CRASH_LOOPING)}. `
        + 'See why it exits: kubectl -n {{ $labels.namespace }} logs {{ $labels.pod }} -c {{ $labels.container }} --previous',
    }],
  });
  defs.push({
    name: McpAlert.POD_NOT_READY,
    severity: 'warning',
    render: () => [{
      expr: withWorkload(`max by (namespace, pod) (${podSel('kube_pod_status_ready', [['condition', '=', 'true']])}) == 0`),
      summary: 'MCP Mesh pod {{ $labels.namespace }}/{{ $labels.pod }} has not been ready for long',
      description: `Pod {{ $labels.pod }} ({{ $labels.workload }}, ${meshText}) has not been ready for ${forText(McpAlert.POD_NOT_READY)}: it gets no traffic. `
        + 'See its conditions and events: kubectl -n {{ $labels.namespace }} describe pod {{ $labels.pod }}',
    }],
  });
  // ---- secrets: the External Secrets Operator's own metrics (its /metrics, scraped by your Prometheus) ----
  if (mesh.externalSecrets.length > 0) {
    defs.push({
      name: McpAlert.EXTERNAL_SECRET_NOT_SYNCED,
      severity: 'warning',
      render: () => [{
        expr: `max by (namespace, name) (${selector('externalsecret_status_condition', [
          ['namespace', '=', ns], ['name', '=~', alternation(mesh.externalSecrets)], ['condition', '=', 'Ready'], ['status', '=', 'False'],
        ])}) == 1`,
        summary: 'The ExternalSecret {{ $labels.namespace }}/{{ $labels.name }} of MCP Mesh has not synced from its store',
        description: `The External Secrets Operator has not been able to sync ExternalSecret {{ $labels.namespace }}/{{ $labels.name }} (${meshText}) `
          + `for ${forText(McpAlert.EXTERNAL_SECRET_NOT_SYNCED)}: the Secret keeps its last values, or is missing, and pods that start now may fail. `
          + 'See why: kubectl -n {{ $labels.namespace }} describe externalsecret {{ $labels.name }}',
      }],
    });
  }
  return defs;
}

/** Agents grouped by p99 threshold: the fixed one, or a fraction of each agent's longest capability timeout. */
function latencyGroups(agents: readonly ObservedAgent[], fixed?: number): Array<{ thresholdSeconds: number; agents: string[] }> {
  if (fixed !== undefined) return [{ thresholdSeconds: fixed, agents: agents.map((a) => a.name) }];
  const byThreshold = new Map<number, string[]>();
  for (const agent of agents) {
    const t = Number((agent.longestTimeoutSeconds * DEFAULT_LATENCY_TIMEOUT_FRACTION).toPrecision(6));
    byThreshold.set(t, [...(byThreshold.get(t) ?? []), agent.name]);
  }
  return [...byThreshold].sort(([a], [b]) => a - b).map(([thresholdSeconds, names]) => ({ thresholdSeconds, agents: names }));
}

function percent(ratio: number): string {
  return `${promNumber(ratio * 100)}%`;
}
