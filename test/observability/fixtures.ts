import { Chart, Duration } from 'cdk8s';
import { AgentRuntime, McpMesh, McpMeshProps, NetworkPeer, RegistryStorage } from '../../src';
import { McpObservability, McpObservabilityOptions } from '../../src/observability';
import { K8sObject, synth } from '../util/synth';

export const rt = AgentRuntime.python({ image: 'ghcr.io/example/agent:1.0.0', script: 'agent.py' });

/** A PostgreSQL registry storage (any number of registry replicas). */
export function postgres(): RegistryStorage {
  return RegistryStorage.postgres({ urlSecret: { name: 'db', key: 'url' }, endpoint: { peer: NetworkPeer.podsInNamespace('databases'), port: 5432 } });
}

/** Two Secrets delivered by the External Secrets Operator (no agent of the travel mesh reads them). */
export const EXTERNAL_SECRETS: McpMeshProps['externalSecrets'] = {
  storeName: 'vault',
  secrets: [
    { secretName: 'llm-keys', data: [{ key: 'anthropic', remoteKey: 'travel/llm' }] },
    { secretName: 'registry-db', data: [{ key: 'url', remoteKey: 'travel/db' }] },
  ],
};

export interface Observed {
  readonly objects: K8sObject[];
  readonly obs: McpObservability;
  readonly mesh: McpMesh;
}

/**
 * The test mesh: namespace "travel", mesh "prod", SQLite registry; weather (one capability, 10 s, 2 replicas),
 * hotels (two capabilities, 30 s and 2 min) and planner (one capability, 1 min, calls both).
 */
export function travel(options: McpObservabilityOptions = {}, meshProps: McpMeshProps = {}, build?: (mesh: McpMesh, chart: Chart) => void): Observed {
  let obs: McpObservability | undefined;
  let mesh: McpMesh | undefined;
  const objects = synth((chart) => {
    mesh = new McpMesh(chart, 'Mesh', { namespace: 'travel', name: 'prod', ...meshProps });
    // Created before the agents on purpose: it must still cover every agent added later.
    obs = new McpObservability(chart, 'Observability', { mesh, ...options });
    mesh.addAgent({ name: 'weather', runtime: rt, replicas: 2, capabilities: [{ name: 'weather_forecast', timeout: Duration.seconds(10) }] });
    mesh.addAgent({ name: 'hotels', runtime: rt, capabilities: [{ name: 'hotel_search' }, { name: 'hotel_book', timeout: Duration.minutes(2) }] });
    mesh.addAgent({
      name: 'planner', runtime: rt, capabilities: [{ name: 'plan_trip', timeout: Duration.minutes(1) }], dependsOn: ['weather_forecast', 'hotel_search'],
    });
    build?.(mesh, chart);
  });
  return { objects, obs: obs!, mesh: mesh! };
}

export function ruleGroupsOf(objects: K8sObject[]): any[] {
  const rule = objects.find((o) => o.kind === 'PrometheusRule');
  if (rule === undefined) throw new Error('no PrometheusRule');
  return rule.spec.groups;
}

export function alertRule(objects: K8sObject[], alert: string): any {
  const found = ruleGroupsOf(objects).flatMap((g) => g.rules).filter((r: any) => r.alert === alert);
  if (found.length !== 1) throw new Error(`${found.length} rules for alert ${alert}`);
  return found[0];
}

/** The dashboards' JSON, by key (`overview`, `traffic`). */
export function dashboardsOf(objects: K8sObject[]): Record<string, any> {
  const out: Record<string, any> = {};
  for (const cm of objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-dashboard'))) {
    const [key, text] = Object.entries(cm.data as Record<string, string>)[0];
    out[key.replace(/\.json$/, '').split('-').pop()!] = JSON.parse(text);
  }
  return out;
}

/** Every PromQL expression of a dashboard's panels. */
export function dashboardExprs(dashboard: any): Array<{ panel: string; expr: string }> {
  return dashboard.panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => ({ panel: p.title, expr: t.expr })));
}

/**
 * Grafana's interpolation of the dashboards' variables, for checking the queries as Prometheus gets them:
 * `$__rate_interval` is at least four scrape intervals (4m at the tests' 1m interval), a multi-value `$agent`
 * becomes `(a|b|c)`.
 */
export function interpolate(expr: string, agents: string[]): string {
  return expr.replace(/\$__rate_interval/g, '4m').replace(/\$agent/g, `(${agents.join('|')})`);
}

/**
 * The metric names a PromQL expression reads: string literals, label matchers, ranges and grouping clauses
 * removed, then every identifier that is not a function, an operator keyword or a number.
 */
export function metricNames(expr: string): string[] {
  let s = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  s = s.replace(/\{[^}]*\}/g, ' ');
  s = s.replace(/\[[^\]]*\]/g, ' ');
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  s = s.replace(/\b(group_left|group_right)\b/g, ' ');
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'Inf', 'NaN']);
  const names = new Set<string>();
  for (const m of s.matchAll(/(?<![A-Za-z0-9_:.])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g)) {
    if (m[2] !== undefined || keywords.has(m[1])) continue;
    names.add(m[1]);
  }
  return [...names].sort();
}

/** Metric names by the component that produces them. */
export const KNOWN_SOURCES: Record<string, string[]> = {
  'kube-state-metrics': [
    'kube_deployment_spec_replicas', 'kube_deployment_status_replicas_available', 'kube_deployment_status_replicas_unavailable',
    'kube_pod_container_info', 'kube_pod_container_status_restarts_total', 'kube_pod_container_status_waiting_reason',
    'kube_pod_info', 'kube_pod_init_container_info', 'kube_pod_status_ready', 'kube_statefulset_replicas',
    'kube_statefulset_status_replicas_ready',
  ],
  'kubelet (/metrics, /metrics/probes)': ['kubelet_volume_stats_available_bytes', 'kubelet_volume_stats_capacity_bytes', 'prober_probe_total'],
  'cAdvisor (kubelet /metrics/cadvisor)': ['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes'],
  'Prometheus itself': ['ALERTS', 'up'],
  'MCP Mesh runtime /metrics (scrapeAgents)': ['mcp_mesh_up'],
  'Istio proxies': ['istio_request_duration_milliseconds_bucket', 'istio_requests_total'],
  'Linkerd proxies': ['response_latency_ms_bucket', 'response_total'],
  'External Secrets Operator /metrics': ['externalsecret_status_condition'],
};
