/**
 * The synthesized rules and dashboard queries, checked by the real promtool (Prometheus 3.16): the rule files
 * parse and lint clean, every alert fires on failing series and stays silent on healthy ones and on series of
 * other namespaces and workloads, the recording rules compute what they promise from Istio and Linkerd
 * series, and every dashboard query parses and reads only metrics with a known source.
 */
import { Duration } from 'cdk8s';
import { ServiceMesh } from '../../src';
import { McpAlert, RECORDED_METRICS } from '../../src/observability';
import {
  EXTERNAL_SECRETS, KNOWN_SOURCES, alertRule, dashboardExprs, dashboardsOf, interpolate, metricNames, postgres, ruleGroupsOf, travel,
} from './fixtures';
import { AlertTest, RuleTest, SKIP_PROMTOOL, checkRules, promtool, testRules } from './promtool';

const maybe = SKIP_PROMTOOL ? describe.skip : describe;

// Pod names as Kubernetes generates them (hash and suffix in the alphabet of k8s.io/apimachinery/pkg/util/rand).
const WEATHER_POD = 'weather-6d4f8b7c9d-x2x5z';
const HOTELS_POD = 'hotels-7c9d6f8b4-bq2zt';
const PLANNER_POD = 'planner-58d9c7f6b4-k8m2p';
const REGISTRY_POD = 'mcp-mesh-registry-0';
const KSM = { job: 'kube-state-metrics' };

type Labels = Record<string, string>;

function s(metric: string, labels: Labels, values: string) {
  return { series: `${metric}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(', ')}}`, values };
}

/** The annotations Prometheus renders for an alert of `rule` with these labels; `value` is `$value` as formatted. */
function expand(rule: any, labels: Labels, value?: string): Labels {
  const out: Labels = {};
  for (const [key, template] of Object.entries(rule.annotations as Labels)) {
    out[key] = template
      .replace(/\{\{\s*\$labels\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, name: string) => labels[name] ?? '')
      .replace(/\{\{\s*\$value(\s*\|\s*[A-Za-z]+)?\s*\}\}/g, () => {
        if (value === undefined) throw new Error(`annotation ${key} of ${rule.alert} prints $value: give the test its formatted value`);
        return value;
      });
    if (out[key].includes('{{')) throw new Error(`unexpanded template in ${rule.alert}.${key}: ${out[key]}`);
  }
  return out;
}

interface Scenario {
  /** What the series show. */
  readonly name: string;
  readonly alert: McpAlert;
  readonly series: Array<{ series: string; values: string }>;
  readonly at: string;
  /** The alerts expected at `at`: their series labels and the formatted $value. Empty: silent. */
  readonly fires: Array<{ labels: Labels; value?: string }>;
}

function toTests(objects: any[], scenarios: Scenario[]): RuleTest[] {
  return scenarios.map((sc) => {
    const rule = alertRule(objects, sc.alert);
    const test: AlertTest = {
      eval_time: sc.at,
      alertname: sc.alert,
      exp_alerts: sc.fires.map((f) => {
        const labels = { ...f.labels, mcp_mesh: 'prod', severity: rule.labels.severity };
        return { exp_labels: labels, exp_annotations: expand(rule, labels, f.value) };
      }),
    };
    return { name: `${sc.alert}: ${sc.name}`, input_series: sc.series, alert_rule_test: [test] };
  });
}

function expectPass(result: { ok: boolean; output: string }): void {
  if (!result.ok) throw new Error(`promtool failed:\n${result.output}`);
}

maybe('promtool', () => {
  beforeAll(() => {
    promtool();
  }, 20 * 60 * 1000);

  describe('check rules', () => {
    const configs: Record<string, Parameters<typeof travel>> = {
      'default (no service mesh, no agent scraping)': [{}],
      'Istio and agent scraping': [{ scrapeAgents: true }, { serviceMesh: ServiceMesh.ISTIO }],
      'Linkerd': [{}, { serviceMesh: ServiceMesh.LINKERD }],
      'PostgreSQL registry with 3 replicas, fixed latency threshold': [
        { alerts: { latencyP99Threshold: Duration.seconds(5) } },
        { serviceMesh: ServiceMesh.ISTIO, registry: { replicas: 3, storage: postgres() } },
      ],
    };
    for (const [name, args] of Object.entries(configs)) {
      test(name, () => {
        const groups = ruleGroupsOf(travel(...args).objects);
        expectPass(checkRules(groups));
      });
    }

    test('rejects what it should (the check is real): a broken expression fails', () => {
      const groups = ruleGroupsOf(travel().objects);
      groups[0].rules[0].expr = 'sum by (namespace (kube_pod_info)';
      const result = checkRules(groups);
      expect(result.ok).toBe(false);
      expect(result.output).toMatch(/parse error/);
    });
  });

  test('every alert fires on failing series and stays silent on healthy and out-of-scope series (Istio, agent scraping)', () => {
    const { objects } = travel({ scrapeAgents: true }, { serviceMesh: ServiceMesh.ISTIO, externalSecrets: EXTERNAL_SECRETS });
    const sts = { ...KSM, namespace: 'travel', statefulset: 'mcp-mesh-registry' };
    const dep = (deployment: string, namespace = 'travel') => ({ ...KSM, namespace, deployment });
    const pvc = { job: 'kubelet', metrics_path: '/metrics', namespace: 'travel', node: 'node-1', persistentvolumeclaim: 'data-mcp-mesh-registry-0' };
    const scrape = (pod: string, agent: string) => ({ agent, instance: '10.0.0.7:8080', job: 'travel/prod-agents', mcp_mesh: 'prod', namespace: 'travel', pod });
    const istio = (agent: string, code: string, extra: Labels = {}) => ({
      destination_workload: agent, destination_workload_namespace: 'travel', reporter: 'destination', response_code: code,
      source_workload: 'planner', source_workload_namespace: 'travel', ...extra,
    });
    const eso = (name: string) => ({ condition: 'Ready', job: 'external-secrets', name, namespace: 'travel' });
    const bucket = (agent: string, le: string) => ({ destination_workload: agent, destination_workload_namespace: 'travel', le, reporter: 'destination' });

    const scenarios: Scenario[] = [
      // ---- registry ----
      {
        name: 'no ready replica', alert: McpAlert.REGISTRY_DOWN, at: '5m',
        series: [s('kube_statefulset_status_replicas_ready', sts, '0x10')],
        fires: [{ labels: sts }],
      },
      { name: 'still pending after 1m (for: 2m)', alert: McpAlert.REGISTRY_DOWN, at: '1m', series: [s('kube_statefulset_status_replicas_ready', sts, '0x10')], fires: [] },
      { name: 'ready', alert: McpAlert.REGISTRY_DOWN, at: '5m', series: [s('kube_statefulset_status_replicas_ready', sts, '1x10')], fires: [] },
      {
        name: 'other namespace, other StatefulSet', alert: McpAlert.REGISTRY_DOWN, at: '5m',
        series: [
          s('kube_statefulset_status_replicas_ready', { ...sts, namespace: 'other' }, '0x10'),
          s('kube_statefulset_status_replicas_ready', { ...sts, statefulset: 'redis' }, '0x10'),
        ],
        fires: [],
      },
      {
        name: 'no kube-state-metrics series at all', alert: McpAlert.REGISTRY_METRICS_ABSENT, at: '20m',
        series: [s('kube_statefulset_replicas', { ...sts, statefulset: 'redis' }, '1x30')],
        fires: [{ labels: { namespace: 'travel', statefulset: 'mcp-mesh-registry' } }],
      },
      { name: 'series present', alert: McpAlert.REGISTRY_METRICS_ABSENT, at: '20m', series: [s('kube_statefulset_replicas', sts, '1x30')], fires: [] },
      {
        name: '10% free', alert: McpAlert.REGISTRY_VOLUME_FILLING_UP, at: '15m',
        series: [s('kubelet_volume_stats_available_bytes', pvc, '100x20'), s('kubelet_volume_stats_capacity_bytes', pvc, '1000x20')],
        fires: [{ labels: pvc, value: '10%' }],
      },
      {
        name: '50% free; another claim nearly full', alert: McpAlert.REGISTRY_VOLUME_FILLING_UP, at: '15m',
        series: [
          s('kubelet_volume_stats_available_bytes', pvc, '500x20'), s('kubelet_volume_stats_capacity_bytes', pvc, '1000x20'),
          s('kubelet_volume_stats_available_bytes', { ...pvc, persistentvolumeclaim: 'data-postgres-0' }, '10x20'),
          s('kubelet_volume_stats_capacity_bytes', { ...pvc, persistentvolumeclaim: 'data-postgres-0' }, '1000x20'),
        ],
        fires: [],
      },
      {
        name: '34.8% free and shrinking by 10 bytes a minute', alert: McpAlert.REGISTRY_VOLUME_FULL_SOON, at: '7h',
        series: [s('kubelet_volume_stats_available_bytes', pvc, '39000-10x500'), s('kubelet_volume_stats_capacity_bytes', pvc, '100000x500')],
        fires: [{ labels: pvc, value: '34.8%' }],
      },
      {
        name: 'same level, flat', alert: McpAlert.REGISTRY_VOLUME_FULL_SOON, at: '7h',
        series: [s('kubelet_volume_stats_available_bytes', pvc, '34800x500'), s('kubelet_volume_stats_capacity_bytes', pvc, '100000x500')],
        fires: [],
      },

      // ---- agents: kube-state-metrics ----
      {
        name: 'weather wants 2 replicas, has none', alert: McpAlert.AGENT_UNAVAILABLE, at: '10m',
        series: [
          s('kube_deployment_status_replicas_available', dep('weather'), '0x20'), s('kube_deployment_spec_replicas', dep('weather'), '2x20'),
          s('kube_deployment_status_replicas_available', dep('hotels'), '1x20'), s('kube_deployment_spec_replicas', dep('hotels'), '1x20'),
        ],
        fires: [{ labels: { ...dep('weather'), agent: 'weather' } }],
      },
      {
        name: 'scaled to zero on purpose; a Deployment that is no agent; an agent name in another namespace', alert: McpAlert.AGENT_UNAVAILABLE, at: '10m',
        series: [
          s('kube_deployment_status_replicas_available', dep('weather'), '0x20'), s('kube_deployment_spec_replicas', dep('weather'), '0x20'),
          s('kube_deployment_status_replicas_available', dep('redis'), '0x20'), s('kube_deployment_spec_replicas', dep('redis'), '1x20'),
          s('kube_deployment_status_replicas_available', dep('hotels', 'other'), '0x20'), s('kube_deployment_spec_replicas', dep('hotels', 'other'), '1x20'),
        ],
        fires: [],
      },
      {
        name: 'one weather replica unavailable for 20m', alert: McpAlert.AGENT_REPLICAS_UNAVAILABLE, at: '20m',
        series: [s('kube_deployment_status_replicas_unavailable', dep('weather'), '1x30'), s('kube_deployment_status_replicas_unavailable', dep('hotels'), '0x30')],
        fires: [{ labels: { ...dep('weather'), agent: 'weather' }, value: '1' }],
      },
      {
        name: 'unavailable for 10m only (for: 15m); other Deployments', alert: McpAlert.AGENT_REPLICAS_UNAVAILABLE, at: '20m',
        series: [
          s('kube_deployment_status_replicas_unavailable', dep('weather'), '0x10 1x20'),
          s('kube_deployment_status_replicas_unavailable', dep('weather-eu'), '3x30'),
        ],
        fires: [],
      },

      // ---- agents: their own metrics ----
      {
        name: 'scrape fails (what runtime 3.7.1 does: /metrics is 404) or mcp_mesh_up is 0', alert: McpAlert.AGENT_DOWN, at: '10m',
        series: [
          s('up', scrape(WEATHER_POD, 'weather'), '0x20'),
          s('up', scrape(HOTELS_POD, 'hotels'), '1x20'),
          s('mcp_mesh_up', { ...scrape(HOTELS_POD, 'hotels'), exported_agent: HOTELS_POD }, '0x20'),
          s('up', scrape(PLANNER_POD, 'planner'), '1x20'),
          s('mcp_mesh_up', { ...scrape(PLANNER_POD, 'planner'), exported_agent: PLANNER_POD }, '1x20'),
        ],
        fires: [
          { labels: scrape(WEATHER_POD, 'weather') },
          { labels: { ...scrape(HOTELS_POD, 'hotels'), exported_agent: HOTELS_POD } },
        ],
      },
      {
        name: 'up, and a failing target of another job', alert: McpAlert.AGENT_DOWN, at: '10m',
        series: [
          s('up', scrape(WEATHER_POD, 'weather'), '1x20'),
          s('mcp_mesh_up', scrape(WEATHER_POD, 'weather'), '1x20'),
          s('up', { ...scrape(WEATHER_POD, 'weather'), job: 'travel/other' }, '0x20'),
        ],
        fires: [],
      },
      {
        name: 'weather has replicas but reports no mcp_mesh_up', alert: McpAlert.AGENT_METRICS_ABSENT, at: '20m',
        series: [
          s('kube_deployment_spec_replicas', dep('weather'), '2x30'),
          s('kube_deployment_spec_replicas', dep('hotels'), '1x30'),
          s('mcp_mesh_up', scrape(HOTELS_POD, 'hotels'), '1x30'),
        ],
        fires: [{ labels: { ...dep('weather'), agent: 'weather' } }],
      },
      {
        name: 'every agent reports', alert: McpAlert.AGENT_METRICS_ABSENT, at: '20m',
        series: [s('kube_deployment_spec_replicas', dep('weather'), '2x30'), s('mcp_mesh_up', scrape(WEATHER_POD, 'weather'), '1x30')],
        fires: [],
      },

      // ---- pods ----
      {
        name: 'an agent and the registry in CrashLoopBackOff', alert: McpAlert.POD_CRASH_LOOPING, at: '15m',
        series: [
          s('kube_pod_container_status_waiting_reason', { ...KSM, container: 'agent', namespace: 'travel', pod: WEATHER_POD, reason: 'CrashLoopBackOff', uid: 'u1' }, '1x20'),
          s('kube_pod_container_status_waiting_reason', { ...KSM, container: 'registry', namespace: 'travel', pod: REGISTRY_POD, reason: 'CrashLoopBackOff', uid: 'u2' }, '1x20'),
        ],
        fires: [
          { labels: { ...KSM, container: 'agent', namespace: 'travel', pod: WEATHER_POD, reason: 'CrashLoopBackOff', uid: 'u1', workload: 'weather' } },
          { labels: { ...KSM, container: 'registry', namespace: 'travel', pod: REGISTRY_POD, reason: 'CrashLoopBackOff', uid: 'u2', workload: 'mcp-mesh-registry' } },
        ],
      },
      {
        name: 'pods of other Deployments ("weather-b2", "redis"), another namespace, a pod waiting for another reason', alert: McpAlert.POD_CRASH_LOOPING, at: '15m',
        series: [
          s('kube_pod_container_status_waiting_reason', { ...KSM, container: 'c', namespace: 'travel', pod: 'weather-b2-7c9d6f8b4-x2x5z', reason: 'CrashLoopBackOff', uid: 'u3' }, '1x20'),
          s('kube_pod_container_status_waiting_reason', { ...KSM, container: 'c', namespace: 'travel', pod: 'redis-7c9d6f8b4-x2x5z', reason: 'CrashLoopBackOff', uid: 'u4' }, '1x20'),
          s('kube_pod_container_status_waiting_reason', { ...KSM, container: 'agent', namespace: 'other', pod: WEATHER_POD, reason: 'CrashLoopBackOff', uid: 'u5' }, '1x20'),
          s('kube_pod_container_status_waiting_reason', { ...KSM, container: 'agent', namespace: 'travel', pod: HOTELS_POD, reason: 'ImagePullBackOff', uid: 'u6' }, '1x20'),
        ],
        fires: [],
      },
      {
        name: 'hotels pod not ready for 20m', alert: McpAlert.POD_NOT_READY, at: '20m',
        series: [
          s('kube_pod_status_ready', { ...KSM, condition: 'true', namespace: 'travel', pod: HOTELS_POD, uid: 'u1' }, '0x30'),
          s('kube_pod_status_ready', { ...KSM, condition: 'true', namespace: 'travel', pod: PLANNER_POD, uid: 'u2' }, '1x30'),
        ],
        fires: [{ labels: { namespace: 'travel', pod: HOTELS_POD, workload: 'hotels' } }],
      },
      {
        name: 'ready; not ready for 10m only (for: 15m)', alert: McpAlert.POD_NOT_READY, at: '20m',
        series: [
          s('kube_pod_status_ready', { ...KSM, condition: 'true', namespace: 'travel', pod: HOTELS_POD, uid: 'u1' }, '1x30'),
          s('kube_pod_status_ready', { ...KSM, condition: 'true', namespace: 'travel', pod: WEATHER_POD, uid: 'u2' }, '1x10 0x20'),
        ],
        fires: [],
      },

      // ---- secrets (External Secrets Operator metrics: one series per condition status, 1 for the current one) ----
      {
        name: 'llm-keys not Ready for 15m', alert: McpAlert.EXTERNAL_SECRET_NOT_SYNCED, at: '15m',
        series: [
          s('externalsecret_status_condition', { ...eso('llm-keys'), status: 'False' }, '1x30'),
          s('externalsecret_status_condition', { ...eso('llm-keys'), status: 'True' }, '0x30'),
          s('externalsecret_status_condition', { ...eso('registry-db'), status: 'False' }, '0x30'),
          s('externalsecret_status_condition', { ...eso('registry-db'), status: 'True' }, '1x30'),
        ],
        fires: [{ labels: { name: 'llm-keys', namespace: 'travel' } }],
      },
      {
        name: 'Ready; failing for 5m only (for: 10m); another namespace; an ExternalSecret of another app', alert: McpAlert.EXTERNAL_SECRET_NOT_SYNCED, at: '15m',
        series: [
          s('externalsecret_status_condition', { ...eso('llm-keys'), status: 'False' }, '0x25 1x5'),
          s('externalsecret_status_condition', { ...eso('registry-db'), status: 'True' }, '1x30'),
          s('externalsecret_status_condition', { ...eso('llm-keys'), namespace: 'other', status: 'False' }, '1x30'),
          s('externalsecret_status_condition', { ...eso('billing-keys'), status: 'False' }, '1x30'),
        ],
        fires: [],
      },

      // ---- traffic (Istio) ----
      {
        name: '1 in 6 requests to weather fail', alert: McpAlert.AGENT_HIGH_ERROR_RATIO, at: '20m',
        series: [
          s('istio_requests_total', istio('weather', '200'), '0+10x30'),
          s('istio_requests_total', istio('weather', '500'), '0+2x30'),
          s('istio_requests_total', istio('hotels', '200'), '0+10x30'),
        ],
        fires: [{ labels: { agent: 'weather', mcp_mesh: 'prod', namespace: 'travel' }, value: '16.67%' }],
      },
      {
        name: 'every request fails, but only one every two minutes (below minRequestsPerMinute)', alert: McpAlert.AGENT_HIGH_ERROR_RATIO, at: '20m',
        series: [s('istio_requests_total', istio('weather', '500'), '0+0.5x30')],
        fires: [],
      },
      {
        name: 'errors seen only by the caller\'s sidecar (reporter="source") and in another namespace', alert: McpAlert.AGENT_HIGH_ERROR_RATIO, at: '20m',
        series: [
          s('istio_requests_total', istio('weather', '200'), '0+10x30'),
          s('istio_requests_total', istio('weather', '500', { reporter: 'source' }), '0+10x30'),
          s('istio_requests_total', istio('weather', '500', { destination_workload_namespace: 'other' }), '0+10x30'),
        ],
        fires: [],
      },
      {
        name: 'weather p99 29.8s (threshold 8s: 80% of its 10s timeout); planner as slow but its threshold is 48s', alert: McpAlert.AGENT_HIGH_LATENCY, at: '20m',
        series: [
          ...['weather', 'planner'].flatMap((agent) => [
            s('istio_request_duration_milliseconds_bucket', bucket(agent, '1000'), '0x30'),
            s('istio_request_duration_milliseconds_bucket', bucket(agent, '10000'), '0x30'),
            s('istio_request_duration_milliseconds_bucket', bucket(agent, '30000'), '0+10x30'),
            s('istio_request_duration_milliseconds_bucket', bucket(agent, '+Inf'), '0+10x30'),
            s('istio_requests_total', istio(agent, '200'), '0+10x30'),
          ]),
        ],
        fires: [{ labels: { agent: 'weather', mcp_mesh: 'prod', namespace: 'travel', threshold: '8s' }, value: '29.8s' }],
      },
      {
        name: 'weather answers within a second', alert: McpAlert.AGENT_HIGH_LATENCY, at: '20m',
        series: [
          s('istio_request_duration_milliseconds_bucket', bucket('weather', '1000'), '0+10x30'),
          s('istio_request_duration_milliseconds_bucket', bucket('weather', '+Inf'), '0+10x30'),
          s('istio_requests_total', istio('weather', '200'), '0+10x30'),
        ],
        fires: [],
      },
      {
        name: 'a weather pod without istio-proxy', alert: McpAlert.AGENT_NOT_MESHED, at: '20m',
        series: [
          s('kube_pod_info', { ...KSM, namespace: 'travel', pod: WEATHER_POD, node: 'n1' }, '1x30'),
          s('kube_pod_container_info', { ...KSM, container: 'agent', namespace: 'travel', pod: WEATHER_POD }, '1x30'),
          s('kube_pod_info', { ...KSM, namespace: 'travel', pod: HOTELS_POD, node: 'n1' }, '1x30'),
          s('kube_pod_container_info', { ...KSM, container: 'istio-proxy', namespace: 'travel', pod: HOTELS_POD }, '1x30'),
        ],
        fires: [{ labels: { agent: 'weather', namespace: 'travel', pod: WEATHER_POD } }],
      },
      {
        name: 'sidecar and native sidecar (init container); the registry, which is not an agent', alert: McpAlert.AGENT_NOT_MESHED, at: '20m',
        series: [
          s('kube_pod_info', { ...KSM, namespace: 'travel', pod: WEATHER_POD, node: 'n1' }, '1x30'),
          s('kube_pod_container_info', { ...KSM, container: 'istio-proxy', namespace: 'travel', pod: WEATHER_POD }, '1x30'),
          s('kube_pod_info', { ...KSM, namespace: 'travel', pod: HOTELS_POD, node: 'n1' }, '1x30'),
          s('kube_pod_init_container_info', { ...KSM, container: 'istio-proxy', namespace: 'travel', pod: HOTELS_POD }, '1x30'),
          s('kube_pod_info', { ...KSM, namespace: 'travel', pod: REGISTRY_POD, node: 'n1' }, '1x30'),
        ],
        fires: [],
      },
    ];
    const covered = new Set(scenarios.map((sc) => sc.alert));
    const rendered = ruleGroupsOf(objects).flatMap((g: any) => g.rules).filter((r: any) => r.alert).map((r: any) => r.alert);
    // Every rendered alert has a firing scenario and a silent one.
    for (const alert of rendered) {
      expect([alert, scenarios.some((sc) => sc.alert === alert && sc.fires.length > 0)]).toEqual([alert, true]);
      expect([alert, scenarios.some((sc) => sc.alert === alert && sc.fires.length === 0)]).toEqual([alert, true]);
    }
    expect([...covered].sort()).toEqual([...new Set(rendered)].sort());
    expectPass(testRules(ruleGroupsOf(objects), toTests(objects, scenarios)));
  });

  test('with a replicated registry (PostgreSQL), McpMeshRegistryDegraded fires on fewer ready replicas than desired, not when all or none are ready', () => {
    const { objects } = travel({}, { registry: { replicas: 3, storage: postgres() } });
    const sts = { ...KSM, namespace: 'travel', statefulset: 'mcp-mesh-registry' };
    const scenarios: Scenario[] = [
      {
        name: '2 of 3 ready', alert: McpAlert.REGISTRY_DEGRADED, at: '15m',
        series: [s('kube_statefulset_status_replicas_ready', sts, '2x20'), s('kube_statefulset_replicas', sts, '3x20')],
        fires: [{ labels: sts, value: '2' }],
      },
      {
        name: '3 of 3 ready; 0 of 3 (that is McpMeshRegistryDown)', alert: McpAlert.REGISTRY_DEGRADED, at: '15m',
        series: [
          s('kube_statefulset_status_replicas_ready', sts, '3x20'), s('kube_statefulset_replicas', sts, '3x20'),
          s('kube_statefulset_status_replicas_ready', { ...sts, job: 'ksm-2' }, '0x20'), s('kube_statefulset_replicas', { ...sts, job: 'ksm-2' }, '3x20'),
        ],
        fires: [],
      },
    ];
    // No SQLite volume on PostgreSQL, so no volume alerts.
    expect(ruleGroupsOf(objects).flatMap((g: any) => g.rules).map((r: any) => r.alert)).not.toContain(McpAlert.REGISTRY_VOLUME_FILLING_UP);
    expectPass(testRules(ruleGroupsOf(objects), toTests(objects, scenarios)));
  });

  test('Linkerd: error ratio and latency alerts from the inbound side of the agents\' proxies, without probes', () => {
    const { objects } = travel({}, { serviceMesh: ServiceMesh.LINKERD });
    const ld = (agent: string, extra: Labels) => ({
      client_id: 'planner.travel.serviceaccount.identity.linkerd.cluster.local', deployment: agent, direction: 'inbound',
      namespace: 'travel', pod: agent === 'weather' ? WEATHER_POD : HOTELS_POD, route_name: 'default', tls: 'true', ...extra,
    });
    const scenarios: Scenario[] = [
      {
        name: '1 in 6 requests to hotels fail', alert: McpAlert.AGENT_HIGH_ERROR_RATIO, at: '20m',
        series: [
          s('response_total', ld('hotels', { classification: 'success', status_code: '200' }), '0+10x30'),
          s('response_total', ld('hotels', { classification: 'failure', status_code: '502' }), '0+2x30'),
        ],
        fires: [{ labels: { agent: 'hotels', mcp_mesh: 'prod', namespace: 'travel' }, value: '16.67%' }],
      },
      {
        name: 'failing kubelet probes (route "probe") and outbound failures do not count', alert: McpAlert.AGENT_HIGH_ERROR_RATIO, at: '20m',
        series: [
          s('response_total', ld('hotels', { classification: 'success', status_code: '200' }), '0+10x30'),
          s('response_total', ld('hotels', { classification: 'failure', status_code: '503', route_name: 'probe', client_id: '', tls: 'no_identity' }), '0+10x30'),
          s('response_total', ld('hotels', { classification: 'failure', status_code: '503', direction: 'outbound' }), '0+10x30'),
        ],
        fires: [],
      },
      {
        name: 'hotels p99 above 96s (80% of its 2 min timeout)', alert: McpAlert.AGENT_HIGH_LATENCY, at: '20m',
        series: [
          s('response_latency_ms_bucket', ld('hotels', { le: '100000', status_code: '200' }), '0x30'),
          s('response_latency_ms_bucket', ld('hotels', { le: '200000', status_code: '200' }), '0+10x30'),
          s('response_latency_ms_bucket', ld('hotels', { le: '+Inf', status_code: '200' }), '0+10x30'),
          s('response_total', ld('hotels', { classification: 'success', status_code: '200' }), '0+10x30'),
        ],
        fires: [{ labels: { agent: 'hotels', mcp_mesh: 'prod', namespace: 'travel', threshold: '96s' }, value: '3m 19s' }],
      },
      {
        name: 'hotels p99 of 9.9s is fine for a 2 min capability', alert: McpAlert.AGENT_HIGH_LATENCY, at: '20m',
        series: [
          s('response_latency_ms_bucket', ld('hotels', { le: '10000', status_code: '200' }), '0+10x30'),
          s('response_latency_ms_bucket', ld('hotels', { le: '+Inf', status_code: '200' }), '0+10x30'),
          s('response_total', ld('hotels', { classification: 'success', status_code: '200' }), '0+10x30'),
        ],
        fires: [],
      },
      {
        name: 'a hotels pod without linkerd-proxy', alert: McpAlert.AGENT_NOT_MESHED, at: '20m',
        series: [s('kube_pod_info', { ...KSM, namespace: 'travel', pod: HOTELS_POD, node: 'n1' }, '1x30')],
        fires: [{ labels: { agent: 'hotels', namespace: 'travel', pod: HOTELS_POD } }],
      },
      {
        name: 'injected', alert: McpAlert.AGENT_NOT_MESHED, at: '20m',
        series: [
          s('kube_pod_info', { ...KSM, namespace: 'travel', pod: HOTELS_POD, node: 'n1' }, '1x30'),
          s('kube_pod_container_info', { ...KSM, container: 'linkerd-proxy', namespace: 'travel', pod: HOTELS_POD }, '1x30'),
        ],
        fires: [],
      },
    ];
    expectPass(testRules(ruleGroupsOf(objects), toTests(objects, scenarios)));
  });

  test('Istio recording rules: per agent (destination side only, this namespace, agents only), per caller, per attributable capability', () => {
    const { objects } = travel({}, { serviceMesh: ServiceMesh.ISTIO });
    const m = RECORDED_METRICS;
    const istio = (agent: string, code: string, extra: Labels = {}, values = '0+60x20') => s('istio_requests_total', {
      destination_workload: agent, destination_workload_namespace: 'travel', reporter: 'destination', response_code: code,
      source_workload: 'planner', source_workload_namespace: 'travel', ...extra,
    }, values);
    const own = 'mcp_mesh="prod", namespace="travel"';
    const test: RuleTest = {
      name: 'istio recording rules',
      input_series: [
        istio('weather', '200'),
        istio('weather', '200', { reporter: 'source' }),
        istio('weather', '503', { source_workload: 'unknown', source_workload_namespace: 'unknown' }, '0+30x20'),
        istio('hotels', '200', {}, '0+120x20'),
        istio('weather', '200', { destination_workload_namespace: 'other' }, '0+600x20'),
        istio('redis', '200', {}, '0+600x20'),
      ],
      promql_expr_test: [
        {
          expr: m.agentRequests, eval_time: '10m',
          exp_samples: [
            { labels: `${m.agentRequests}{agent="hotels", ${own}}`, value: 2 },
            { labels: `${m.agentRequests}{agent="weather", ${own}}`, value: 1.5 },
          ],
        },
        {
          expr: m.agentErrorRatio, eval_time: '10m',
          exp_samples: [
            { labels: `${m.agentErrorRatio}{agent="hotels", ${own}}`, value: 0 },
            { labels: `${m.agentErrorRatio}{agent="weather", ${own}}`, value: 1 / 3 },
          ],
        },
        {
          expr: m.callerRequests, eval_time: '10m',
          exp_samples: [
            { labels: `${m.callerRequests}{agent="hotels", caller="planner", caller_namespace="travel", ${own}}`, value: 2 },
            { labels: `${m.callerRequests}{agent="weather", caller="planner", caller_namespace="travel", ${own}}`, value: 1 },
            { labels: `${m.callerRequests}{agent="weather", caller="unknown", caller_namespace="unknown", ${own}}`, value: 0.5 },
          ],
        },
        {
          // hotel_search and hotel_book share hotels' endpoint: no per-capability series for them.
          expr: m.capabilityRequests, eval_time: '10m',
          exp_samples: [{ labels: `${m.capabilityRequests}{capability="weather_forecast", ${own}}`, value: 1.5 }],
        },
        {
          expr: m.agentCapabilityInfo, eval_time: '1m',
          exp_samples: [
            { labels: `${m.agentCapabilityInfo}{agent="hotels", attributable="false", capability="hotel_book", ${own}, version="1.0.0"}`, value: 1 },
            { labels: `${m.agentCapabilityInfo}{agent="hotels", attributable="false", capability="hotel_search", ${own}, version="1.0.0"}`, value: 1 },
            { labels: `${m.agentCapabilityInfo}{agent="planner", attributable="true", capability="plan_trip", ${own}, version="1.0.0"}`, value: 1 },
            { labels: `${m.agentCapabilityInfo}{agent="weather", attributable="true", capability="weather_forecast", ${own}, version="1.0.0"}`, value: 1 },
          ],
        },
      ],
    };
    expectPass(testRules(ruleGroupsOf(objects), [test]));
  });

  test('Linkerd recording rules: inbound only, no probes, callers from mTLS identities, latency quantiles in seconds', () => {
    const { objects } = travel({}, { serviceMesh: ServiceMesh.LINKERD });
    const m = RECORDED_METRICS;
    const base = {
      client_id: 'planner.travel.serviceaccount.identity.linkerd.cluster.local', deployment: 'weather', direction: 'inbound',
      namespace: 'travel', pod: WEATHER_POD, route_name: 'default', tls: 'true',
    };
    const own = 'mcp_mesh="prod", namespace="travel"';
    const test: RuleTest = {
      name: 'linkerd recording rules',
      input_series: [
        s('response_total', { ...base, classification: 'success', status_code: '200' }, '0+60x20'),
        s('response_total', { ...base, classification: 'failure', status_code: '500' }, '0+6x20'),
        s('response_total', { ...base, classification: 'success', client_id: '', route_name: 'probe', status_code: '200', tls: 'no_identity' }, '0+600x20'),
        s('response_total', { ...base, classification: 'success', direction: 'outbound', status_code: '200' }, '0+600x20'),
        s('response_latency_ms_bucket', { ...base, le: '100', status_code: '200' }, '0+30x20'),
        s('response_latency_ms_bucket', { ...base, le: '1000', status_code: '200' }, '0+66x20'),
        s('response_latency_ms_bucket', { ...base, le: '+Inf', status_code: '200' }, '0+66x20'),
      ],
      promql_expr_test: [
        { expr: m.agentRequests, eval_time: '10m', exp_samples: [{ labels: `${m.agentRequests}{agent="weather", ${own}}`, value: 1.1 }] },
        { expr: m.agentErrors, eval_time: '10m', exp_samples: [{ labels: `${m.agentErrors}{agent="weather", ${own}}`, value: 0.1 }] },
        { expr: m.agentErrorRatio, eval_time: '10m', exp_samples: [{ labels: `${m.agentErrorRatio}{agent="weather", ${own}}`, value: 0.1 / 1.1 }] },
        // Quantiles interpolate inside the bucket: p50 = 100 + 900 × (0.55 − 0.5) / 0.6 = 175 ms; p99 = 983.5 ms.
        // Rounded to 0.1 ms: promtool compares floats exactly.
        { expr: `round(${m.agentLatencyP50}, 0.0001)`, eval_time: '10m', exp_samples: [{ labels: `{agent="weather", ${own}}`, value: 0.175 }] },
        { expr: `round(${m.agentLatencyP99}, 0.0001)`, eval_time: '10m', exp_samples: [{ labels: `{agent="weather", ${own}}`, value: 0.9835 }] },
        { expr: `round(${m.capabilityLatencyP50}, 0.0001)`, eval_time: '10m', exp_samples: [{ labels: `{capability="weather_forecast", ${own}}`, value: 0.175 }] },
        {
          expr: m.callerRequests, eval_time: '10m',
          exp_samples: [{ labels: `${m.callerRequests}{agent="weather", caller="planner", caller_namespace="travel", ${own}}`, value: 1.1 }],
        },
      ],
    };
    expectPass(testRules(ruleGroupsOf(objects), [test]));
  });

  describe('dashboards', () => {
    const agents = ['hotels', 'planner', 'weather'];
    const configs = {
      default: travel().objects,
      'Istio, agent scraping, external secrets': travel({ scrapeAgents: true }, { serviceMesh: ServiceMesh.ISTIO, externalSecrets: EXTERNAL_SECRETS }).objects,
      'Linkerd, PostgreSQL registry': travel({}, {
        serviceMesh: ServiceMesh.LINKERD, registry: { replicas: 2, storage: postgres() },
      }).objects,
    };

    for (const [name, objects] of Object.entries(configs)) {
      test(`${name}: every panel query parses (promtool), as Grafana sends it`, () => {
        const exprs = Object.values(dashboardsOf(objects)).flatMap(dashboardExprs);
        expect(exprs.length).toBeGreaterThan(10);
        const groups = [{
          name: 'dashboard-queries',
          rules: exprs.map((e, i) => ({ record: `dashboard:query_${i}`, expr: interpolate(e.expr, agents) })),
        }];
        expectPass(checkRules(groups));
      });

      test(`${name}: every metric a rule or panel reads has a known source, and every recorded metric read is recorded`, () => {
        const groups = ruleGroupsOf(objects);
        const recorded = new Set<string>(groups.flatMap((g: any) => g.rules).filter((r: any) => r.record).map((r: any) => r.record));
        const known = new Set<string>([...Object.values(KNOWN_SOURCES).flat(), ...recorded]);
        const reads = [
          ...groups.flatMap((g: any) => g.rules).map((r: any) => ({ where: r.alert ?? r.record, expr: r.expr })),
          ...Object.values(dashboardsOf(objects)).flatMap(dashboardExprs).map((e) => ({ where: e.panel, expr: e.expr })),
        ];
        const unknown = reads.flatMap((r) => metricNames(r.expr).filter((n) => !known.has(n)).map((n) => `${r.where}: ${n}`));
        expect(unknown).toEqual([]);
        for (const r of reads) {
          for (const name of metricNames(r.expr).filter((n) => n.includes(':'))) {
            expect([r.where, name, recorded.has(name)]).toEqual([r.where, name, true]);
          }
        }
      });
    }

    test('the agent panels attribute pod metrics to agents (label_replace on pod names, as Grafana interpolates $agent)', () => {
      const overview = dashboardsOf(configs.default).overview;
      const cpu = dashboardExprs(overview).find((e) => e.panel === 'CPU per agent')!;
      const memory = dashboardExprs(overview).find((e) => e.panel === 'Memory (working set) per agent')!;
      const pod = (name: string, container: string) => ({ container, namespace: 'travel', pod: name });
      const test: RuleTest = {
        name: 'dashboard queries',
        input_series: [
          s('container_cpu_usage_seconds_total', pod(WEATHER_POD, 'agent'), '0+60x10'),
          s('container_cpu_usage_seconds_total', pod('weather-6d4f8b7c9d-z9z9z', 'agent'), '0+30x10'),
          s('container_cpu_usage_seconds_total', pod(WEATHER_POD, ''), '0+600x10'),
          s('container_cpu_usage_seconds_total', pod(REGISTRY_POD, 'registry'), '0+600x10'),
          s('container_memory_working_set_bytes', pod(HOTELS_POD, 'agent'), '1000x10'),
          s('container_memory_working_set_bytes', pod(HOTELS_POD, 'POD'), '50x10'),
        ],
        promql_expr_test: [
          // Two weather pods at 1 and 0.5 cores; the pod cgroup (container="") and the registry are left out.
          { expr: `round(${interpolate(cpu.expr, agents)}, 0.001)`, eval_time: '5m', exp_samples: [{ labels: '{agent="weather"}', value: 1.5 }] },
          { expr: interpolate(memory.expr, agents), eval_time: '5m', exp_samples: [{ labels: '{agent="hotels"}', value: 1000 }] },
        ],
      };
      expectPass(testRules([], [test]));
    });
  });
});

describe('metricNames (the tokenizer behind the known-source check)', () => {
  test('finds metric names and ignores functions, keywords, labels, strings, durations and grouping', () => {
    expect(metricNames('sum by (agent) (rate(foo_total{a="b:c", d=~"x|y"}[5m])) / on (namespace, agent) group_left (capability) bar:baz:rate5m > 0.5 and absent(qux) or vector(1) * 1e3'))
      .toEqual(['bar:baz:rate5m', 'foo_total', 'qux']);
    expect(metricNames('histogram_quantile(0.99, x_bucket) offset 5m unless y')).toEqual(['x_bucket', 'y']);
  });
});
