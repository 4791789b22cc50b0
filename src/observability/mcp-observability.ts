import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { MeshValidationError } from '../model/errors';
import { MeshModel } from '../model/mesh-model';
import { requireDnsLabel, requireLabelKey, requireLabels } from '../model/validation';
import { renderDashboards } from './dashboards';
import { MeshObject } from '../k8s/mesh-object';
import { lazyMeshObject } from './lazy-object';
import { ObservableMesh, ObservedMesh, attributableCapabilities, observeMesh } from './observed-mesh';
import { McpAlert, PrometheusRuleGroup, RuleSettings, alertRuleGroups, recordingRuleGroups } from './rules';
import { ServiceMesh } from '../model/service-mesh';

/** Alert thresholds, `for` durations and routing. */
export interface McpAlertOptions {
  /**
   * Alerts not to render, by name (`McpAlert.POD_NOT_READY` or "McpMeshPodNotReady").
   * @default - every alert that applies to the options
   */
  readonly disabled?: string[];
  /**
   * Labels added to every alert, e.g. `{ team: "platform" }` for Alertmanager routing.
   * `severity` and `mcp_mesh` are set by the library.
   * @default - none
   */
  readonly labels?: { [name: string]: string };
  /**
   * Base URL of your runbooks: every alert gets `runbook_url: <base>/<alertname in lowercase>`.
   * @default - no runbook_url annotation
   */
  readonly runbookBaseUrl?: string;

  /** McpMeshRegistryDown: no ready registry replica for this long. @default Duration.minutes(2) */
  readonly registryDownFor?: Duration;
  /** McpMeshRegistryDegraded (more than one replica only): fewer ready replicas than desired. @default Duration.minutes(10) */
  readonly registryDegradedFor?: Duration;
  /** McpMeshRegistryMetricsAbsent: no kube-state-metrics series of the registry StatefulSet. @default Duration.minutes(15) */
  readonly registryMetricsAbsentFor?: Duration;
  /**
   * McpMeshRegistryVolumeFillingUp (SQLite only): free fraction of the registry's volume below which it fires.
   * @default 0.15
   */
  readonly registryVolumeFreeThreshold?: number;
  /** McpMeshRegistryVolumeFillingUp: for. @default Duration.minutes(10) */
  readonly registryVolumeFillingUpFor?: Duration;
  /**
   * McpMeshRegistryVolumeFullSoon (SQLite only): fires when the last 6 hours' trend fills the volume within this
   * horizon (and less than 40 % is free).
   * @default Duration.days(4)
   */
  readonly registryVolumeFullWithin?: Duration;
  /** McpMeshRegistryVolumeFullSoon: for. @default Duration.hours(1) */
  readonly registryVolumeFullSoonFor?: Duration;

  /** McpMeshAgentUnavailable: an agent that wants replicas has none available. @default Duration.minutes(5) */
  readonly agentUnavailableFor?: Duration;
  /** McpMeshAgentReplicasUnavailable: an agent runs with unavailable replicas. @default Duration.minutes(15) */
  readonly agentReplicasUnavailableFor?: Duration;
  /** McpMeshAgentDown (scrapeAgents only): scrape failed or mcp_mesh_up is 0. @default Duration.minutes(5) */
  readonly agentDownFor?: Duration;
  /** McpMeshAgentMetricsAbsent (scrapeAgents only): no mcp_mesh_up from an agent that has replicas. @default Duration.minutes(15) */
  readonly agentMetricsAbsentFor?: Duration;
  /** McpMeshPodCrashLooping: a registry or agent container in CrashLoopBackOff. @default Duration.minutes(10) */
  readonly podCrashLoopingFor?: Duration;
  /** McpMeshPodNotReady: a registry or agent pod not ready. @default Duration.minutes(15) */
  readonly podNotReadyFor?: Duration;
  /**
   * McpMeshExternalSecretNotSynced (with `externalSecrets`, read from the External Secrets Operator's metrics):
   * an ExternalSecret of the mesh not Ready.
   * @default Duration.minutes(10)
   */
  readonly externalSecretNotSyncedFor?: Duration;

  /** McpMeshAgentHighErrorRatio (service mesh only): failed fraction of an agent's requests. @default 0.05 */
  readonly errorRatioThreshold?: number;
  /** McpMeshAgentHighErrorRatio: for. @default Duration.minutes(10) */
  readonly errorRatioFor?: Duration;
  /**
   * McpMeshAgentHighLatency (service mesh only): p99 response time above which it fires, for every agent.
   * @default - per agent, 80 % of its longest capability timeout (24 s for an agent without capabilities)
   */
  readonly latencyP99Threshold?: Duration;
  /** McpMeshAgentHighLatency: for. @default Duration.minutes(10) */
  readonly latencyFor?: Duration;
  /**
   * Error-ratio and latency alerts ignore agents with fewer requests per minute than this (a single failed
   * call out of two is not an outage). 0 turns the gate off.
   * @default 1
   */
  readonly minRequestsPerMinute?: number;
  /** McpMeshAgentNotMeshed (service mesh only): an agent pod without the proxy container. @default Duration.minutes(15) */
  readonly agentNotMeshedFor?: Duration;
}

/** Observability settings a mesh passes through. */
export interface McpObservabilityOptions {
  /**
   * Labels that the Prometheus Operator's `ruleSelector` and `podMonitorSelector` need to pick up the rules and
   * the PodMonitor. kube-prometheus-stack selects `release: <Helm release name>`; this default fits a release
   * named `kube-prometheus-stack`. Pass `{}` for a Prometheus that selects everything.
   * @default { release: "kube-prometheus-stack" }
   */
  readonly prometheusSelectorLabels?: { [name: string]: string };
  /**
   * Scrape the agents' `/metrics` on their `http` port with a PodMonitor, and alert on `mcp_mesh_up`.
   * Off by default: the MCP Mesh Python runtime 3.7.1 answers 404 on `/metrics` (measured; the route is
   * shadowed by the MCP app mounted at `/`), so every scrape would fail and McpMeshAgentDown would fire for
   * every pod. Turn it on with a runtime that serves `/metrics`.
   * @default false
   */
  readonly scrapeAgents?: boolean;
  /** Scrape interval of the agents' metrics (scrapeAgents only). @default Duration.seconds(30) */
  readonly scrapeInterval?: Duration;
  /** Scrape timeout, at most the interval (scrapeAgents only). @default Duration.seconds(10) */
  readonly scrapeTimeout?: Duration;
  /**
   * The service mesh in front of the agents, whose proxy metrics become MCP request rate, error ratio and
   * latency per agent and per capability (recording rules, alerts and a traffic dashboard). Set it only for
   * a service mesh the library does not manage (e.g. namespace-wide injection); it must equal the mesh's
   * own `serviceMesh` when that is set.
   * @default - the mesh's `serviceMesh`
   */
  readonly serviceMesh?: ServiceMesh;
  /** Alert thresholds, durations and routing. @default - the defaults of each McpAlertOptions field */
  readonly alerts?: McpAlertOptions;
  /**
   * Render the Grafana dashboards as ConfigMaps for the Grafana sidecar.
   * @default true
   */
  readonly dashboards?: boolean;
  /**
   * Labels the Grafana dashboard sidecar looks for (kube-prometheus-stack: `sidecar.dashboards.label` and
   * `labelValue`).
   * @default { grafana_dashboard: "1" }
   */
  readonly dashboardLabels?: { [name: string]: string };
  /** Grafana folder of the dashboards. @default "MCP Mesh" */
  readonly dashboardFolder?: string;
  /**
   * The annotation that carries the folder (the sidecar's `folderAnnotation`, which must be set in Grafana's
   * Helm values for folders to work).
   * @default "grafana_folder"
   */
  readonly dashboardFolderAnnotation?: string;
  /**
   * Namespace of the dashboard ConfigMaps. kube-prometheus-stack's sidecar searches every namespace
   * (`searchNamespace: ALL`); a sidecar that searches only Grafana's namespace needs them there.
   * @default - the mesh namespace
   */
  readonly dashboardNamespace?: string;
}

export interface McpObservabilityProps extends McpObservabilityOptions {
  /** The mesh to observe; every agent it has at synth time is covered. */
  readonly mesh: ObservableMesh;
}

const DEFAULTS: Record<McpAlert, number> = {
  [McpAlert.REGISTRY_DOWN]: 120,
  [McpAlert.REGISTRY_DEGRADED]: 600,
  [McpAlert.REGISTRY_METRICS_ABSENT]: 900,
  [McpAlert.REGISTRY_VOLUME_FILLING_UP]: 600,
  [McpAlert.REGISTRY_VOLUME_FULL_SOON]: 3600,
  [McpAlert.AGENT_UNAVAILABLE]: 300,
  [McpAlert.AGENT_REPLICAS_UNAVAILABLE]: 900,
  [McpAlert.AGENT_DOWN]: 300,
  [McpAlert.AGENT_METRICS_ABSENT]: 900,
  [McpAlert.AGENT_NOT_MESHED]: 900,
  [McpAlert.AGENT_HIGH_ERROR_RATIO]: 600,
  [McpAlert.AGENT_HIGH_LATENCY]: 600,
  [McpAlert.POD_CRASH_LOOPING]: 600,
  [McpAlert.POD_NOT_READY]: 900,
  [McpAlert.EXTERNAL_SECRET_NOT_SYNCED]: 600,
};

/** The `for` prop of each alert. */
const FOR_PROPS: Record<McpAlert, keyof McpAlertOptions> = {
  [McpAlert.REGISTRY_DOWN]: 'registryDownFor',
  [McpAlert.REGISTRY_DEGRADED]: 'registryDegradedFor',
  [McpAlert.REGISTRY_METRICS_ABSENT]: 'registryMetricsAbsentFor',
  [McpAlert.REGISTRY_VOLUME_FILLING_UP]: 'registryVolumeFillingUpFor',
  [McpAlert.REGISTRY_VOLUME_FULL_SOON]: 'registryVolumeFullSoonFor',
  [McpAlert.AGENT_UNAVAILABLE]: 'agentUnavailableFor',
  [McpAlert.AGENT_REPLICAS_UNAVAILABLE]: 'agentReplicasUnavailableFor',
  [McpAlert.AGENT_DOWN]: 'agentDownFor',
  [McpAlert.AGENT_METRICS_ABSENT]: 'agentMetricsAbsentFor',
  [McpAlert.AGENT_NOT_MESHED]: 'agentNotMeshedFor',
  [McpAlert.AGENT_HIGH_ERROR_RATIO]: 'errorRatioFor',
  [McpAlert.AGENT_HIGH_LATENCY]: 'latencyFor',
  [McpAlert.POD_CRASH_LOOPING]: 'podCrashLoopingFor',
  [McpAlert.POD_NOT_READY]: 'podNotReadyFor',
  [McpAlert.EXTERNAL_SECRET_NOT_SYNCED]: 'externalSecretNotSyncedFor',
};

/** ConfigMaps and other objects are limited to about 1 MiB by the API server (etcd's request limit is 1.5 MiB). */
const MAX_OBJECT_BYTES = 1024 * 1024;

const PROM_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Prometheus rules, an optional PodMonitor and Grafana dashboards for an MCP Mesh, all derived from the mesh
 * model when the app is synthesized: every agent of the mesh is covered without wiring.
 *
 * - Alerts on the registry and the agents from kube-state-metrics and the kubelet (what every cluster with the
 *   Prometheus Operator stack has), scoped to the mesh's namespace and its workloads by name.
 * - With `serviceMesh`: recording rules for MCP request rate, error ratio and latency per agent, per caller
 *   and per capability (where the model allows), error-ratio and latency alerts, a traffic dashboard.
 * - With `scrapeAgents`: a PodMonitor for the agents' `/metrics` and alerts on `mcp_mesh_up`.
 *
 * Nothing scrapes the registry: it exports no metrics. See docs/observability.md.
 */
export class McpObservability extends Construct {
  /** The PrometheusRule (recording rules and alerts). */
  public readonly prometheusRule: MeshObject;
  /** The agents' PodMonitor, when scrapeAgents is on. */
  public readonly podMonitor?: MeshObject;
  /** The dashboard ConfigMaps (overview, and traffic with a service mesh). */
  public readonly dashboardConfigMaps: MeshObject[] = [];
  /** The `job` label of the agents' scrape. */
  public readonly agentScrapeJob: string;
  private readonly mesh: ObservableMesh;
  private readonly settings: RuleSettings;

  constructor(scope: Construct, id: string, props: McpObservabilityProps) {
    super(scope, id);
    const f = (field: string) => `observability.${field}`;
    const given = (props as { mesh?: unknown } | undefined)?.mesh;
    if (typeof given !== 'object' || given === null || !((given as { model?: unknown }).model instanceof MeshModel)) {
      throw new MeshValidationError(f('mesh'), given === undefined ? undefined : typeof given, 'is not an McpMesh',
        'pass the McpMesh construct: new McpObservability(chart, "Observability", { mesh })');
    }
    const mesh = props.mesh;
    this.mesh = mesh;

    const meshServiceMesh = mesh.serviceMesh ?? ServiceMesh.NONE;
    const serviceMesh = props.serviceMesh ?? meshServiceMesh;
    if (!Object.values(ServiceMesh).includes(serviceMesh)) {
      throw new MeshValidationError(f('serviceMesh'), serviceMesh, 'is not a supported service mesh', 'use ServiceMesh.NONE, ServiceMesh.ISTIO or ServiceMesh.LINKERD');
    }
    if (meshServiceMesh !== ServiceMesh.NONE && serviceMesh !== meshServiceMesh) {
      throw new MeshValidationError(f('serviceMesh'), serviceMesh, `differs from the mesh's serviceMesh "${meshServiceMesh}", whose proxies carry the agents' traffic`,
        'leave observability.serviceMesh unset: it follows the mesh');
    }
    const scrapeAgents = requireBoolean(f('scrapeAgents'), props.scrapeAgents, false);
    const scrapeInterval = seconds(f('scrapeInterval'), props.scrapeInterval, 30, 5, 600);
    const scrapeTimeout = seconds(f('scrapeTimeout'), props.scrapeTimeout, Math.min(10, scrapeInterval), 1, 600);
    if (scrapeTimeout > scrapeInterval) {
      throw new MeshValidationError(f('scrapeTimeout'), `${scrapeTimeout}s`, `is longer than the scrape interval of ${scrapeInterval}s, which Prometheus rejects`,
        `set scrapeTimeout to at most ${scrapeInterval}s`);
    }
    const selectorLabels = k8sLabels(f('prometheusSelectorLabels'), props.prometheusSelectorLabels ?? { release: 'kube-prometheus-stack' });
    const dashboards = requireBoolean(f('dashboards'), props.dashboards, true);
    const dashboardLabels = k8sLabels(f('dashboardLabels'), props.dashboardLabels ?? { grafana_dashboard: '1' });
    if (dashboards && Object.keys(dashboardLabels).length === 0) {
      throw new MeshValidationError(f('dashboardLabels'), {}, 'is empty, so the Grafana sidecar would never pick the dashboards up',
        'set the label your sidecar watches (kube-prometheus-stack: { grafana_dashboard: "1" }), or set dashboards: false');
    }
    const folder = props.dashboardFolder ?? 'MCP Mesh';
    if (typeof folder !== 'string' || folder.trim().length === 0 || folder.length > 255 || /[\n/\\]/.test(folder)) {
      throw new MeshValidationError(f('dashboardFolder'), folder, 'is not a Grafana folder title', 'use a non-empty title of at most 255 characters without "/", "\\" or line breaks, e.g. "MCP Mesh"');
    }
    const folderAnnotation = props.dashboardFolderAnnotation ?? 'grafana_folder';
    requireLabelKey(f('dashboardFolderAnnotation'), folderAnnotation);
    const dashboardNamespace = requireDnsLabel(f('dashboardNamespace'), props.dashboardNamespace ?? mesh.namespace);

    this.agentScrapeJob = `${mesh.namespace}/${mesh.name}-agents`;
    this.settings = resolveAlertSettings(f('alerts'), props.alerts ?? {}, serviceMesh, scrapeAgents, this.agentScrapeJob);

    const baseLabels = (name: string) => ({
      'app.kubernetes.io/component': 'observability',
      'app.kubernetes.io/instance': mesh.name,
      'app.kubernetes.io/managed-by': 'cdk8s-mcp-mesh',
      'app.kubernetes.io/name': name,
      'app.kubernetes.io/part-of': 'mcp-mesh',
    });

    const ruleName = `${mesh.name}-rules`;
    this.prometheusRule = lazyMeshObject(this, 'PrometheusRule', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: ruleName, namespace: mesh.namespace, labels: { ...baseLabels(ruleName), ...selectorLabels } },
      fields: { spec: () => ({ groups: this.ruleGroups() }) },
    });

    if (scrapeAgents) {
      const monitorName = `${mesh.name}-agents`;
      this.podMonitor = lazyMeshObject(this, 'PodMonitor', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: { name: monitorName, namespace: mesh.namespace, labels: { ...baseLabels(monitorName), ...selectorLabels } },
        fields: {
          spec: () => ({
            namespaceSelector: { matchNames: [mesh.namespace] },
            // The agents' pod labels (selectorLabels('agent', …, instance)); the registry is never selected.
            selector: { matchLabels: { 'app.kubernetes.io/component': 'agent', 'app.kubernetes.io/instance': mesh.name } },
            podMetricsEndpoints: [{
              port: 'http',
              path: '/metrics',
              scheme: 'http',
              interval: `${scrapeInterval}s`,
              scrapeTimeout: `${scrapeTimeout}s`,
              // The scrape's own labels win over labels in the exposition (honorLabels false): the runtime's
              // `agent` label (its agent id) becomes `exported_agent`, ours is the agent's Deployment name.
              honorLabels: false,
              relabelings: [
                { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], targetLabel: 'agent' },
                { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance'], targetLabel: 'mcp_mesh' },
                { action: 'replace', replacement: this.agentScrapeJob, targetLabel: 'job' },
              ],
            }],
          }),
        },
      });
    }

    if (dashboards) {
      const keys = serviceMesh === ServiceMesh.NONE ? ['overview'] : ['overview', 'traffic'];
      for (const key of keys) {
        const name = `${mesh.name}-${key}-dashboard`;
        this.dashboardConfigMaps.push(lazyMeshObject(this, `Dashboard-${key}`, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name,
            namespace: dashboardNamespace,
            labels: { ...baseLabels(name), ...dashboardLabels },
            annotations: { [folderAnnotation]: folder },
          },
          fields: { data: () => this.dashboardData(key) },
        }));
      }
    }

    this.node.addValidation({ validate: () => this.validateSizes() });
  }

  /** The service mesh whose proxy metrics are used. */
  public get serviceMesh(): ServiceMesh {
    return this.settings.serviceMesh;
  }

  /**
   * Capabilities with per-capability traffic series: all their providers provide nothing else. The others
   * share a provider's HTTP endpoint with another capability and are measured only per agent.
   */
  public get attributableCapabilities(): string[] {
    return [...attributableCapabilities(this.observed().agents)].sort();
  }

  /** The rule groups as the PrometheusRule holds them (also the content of a Prometheus rule file). */
  public ruleGroups(): PrometheusRuleGroup[] {
    const mesh = this.observed();
    return [...recordingRuleGroups(mesh, this.settings), ...alertRuleGroups(mesh, this.settings)];
  }

  private observed(): ObservedMesh {
    return observeMesh(this.mesh);
  }

  private dashboardData(key: string): Record<string, string> {
    const mesh = this.observed();
    const dashboard = renderDashboards(mesh, { serviceMesh: this.settings.serviceMesh, scrapeAgents: this.settings.scrapeAgents, agentJob: this.agentScrapeJob })
      .find((d) => d.key === key);
    if (dashboard === undefined) throw new Error(`no ${key} dashboard`);
    // The sidecar writes each key as a file into one folder: keys must be unique across meshes.
    return { [`${mesh.namespace}-${mesh.name}-${key}.json`]: `${JSON.stringify(dashboard.json, null, 2)}\n` };
  }

  private validateSizes(): string[] {
    const errors: string[] = [];
    for (const object of [this.prometheusRule, ...this.dashboardConfigMaps]) {
      const bytes = Buffer.byteLength(JSON.stringify(object.toJson()));
      if (bytes > MAX_OBJECT_BYTES) {
        errors.push(new MeshValidationError(`observability (${object.kind} ${object.name})`, `${bytes} bytes`,
          `is larger than the ${MAX_OBJECT_BYTES} bytes the Kubernetes API server stores in one object`,
          'split the mesh into several meshes (one McpObservability each), or set dashboards: false').message);
      }
    }
    return errors;
  }
}

function resolveAlertSettings(field: string, alerts: McpAlertOptions, serviceMesh: ServiceMesh, scrapeAgents: boolean, agentJob: string): RuleSettings {
  const known = Object.values(McpAlert) as string[];
  const disabled = new Set<string>();
  (alerts.disabled ?? []).forEach((name, i) => {
    if (!known.includes(name)) {
      throw new MeshValidationError(`${field}.disabled[${i}]`, name, 'is not an alert of this library', `use one of: ${known.join(', ')}`);
    }
    disabled.add(name);
  });
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(alerts.labels ?? {})) {
    if (!PROM_LABEL.test(name) || name.startsWith('__')) {
      throw new MeshValidationError(`${field}.labels`, name, 'is not a Prometheus label name', 'use letters, digits and "_", not starting with a digit or "__", e.g. "team"');
    }
    if (['severity', 'mcp_mesh', 'alertname'].includes(name)) {
      throw new MeshValidationError(`${field}.labels.${name}`, value, 'is set by the library on every alert', 'route on another label, e.g. "team"');
    }
    if (typeof value !== 'string' || value.length === 0) {
      throw new MeshValidationError(`${field}.labels.${name}`, value, 'is not a label value', 'use a non-empty string');
    }
    labels[name] = value;
  }
  let runbookBaseUrl: string | undefined;
  if (alerts.runbookBaseUrl !== undefined) {
    if (typeof alerts.runbookBaseUrl !== 'string' || !/^https?:\/\/[^\s]+$/.test(alerts.runbookBaseUrl)) {
      throw new MeshValidationError(`${field}.runbookBaseUrl`, alerts.runbookBaseUrl, 'is not an http(s) URL', 'use a URL such as "https://runbooks.example.com/mcp-mesh"');
    }
    runbookBaseUrl = alerts.runbookBaseUrl.replace(/\/+$/, '');
  }
  const forSeconds = {} as Record<McpAlert, number>;
  for (const alert of Object.values(McpAlert)) {
    const prop = FOR_PROPS[alert];
    forSeconds[alert] = seconds(`${field}.${prop}`, alerts[prop] as Duration | undefined, DEFAULTS[alert], 0, 7 * 86400);
  }
  const latency = alerts.latencyP99Threshold === undefined ? undefined
    : durationValue(`${field}.latencyP99Threshold`, alerts.latencyP99Threshold, 0.001, 86400);
  return {
    serviceMesh,
    scrapeAgents,
    agentJob,
    alertLabels: labels,
    runbookBaseUrl,
    disabled,
    forSeconds,
    registryVolumeFreeThreshold: ratio(`${field}.registryVolumeFreeThreshold`, alerts.registryVolumeFreeThreshold, 0.15),
    registryVolumeFullWithinSeconds: seconds(`${field}.registryVolumeFullWithin`, alerts.registryVolumeFullWithin, 4 * 86400, 3600, 90 * 86400),
    errorRatioThreshold: ratio(`${field}.errorRatioThreshold`, alerts.errorRatioThreshold, 0.05),
    latencyP99ThresholdSeconds: latency,
    minRequestsPerMinute: nonNegative(`${field}.minRequestsPerMinute`, alerts.minRequestsPerMinute, 1),
  };
}

function isDuration(value: unknown): value is Duration {
  return value instanceof Duration || (typeof value === 'object' && value !== null && typeof (value as Duration).toSeconds === 'function');
}

/** A Duration prop as a value in seconds (fractions allowed). */
function durationValue(field: string, value: unknown, min: number, max: number): number {
  if (!isDuration(value)) {
    throw new MeshValidationError(field, value, 'is not a Duration', 'use Duration.seconds(n), Duration.minutes(n), …');
  }
  const s = value.toSeconds({ integral: false });
  if (!Number.isFinite(s) || s < min || s > max) {
    throw new MeshValidationError(field, `${s}s`, `is not between ${min}s and ${max}s`, `use a Duration from ${min}s to ${max}s`);
  }
  return s;
}

/** A Duration prop as whole seconds. */
function seconds(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const s = durationValue(field, value, min, max);
  if (!Number.isInteger(s)) {
    throw new MeshValidationError(field, `${s}s`, 'is not a whole number of seconds', `use Duration.seconds(${Math.round(s)})`);
  }
  return s;
}

function ratio(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value >= 1) {
    throw new MeshValidationError(field, value, 'is not a fraction between 0 and 1 (exclusive)', 'write 5 % as 0.05');
  }
  return value;
}

function nonNegative(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new MeshValidationError(field, value, 'is not a number of at least 0', 'use e.g. 1 for one request per minute, or 0 to turn the gate off');
  }
  return value;
}

function requireBoolean(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new MeshValidationError(field, value, 'is not true or false', 'use true or false');
  return value;
}

function k8sLabels(field: string, labels: unknown): Record<string, string> {
  return { ...requireLabels(field, labels) };
}
