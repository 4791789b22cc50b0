import { Construct } from 'constructs';
import { MeshValidationError } from '../model/errors';
import { MeshModel } from '../model/mesh-model';
import { renderDashboards } from './dashboards';
import { ApiObject } from 'cdk8s';
import { lazyMeshObject } from './lazy-object';
import { IObservableMesh, ObservedMesh, attributableCapabilities, observeMesh } from './observed-mesh';
import { PrometheusRuleGroup, RuleSettings, alertRuleGroups, recordingRuleGroups } from './rules';
import { ServiceMesh } from '../model/service-mesh';
import { resolvedOrThrow } from '../resolve/problems';
import { RESOLVED_OBSERVABILITY, resolveObservability } from '../resolve/resolve-observability';
import { McpObservabilityProps } from './observability-props';

export * from './observability-props';

/** ConfigMaps and other objects are limited to about 1 MiB by the API server (etcd's request limit is 1.5 MiB). */
const MAX_OBJECT_BYTES = 1024 * 1024;

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
  public readonly prometheusRule: ApiObject;
  /** The agents' PodMonitor, when scrapeAgents is on. */
  public readonly podMonitor?: ApiObject;
  /** The dashboard ConfigMaps (overview, and traffic with a service mesh). */
  public readonly dashboardConfigMaps: ApiObject[] = [];
  /** The `job` label of the agents' scrape. */
  public readonly agentScrapeJob: string;
  private readonly mesh: IObservableMesh;
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

    const resolved = RESOLVED_OBSERVABILITY.take(props) ?? resolvedOrThrow((problems) => resolveObservability(props, mesh, problems));
    const {
      serviceMesh, scrapeAgents, selectorLabels, dashboards, dashboardLabels, dashboardNamespace,
      dashboardFolder: folder, dashboardFolderAnnotation: folderAnnotation,
      scrapeIntervalSeconds: scrapeInterval, scrapeTimeoutSeconds: scrapeTimeout,
    } = resolved;
    this.agentScrapeJob = resolved.agentScrapeJob;
    this.settings = resolved.settings;

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
