/**
 * The Grafana dashboards of a mesh, generated from the observed mesh: an overview (health of the registry and
 * the agents from kube-state-metrics and the kubelet, firing alerts) and, with a service mesh, the MCP traffic
 * (request rate, error ratio and latency per agent, per capability and per caller).
 */
import { createHash } from 'crypto';
import { DashboardSpec, Panel, Row, renderDashboard } from './grafana';
import { ObservedMesh, attributableCapabilities } from './observed-mesh';
import { regexEscape, selector, statefulSetPodRegex } from './promql';
import { MESH_LABEL, RECORDED_METRICS } from './rules';
import { ServiceMesh } from '../model/service-mesh';

export interface DashboardSettings {
  readonly serviceMesh: ServiceMesh;
  readonly scrapeAgents: boolean;
  readonly agentJob: string;
}

export interface RenderedDashboard {
  /** Short name: `overview` or `traffic`. */
  readonly key: string;
  readonly json: Record<string, unknown>;
}

const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';
/**
 * Pods of the agents picked in the `$agent` variable (Grafana writes a multi-value variable as `(a|b)` in a
 * regex). The optional `-` covers the pod names of long Deployment names, which Kubernetes cuts.
 */
const AGENT_PODS = `($agent)-${SAFE}{1,10}-?${SAFE}{5}`;

export function renderDashboards(mesh: ObservedMesh, settings: DashboardSettings): RenderedDashboard[] {
  const dashboards = [{ key: 'overview', json: renderDashboard(overview(mesh, settings)) }];
  if (settings.serviceMesh !== ServiceMesh.NONE) {
    dashboards.push({ key: 'traffic', json: renderDashboard(traffic(mesh, settings)) });
  }
  return dashboards;
}

function uid(mesh: ObservedMesh, key: string): string {
  return `mcp-mesh-${createHash('sha256').update(`${mesh.namespace}/${mesh.name}`).digest('hex').slice(0, 12)}-${key}`;
}

function agentVariable(mesh: ObservedMesh) {
  return { name: 'agent', label: 'Agent', values: mesh.agents.map((a) => a.name) };
}

function overview(mesh: ObservedMesh, settings: DashboardSettings): DashboardSpec {
  const ns = mesh.namespace;
  const reg = mesh.registry.name;
  const sts = (metric: string) => selector(metric, [['namespace', '=', ns], ['statefulset', '=', reg]]);
  const deploy = (metric: string) => selector(metric, [['namespace', '=', ns], ['deployment', '=~', '$agent']]);
  const agentPods = (metric: string, extra: Array<readonly [string, '=' | '!=', string]> = []) =>
    selector(metric, [['namespace', '=', ns], ['pod', '=~', AGENT_PODS], ...extra]);
  const perAgent = (expr: string) => `sum by (agent) (label_replace(${expr}, "agent", "$1", "pod", "${AGENT_PODS}"))`;
  const regPodRegex = statefulSetPodRegex(reg);
  const regPods = (metric: string, extra: Array<readonly [string, '=' | '!=', string]> = []) =>
    selector(metric, [['namespace', '=', ns], ['pod', '=~', regPodRegex], ...extra]);
  const containers: Array<readonly [string, '!=', string]> = [['container', '!=', ''], ['container', '!=', 'POD']];
  const alerts = selector('ALERTS', [['alertstate', '=', 'firing'], ['namespace', '=', ns], [MESH_LABEL, '=', mesh.name]]);

  const health: Panel[] = [
    {
      type: 'stat', title: 'Registry: ready replicas', width: 6,
      description: 'Ready replicas of the registry StatefulSet (kube-state-metrics). The registry has no metrics of its own; readiness is its /health probe.',
      targets: [{ expr: `sum(${sts('kube_statefulset_status_replicas_ready')})`, instant: true }],
      thresholds: [{ value: 0, color: 'red' }, { value: 1, color: 'green' }],
    },
    {
      type: 'stat', title: 'Agents with an available replica', width: 6,
      targets: [{ expr: `count(${deploy('kube_deployment_status_replicas_available')} > 0) or vector(0)`, instant: true }],
    },
    {
      type: 'stat', title: 'Agents without an available replica', width: 6,
      description: 'Agents that want replicas but have none available: their capabilities are gone from the mesh.',
      targets: [{
        expr: `count((${deploy('kube_deployment_status_replicas_available')} == 0) and on (namespace, deployment) (${deploy('kube_deployment_spec_replicas')} > 0)) or vector(0)`,
        instant: true,
      }],
      thresholds: [{ value: 0, color: 'green' }, { value: 1, color: 'red' }],
    },
    {
      type: 'stat', title: 'Firing alerts', width: 6,
      targets: [{ expr: `count(${alerts}) or vector(0)`, instant: true }],
      thresholds: [{ value: 0, color: 'green' }, { value: 1, color: 'orange' }],
    },
    {
      type: 'timeseries', title: 'Firing alerts by name', width: 24, height: 6,
      targets: [{ expr: `sum by (alertname, severity) (${alerts})`, legend: '{{alertname}} ({{severity}})' }],
      min: 0,
    },
  ];

  const agents: Panel[] = [
    {
      type: 'timeseries', title: 'Available replicas per agent', stacked: true, min: 0,
      targets: [{ expr: `sum by (deployment) (${deploy('kube_deployment_status_replicas_available')})`, legend: '{{deployment}}' }],
    },
    {
      type: 'timeseries', title: 'Unavailable replicas per agent', min: 0,
      targets: [{ expr: `sum by (deployment) (${deploy('kube_deployment_status_replicas_unavailable')})`, legend: '{{deployment}}' }],
    },
    {
      type: 'timeseries', title: 'Container restarts per agent (last hour)', min: 0,
      targets: [{ expr: perAgent(`increase(${agentPods('kube_pod_container_status_restarts_total')}[1h])`), legend: '{{agent}}' }],
    },
    {
      type: 'timeseries', title: 'Probe failures per agent', min: 0,
      description: 'Failed startup (/startupz), liveness (/livez) and readiness (/ready) probes, from the kubelet (/metrics/probes).',
      targets: [{
        expr: `sum by (agent, probe_type) (label_replace(increase(${agentPods('prober_probe_total', [['result', '=', 'failed']])}[$__rate_interval]), "agent", "$1", "pod", "${AGENT_PODS}"))`,
        legend: '{{agent}} {{probe_type}}',
      }],
    },
    {
      type: 'timeseries', title: 'CPU per agent', unit: 'cores', min: 0,
      targets: [{ expr: perAgent(`rate(${agentPods('container_cpu_usage_seconds_total', containers)}[$__rate_interval])`), legend: '{{agent}}' }],
    },
    {
      type: 'timeseries', title: 'Memory (working set) per agent', unit: 'bytes', min: 0,
      targets: [{ expr: perAgent(agentPods('container_memory_working_set_bytes', containers)), legend: '{{agent}}' }],
    },
  ];
  if (settings.scrapeAgents) {
    const scraped = (metric: string) => selector(metric, [['job', '=', settings.agentJob], ['namespace', '=', ns], ['agent', '=~', '$agent']]);
    agents.push(
      { type: 'timeseries', title: 'mcp_mesh_up per pod', min: 0, max: 1, targets: [{ expr: scraped('mcp_mesh_up'), legend: '{{agent}} {{pod}}' }] },
      {
        type: 'timeseries', title: 'Metrics scrape up per pod', min: 0, max: 1,
        description: 'Whether Prometheus could scrape /metrics (the runtime 3.7.1 answers 404 there, which shows as 0).',
        targets: [{ expr: scraped('up'), legend: '{{agent}} {{pod}}' }],
      },
    );
  }

  const registry: Panel[] = [
    {
      type: 'timeseries', title: 'Registry replicas', min: 0,
      targets: [
        { expr: sts('kube_statefulset_status_replicas_ready'), legend: 'ready' },
        { expr: sts('kube_statefulset_replicas'), legend: 'desired' },
      ],
    },
    {
      type: 'timeseries', title: 'Registry probe failures', min: 0,
      description: 'Failed /health probes of the registry pods (kubelet /metrics/probes): the only health signal the registry gives.',
      targets: [{ expr: `sum by (pod, probe_type) (increase(${regPods('prober_probe_total', [['result', '=', 'failed']])}[$__rate_interval]))`, legend: '{{pod}} {{probe_type}}' }],
    },
    {
      type: 'timeseries', title: 'Registry container restarts (last hour)', min: 0,
      targets: [{ expr: `sum by (pod) (increase(${regPods('kube_pod_container_status_restarts_total')}[1h]))`, legend: '{{pod}}' }],
    },
    {
      type: 'timeseries', title: 'Registry CPU', unit: 'cores', min: 0,
      targets: [{ expr: `sum by (pod) (rate(${regPods('container_cpu_usage_seconds_total', containers)}[$__rate_interval]))`, legend: '{{pod}}' }],
    },
    {
      type: 'timeseries', title: 'Registry memory (working set)', unit: 'bytes', min: 0,
      targets: [{ expr: `sum by (pod) (${regPods('container_memory_working_set_bytes', containers)})`, legend: '{{pod}}' }],
    },
  ];
  if (mesh.registry.claimTemplates.length > 0) {
    const claims = `(?:${mesh.registry.claimTemplates.map(regexEscape).join('|')})-${regexEscape(reg)}-(?:0|[1-9][0-9]*)`;
    const vol = (metric: string) => selector(metric, [['namespace', '=', ns], ['persistentvolumeclaim', '=~', claims]]);
    registry.push({
      type: 'timeseries', title: 'Registry SQLite volume used', unit: 'percentunit', min: 0, max: 1,
      targets: [{ expr: `1 - ${vol('kubelet_volume_stats_available_bytes')} / ${vol('kubelet_volume_stats_capacity_bytes')}`, legend: '{{persistentvolumeclaim}}' }],
    });
  }

  return {
    uid: uid(mesh, 'overview'),
    title: `MCP Mesh / ${ns} / ${mesh.name} / Overview`,
    description: `Health of MCP Mesh "${mesh.name}" in namespace ${ns}: registry and agents from kube-state-metrics and the kubelet. Generated by cdk8s-mcp-mesh; edits in Grafana are not kept.`,
    tags: ['mcp-mesh', mesh.name],
    variables: [agentVariable(mesh)],
    rows: [
      { title: 'Mesh health', panels: health },
      { title: 'Agents', panels: agents },
      { title: `Registry ${reg}`, panels: registry },
    ],
  };
}

function traffic(mesh: ObservedMesh, settings: DashboardSettings): DashboardSpec {
  const m = RECORDED_METRICS;
  const own = (metric: string, extra: Array<readonly [string, '=~', string]> = []) =>
    selector(metric, [['namespace', '=', mesh.namespace], [MESH_LABEL, '=', mesh.name], ...extra]);
  const agent = (metric: string) => own(metric, [['agent', '=~', '$agent']]);
  const proxies = settings.serviceMesh === ServiceMesh.ISTIO ? 'Istio' : 'Linkerd';
  const rows: Row[] = [{
    title: 'MCP requests per agent',
    panels: [
      { type: 'timeseries', title: 'Request rate', unit: 'reqps', min: 0, stacked: true, targets: [{ expr: agent(m.agentRequests), legend: '{{agent}}' }] },
      {
        type: 'timeseries', title: 'Error ratio', unit: 'percentunit', min: 0,
        description: '5xx responses and failed streams, as the proxies see them. MCP tool errors travel inside successful HTTP responses and are not counted.',
        targets: [{ expr: agent(m.agentErrorRatio), legend: '{{agent}}' }],
      },
      { type: 'timeseries', title: 'Latency p50', unit: 's', min: 0, width: 8, targets: [{ expr: agent(m.agentLatencyP50), legend: '{{agent}}' }] },
      { type: 'timeseries', title: 'Latency p95', unit: 's', min: 0, width: 8, targets: [{ expr: agent(m.agentLatencyP95), legend: '{{agent}}' }] },
      { type: 'timeseries', title: 'Latency p99', unit: 's', min: 0, width: 8, targets: [{ expr: agent(m.agentLatencyP99), legend: '{{agent}}' }] },
    ],
  }];
  const attributable = attributableCapabilities(mesh.agents);
  if (attributable.size > 0) {
    const shared = [...new Set(mesh.agents.flatMap((a) => a.capabilities.map((c) => c.name)))].filter((c) => !attributable.has(c)).sort();
    const note = shared.length > 0
      ? ` Not shown (their providers serve other capabilities on the same endpoint): ${shared.join(', ')}.`
      : '';
    rows.push({
      title: 'MCP requests per capability',
      panels: [
        { type: 'timeseries', title: 'Request rate per capability', unit: 'reqps', min: 0, width: 8, description: `Requests to the agents that provide only this capability.${note}`, targets: [{ expr: own(m.capabilityRequests), legend: '{{capability}}' }] },
        { type: 'timeseries', title: 'Error ratio per capability', unit: 'percentunit', min: 0, width: 8, targets: [{ expr: own(m.capabilityErrorRatio), legend: '{{capability}}' }] },
        { type: 'timeseries', title: 'Latency p95 per capability', unit: 's', min: 0, width: 8, targets: [{ expr: own(m.capabilityLatencyP95), legend: '{{capability}}' }] },
      ],
    });
  }
  rows.push({
    title: 'Calls between agents',
    panels: [{
      type: 'timeseries', title: 'Requests by caller', unit: 'reqps', min: 0, width: 24,
      description: 'Callers are named by the proxies (Istio workload, Linkerd identity); "unknown" is a client outside the service mesh.',
      targets: [{ expr: `sum by (caller_namespace, caller, agent) (${agent(m.callerRequests)})`, legend: '{{caller_namespace}}/{{caller}} → {{agent}}' }],
    }],
  });
  return {
    uid: uid(mesh, 'traffic'),
    title: `MCP Mesh / ${mesh.namespace} / ${mesh.name} / Traffic`,
    description: `MCP traffic of mesh "${mesh.name}" in namespace ${mesh.namespace}, measured by the ${proxies} proxies (all HTTP requests to the agents' port). Generated by cdk8s-mcp-mesh.`,
    tags: ['mcp-mesh', mesh.name],
    variables: [agentVariable(mesh)],
    rows,
  };
}
