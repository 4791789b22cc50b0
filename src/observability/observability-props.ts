import { Duration } from 'cdk8s';
import { ServiceMesh } from '../model/service-mesh';
import { IObservableMesh } from './observed-mesh';

/*
 * The props of the monitoring objects: what a user writes. The resolve step
 * (../resolve/resolve-observability.ts) checks them; McpObservability renders.
 */

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
  readonly mesh: IObservableMesh;
}
