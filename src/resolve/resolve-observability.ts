/**
 * The resolve step of the monitoring objects: their options checked and defaulted, every problem collected.
 * Pure: it reads only the options and what the mesh says of itself (name, namespace, service mesh).
 */
import { Duration } from 'cdk8s';
import { MeshValidationError } from '../model/errors';
import { ServiceMesh } from '../model/service-mesh';
import { requireDnsLabel, requireLabelKey, requireLabels } from '../model/validation';
import { McpAlertOptions, McpObservabilityOptions, McpObservabilityProps } from '../observability/observability-props';
import { McpAlert, RuleSettings } from '../observability/rules';
import { isDuration } from '../schema/brand';
import { Problems, ResolvedCarrier } from './problems';

/** The monitoring options as they render. */
export interface ResolvedObservability {
  readonly serviceMesh: ServiceMesh;
  readonly scrapeAgents: boolean;
  readonly scrapeIntervalSeconds: number;
  readonly scrapeTimeoutSeconds: number;
  /** Labels the Prometheus Operator selects the rules and the PodMonitor by. */
  readonly selectorLabels: Readonly<Record<string, string>>;
  readonly dashboards: boolean;
  readonly dashboardLabels: Readonly<Record<string, string>>;
  readonly dashboardFolder: string;
  readonly dashboardFolderAnnotation: string;
  readonly dashboardNamespace: string;
  /** The `job` label of the agents' scrape. */
  readonly agentScrapeJob: string;
  /** Alert thresholds, durations and routing. */
  readonly settings: RuleSettings;
}

/** What the monitoring options are checked against: the mesh they observe. */
export interface ObservedMeshFacts {
  readonly name: string;
  readonly namespace: string;
  readonly serviceMesh?: ServiceMesh;
}

/** Checks the monitoring options; every problem goes to `problems`. */
export function resolveObservability(props: McpObservabilityOptions, mesh: ObservedMeshFacts, problems: Problems): ResolvedObservability | undefined {
  const start = problems.count;
  const f = (field: string) => `observability.${field}`;
  const check = <T>(run: () => T, fallback: T) => problems.check(run, fallback);
  const meshServiceMesh = mesh.serviceMesh ?? ServiceMesh.NONE;
  let serviceMesh = props.serviceMesh ?? meshServiceMesh;
  if (!Object.values(ServiceMesh).includes(serviceMesh)) {
    problems.add(new MeshValidationError(f('serviceMesh'), serviceMesh, 'is not a supported service mesh', 'use ServiceMesh.NONE, ServiceMesh.ISTIO or ServiceMesh.LINKERD'));
    serviceMesh = meshServiceMesh;
  } else if (meshServiceMesh !== ServiceMesh.NONE && serviceMesh !== meshServiceMesh) {
    problems.add(new MeshValidationError(f('serviceMesh'), serviceMesh, `differs from the mesh's serviceMesh "${meshServiceMesh}", whose proxies carry the agents' traffic`,
      'leave observability.serviceMesh unset: it follows the mesh'));
  }
  const scrapeAgents = check(() => requireBoolean(f('scrapeAgents'), props.scrapeAgents, false), false);
  const scrapeInterval = check(() => seconds(f('scrapeInterval'), props.scrapeInterval, 30, 5, 600), 30);
  const scrapeTimeout = check(() => seconds(f('scrapeTimeout'), props.scrapeTimeout, Math.min(10, scrapeInterval), 1, 600), 10);
  if (scrapeTimeout > scrapeInterval) {
    problems.add(new MeshValidationError(f('scrapeTimeout'), `${scrapeTimeout}s`, `is longer than the scrape interval of ${scrapeInterval}s, which Prometheus rejects`,
      `set scrapeTimeout to at most ${scrapeInterval}s`));
  }
  const selectorLabels = check(() => k8sLabels(f('prometheusSelectorLabels'), props.prometheusSelectorLabels ?? { release: 'kube-prometheus-stack' }), {});
  const dashboards = check(() => requireBoolean(f('dashboards'), props.dashboards, true), true);
  const dashboardLabels = check(() => k8sLabels(f('dashboardLabels'), props.dashboardLabels ?? { grafana_dashboard: '1' }), { grafana_dashboard: '1' });
  if (dashboards && Object.keys(dashboardLabels).length === 0) {
    problems.add(new MeshValidationError(f('dashboardLabels'), {}, 'is empty, so the Grafana sidecar would never pick the dashboards up',
      'set the label your sidecar watches (kube-prometheus-stack: { grafana_dashboard: "1" }), or set dashboards: false'));
  }
  const folder = props.dashboardFolder ?? 'MCP Mesh';
  if (typeof folder !== 'string' || folder.trim().length === 0 || folder.length > 255 || /[\n/\\]/.test(folder)) {
    problems.add(new MeshValidationError(f('dashboardFolder'), folder, 'is not a Grafana folder title', 'use a non-empty title of at most 255 characters without "/", "\\" or line breaks, e.g. "MCP Mesh"'));
  }
  const folderAnnotation = props.dashboardFolderAnnotation ?? 'grafana_folder';
  problems.run(() => requireLabelKey(f('dashboardFolderAnnotation'), folderAnnotation));
  const dashboardNamespace = check(() => requireDnsLabel(f('dashboardNamespace'), props.dashboardNamespace ?? mesh.namespace), mesh.namespace);
  const agentScrapeJob = `${mesh.namespace}/${mesh.name}-agents`;
  const settings = resolveAlertSettings(f('alerts'), props.alerts ?? {}, serviceMesh, scrapeAgents, agentScrapeJob, problems);
  if (problems.since(start)) return undefined;
  return Object.freeze({
    serviceMesh, scrapeAgents, scrapeIntervalSeconds: scrapeInterval, scrapeTimeoutSeconds: scrapeTimeout, selectorLabels, dashboards, dashboardLabels,
    dashboardFolder: folder, dashboardFolderAnnotation: folderAnnotation, dashboardNamespace, agentScrapeJob, settings,
  });
}

/** Monitoring options a mesh resolved, carried to McpObservability. */
export const RESOLVED_OBSERVABILITY = new ResolvedCarrier<McpObservabilityProps, ResolvedObservability>();

const PROM_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

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

function resolveAlertSettings(field: string, alerts: McpAlertOptions, serviceMesh: ServiceMesh, scrapeAgents: boolean, agentJob: string, problems: Problems): RuleSettings {
  const check = <T>(run: () => T, fallback: T) => problems.check(run, fallback);
  const known = Object.values(McpAlert) as string[];
  const disabled = new Set<string>();
  (alerts.disabled ?? []).forEach((name, i) => {
    if (!known.includes(name)) {
      problems.add(new MeshValidationError(`${field}.disabled[${i}]`, name, 'is not an alert of this library', `use one of: ${known.join(', ')}`));
    }
    disabled.add(name);
  });
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(alerts.labels ?? {})) {
    if (!PROM_LABEL.test(name) || name.startsWith('__')) {
      problems.add(new MeshValidationError(`${field}.labels`, name, 'is not a Prometheus label name', 'use letters, digits and "_", not starting with a digit or "__", e.g. "team"'));
    } else if (['severity', 'mcp_mesh', 'alertname'].includes(name)) {
      problems.add(new MeshValidationError(`${field}.labels.${name}`, value, 'is set by the library on every alert', 'route on another label, e.g. "team"'));
    } else if (typeof value !== 'string' || value.length === 0) {
      problems.add(new MeshValidationError(`${field}.labels.${name}`, value, 'is not a label value', 'use a non-empty string'));
    } else {
      labels[name] = value;
    }
  }
  let runbookBaseUrl: string | undefined;
  if (alerts.runbookBaseUrl !== undefined) {
    if (typeof alerts.runbookBaseUrl !== 'string' || !/^https?:\/\/[^\s]+$/.test(alerts.runbookBaseUrl)) {
      problems.add(new MeshValidationError(`${field}.runbookBaseUrl`, alerts.runbookBaseUrl, 'is not an http(s) URL', 'use a URL such as "https://runbooks.example.com/mcp-mesh"'));
    } else {
      runbookBaseUrl = alerts.runbookBaseUrl.replace(/\/+$/, '');
    }
  }
  const forSeconds = {} as Record<McpAlert, number>;
  for (const alert of Object.values(McpAlert)) {
    const prop = FOR_PROPS[alert];
    forSeconds[alert] = check(() => seconds(`${field}.${prop}`, alerts[prop] as Duration | undefined, DEFAULTS[alert], 0, 7 * 86400), DEFAULTS[alert]);
  }
  const latency = alerts.latencyP99Threshold === undefined ? undefined
    : check(() => durationValue(`${field}.latencyP99Threshold`, alerts.latencyP99Threshold, 0.001, 86400), undefined);
  return {
    serviceMesh,
    scrapeAgents,
    agentJob,
    alertLabels: labels,
    runbookBaseUrl,
    disabled,
    forSeconds,
    registryVolumeFreeThreshold: check(() => ratio(`${field}.registryVolumeFreeThreshold`, alerts.registryVolumeFreeThreshold, 0.15), 0.15),
    registryVolumeFullWithinSeconds: check(() => seconds(`${field}.registryVolumeFullWithin`, alerts.registryVolumeFullWithin, 4 * 86400, 3600, 90 * 86400), 4 * 86400),
    errorRatioThreshold: check(() => ratio(`${field}.errorRatioThreshold`, alerts.errorRatioThreshold, 0.05), 0.05),
    latencyP99ThresholdSeconds: latency,
    minRequestsPerMinute: check(() => nonNegative(`${field}.minRequestsPerMinute`, alerts.minRequestsPerMinute, 1), 1),
  };
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
