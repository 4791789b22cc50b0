import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import { McpMesh, MeshValidationError, ServiceMesh } from '../../src';
import { McpAlert, McpObservability, McpObservabilityOptions, RECORDED_METRICS } from '../../src/observability';
import { schemaErrors } from '../util/schema';
import { find, scope, synth } from '../util/synth';
import { EXTERNAL_SECRETS, alertRule, dashboardExprs, dashboardsOf, postgres, rt, ruleGroupsOf, travel } from './fixtures';

const kinds = (objects: any[]) => objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'observability')
  .map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
const alerts = (objects: any[]) => ruleGroupsOf(objects).flatMap((g: any) => g.rules).filter((r: any) => r.alert).map((r: any) => r.alert);
const records = (objects: any[]) => [...new Set(ruleGroupsOf(objects).flatMap((g: any) => g.rules).filter((r: any) => r.record).map((r: any) => r.record))];

describe('McpObservability: what it renders', () => {
  test('by default: one PrometheusRule (alerts only) and the overview dashboard; no PodMonitor, since runtime 3.7.1 answers 404 on /metrics', () => {
    const { objects } = travel();
    expect(kinds(objects)).toEqual(['PrometheusRule/travel/prod-rules', 'ConfigMap/travel/prod-overview-dashboard']);
    expect(records(objects)).toEqual([]);
    expect(alerts(objects)).toEqual([
      McpAlert.REGISTRY_DOWN, McpAlert.REGISTRY_METRICS_ABSENT, McpAlert.REGISTRY_VOLUME_FILLING_UP, McpAlert.REGISTRY_VOLUME_FULL_SOON,
      McpAlert.AGENT_UNAVAILABLE, McpAlert.AGENT_REPLICAS_UNAVAILABLE, McpAlert.POD_CRASH_LOOPING, McpAlert.POD_NOT_READY,
    ]);
    const rule = find(objects, 'PrometheusRule', 'prod-rules');
    expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(rule.metadata.labels).toEqual({
      'app.kubernetes.io/component': 'observability', 'app.kubernetes.io/instance': 'prod', 'app.kubernetes.io/managed-by': 'cdk8s-mcp-mesh',
      'app.kubernetes.io/name': 'prod-rules', 'app.kubernetes.io/part-of': 'mcp-mesh', release: 'kube-prometheus-stack',
    });
    expect(ruleGroupsOf(objects).map((g: any) => g.name)).toEqual(['mcp-mesh.travel.prod.alerts']);
  });

  test('covers agents added after it was created, at synth time', () => {
    const { objects } = travel({}, {}, (mesh) => mesh.addAgent({ name: 'late', runtime: rt }));
    expect(alertRule(objects, McpAlert.AGENT_UNAVAILABLE).expr).toContain('deployment=~"(?:hotels|late|planner|weather)"');
    expect(alertRule(objects, McpAlert.POD_NOT_READY).expr).toContain('(hotels|late|planner|weather)-');
    const variable = dashboardsOf(objects).overview.templating.list.find((v: any) => v.name === 'agent');
    expect(variable.query).toBe('weather,hotels,planner,late');
  });

  test('every alert: a severity, the mesh label, a summary and a description naming the object, a for, and a selector scoped to the mesh namespace', () => {
    const { objects } = travel({ scrapeAgents: true }, { serviceMesh: ServiceMesh.ISTIO, externalSecrets: EXTERNAL_SECRETS });
    const rules = ruleGroupsOf(objects).flatMap((g: any) => g.rules).filter((r: any) => r.alert);
    expect(new Set(rules.map((r: any) => r.alert))).toEqual(new Set(Object.values(McpAlert).filter((a) => a !== McpAlert.REGISTRY_DEGRADED)));
    for (const r of rules) {
      expect([r.alert, r.labels.severity]).toEqual([r.alert, expect.stringMatching(/^(critical|warning)$/)]);
      expect(r.labels.mcp_mesh).toBe('prod');
      expect(r.for).toMatch(/^\d+[smhd]$/);
      expect(r.annotations.summary).toMatch(/\{\{ \$labels\.(namespace|pod|agent|statefulset|persistentvolumeclaim) \}\}/);
      expect(r.annotations.description).toMatch(/\{\{ \$labels\./);
      expect(r.annotations.description).toContain('mesh "prod"');
      // Every selector in the expression names the mesh namespace (or the agents' scrape job in it).
      for (const sel of (r.expr as string).match(/[a-zA-Z_:]+\{[^}]*\}/g) ?? []) {
        expect([r.alert, sel]).toEqual([r.alert, expect.stringMatching(/namespace="travel"|job="travel\/prod-agents"/)]);
      }
    }
  });

  test('registry alerts follow the storage: volume alerts on SQLite only, McpMeshRegistryDegraded with more than one replica only', () => {
    const sqlite = alerts(travel().objects);
    expect(sqlite).toContain(McpAlert.REGISTRY_VOLUME_FILLING_UP);
    expect(sqlite).not.toContain(McpAlert.REGISTRY_DEGRADED);
    expect(alertRule(travel().objects, McpAlert.REGISTRY_VOLUME_FILLING_UP).expr)
      .toContain('persistentvolumeclaim=~"(?:data)-mcp-mesh-registry-(?:0|[1-9][0-9]*)"');
    const pg = alerts(travel({}, { registry: { replicas: 3, storage: postgres() } }).objects);
    expect(pg).toContain(McpAlert.REGISTRY_DEGRADED);
    expect(pg).not.toContain(McpAlert.REGISTRY_VOLUME_FILLING_UP);
    expect(pg).not.toContain(McpAlert.REGISTRY_VOLUME_FULL_SOON);
    expect(alertRule(travel({}, { registry: { replicas: 3, storage: postgres() } }).objects, McpAlert.REGISTRY_DEGRADED).annotations.description)
      .toContain('of the 3 replicas');
  });

  test('a mesh without agents still gets the registry and pod alerts (no empty regex that would match every pod)', () => {
    const objects = synth((chart) => {
      new McpObservability(chart, 'Obs', { mesh: new McpMesh(chart, 'Mesh', { namespace: 'empty' }), serviceMesh: ServiceMesh.ISTIO });
    });
    expect(alerts(objects)).toEqual([McpAlert.REGISTRY_DOWN, McpAlert.REGISTRY_METRICS_ABSENT, McpAlert.REGISTRY_VOLUME_FILLING_UP,
      McpAlert.REGISTRY_VOLUME_FULL_SOON, McpAlert.POD_CRASH_LOOPING, McpAlert.POD_NOT_READY]);
    expect(alertRule(objects, McpAlert.POD_NOT_READY).expr).toContain('pod=~"(mcp-mesh-registry)-(?:0|[1-9][0-9]*)"');
    expect(records(objects)).toEqual([]);
  });

  test('alert options: for durations, thresholds, disabled alerts, extra labels, runbook URLs', () => {
    const { objects } = travel({
      serviceMesh: ServiceMesh.ISTIO,
      alerts: {
        registryDownFor: Duration.seconds(30),
        podNotReadyFor: Duration.hours(1),
        registryVolumeFreeThreshold: 0.2,
        errorRatioThreshold: 0.01,
        minRequestsPerMinute: 0,
        latencyP99Threshold: Duration.seconds(5),
        disabled: [McpAlert.POD_CRASH_LOOPING, 'McpMeshAgentNotMeshed'],
        labels: { team: 'travel-platform' },
        runbookBaseUrl: 'https://runbooks.example.com/mcp/',
      },
    });
    expect(alertRule(objects, McpAlert.REGISTRY_DOWN).for).toBe('30s');
    expect(alertRule(objects, McpAlert.REGISTRY_DOWN).annotations.description).toContain('for 30 seconds');
    expect(alertRule(objects, McpAlert.POD_NOT_READY).for).toBe('1h');
    expect(alertRule(objects, McpAlert.REGISTRY_VOLUME_FILLING_UP).expr).toMatch(/\) < 0\.2$/);
    expect(alertRule(objects, McpAlert.AGENT_HIGH_ERROR_RATIO).expr).toBe('mcp_mesh_agent:request_error_ratio:rate5m{namespace="travel", mcp_mesh="prod"} > 0.01');
    const latency = alertRule(objects, McpAlert.AGENT_HIGH_LATENCY);
    expect(latency.expr).toContain('agent=~"(?:hotels|planner|weather)"} > 5');
    expect(latency.expr).toContain('"threshold", "5s"');
    expect(latency.annotations.description).toContain('(the configured threshold)');
    expect(alerts(objects)).not.toContain(McpAlert.POD_CRASH_LOOPING);
    expect(alerts(objects)).not.toContain(McpAlert.AGENT_NOT_MESHED);
    expect(alertRule(objects, McpAlert.REGISTRY_DOWN).labels).toEqual({ mcp_mesh: 'prod', severity: 'critical', team: 'travel-platform' });
    expect(alertRule(objects, McpAlert.REGISTRY_DOWN).annotations.runbook_url).toBe('https://runbooks.example.com/mcp/mcpmeshregistrydown');
  });

  test('latency thresholds default to 80% of each agent\'s longest capability timeout, one branch per threshold', () => {
    const { objects } = travel({}, { serviceMesh: ServiceMesh.LINKERD });
    const expr = alertRule(objects, McpAlert.AGENT_HIGH_LATENCY).expr as string;
    expect(expr.match(/agent=~"[^"]+"\} > [0-9.]+/g)).toEqual(['agent=~"weather"} > 8', 'agent=~"planner"} > 48', 'agent=~"hotels"} > 96']);
  });
});

describe('McpObservability: agent scraping (opt-in)', () => {
  test('a PodMonitor for the agents\' /metrics on their http port, with the mesh labels, and the mcp_mesh_up alerts', () => {
    const { objects, obs } = travel({ scrapeAgents: true, scrapeInterval: Duration.seconds(15), scrapeTimeout: Duration.seconds(5) });
    const pm = find(objects, 'PodMonitor', 'prod-agents');
    expect(pm.metadata.namespace).toBe('travel');
    expect(pm.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(pm.spec).toEqual({
      namespaceSelector: { matchNames: ['travel'] },
      podMetricsEndpoints: [{
        honorLabels: false,
        interval: '15s',
        path: '/metrics',
        port: 'http',
        relabelings: [
          { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], targetLabel: 'agent' },
          { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance'], targetLabel: 'mcp_mesh' },
          { action: 'replace', replacement: 'travel/prod-agents', targetLabel: 'job' },
        ],
        scheme: 'http',
        scrapeTimeout: '5s',
      }],
      selector: { matchLabels: { 'app.kubernetes.io/component': 'agent', 'app.kubernetes.io/instance': 'prod' } },
    });
    // The selector picks exactly the agents' pods (their template labels), never the registry's.
    const podLabels = (kind: string, name: string) => find(objects, kind, name).spec.template.metadata.labels;
    for (const agent of ['weather', 'hotels', 'planner']) expect(podLabels('Deployment', agent)).toMatchObject(pm.spec.selector.matchLabels);
    expect(podLabels('StatefulSet', 'mcp-mesh-registry')).not.toMatchObject(pm.spec.selector.matchLabels);
    // The container port the PodMonitor names.
    expect(find(objects, 'Deployment', 'weather').spec.template.spec.containers[0].ports).toContainEqual(expect.objectContaining({ name: 'http' }));
    expect(obs.agentScrapeJob).toBe('travel/prod-agents');
    expect(alerts(objects)).toEqual(expect.arrayContaining([McpAlert.AGENT_DOWN, McpAlert.AGENT_METRICS_ABSENT]));
    expect(records(objects)).toEqual([RECORDED_METRICS.agentCapabilityInfo]);
  });

  test('the mcp_mesh_up panels appear in the overview only with scraping', () => {
    const titles = (o: McpObservabilityOptions) => dashboardsOf(travel(o).objects).overview.panels.map((p: any) => p.title);
    expect(titles({ scrapeAgents: true })).toContain('mcp_mesh_up per pod');
    expect(titles({})).not.toContain('mcp_mesh_up per pod');
  });
});

describe('McpObservability: service mesh traffic', () => {
  test('follows the mesh\'s serviceMesh; recording rules, traffic alerts and the traffic dashboard appear with it', () => {
    const { objects, obs } = travel({}, { serviceMesh: ServiceMesh.ISTIO });
    expect(obs.serviceMesh).toBe(ServiceMesh.ISTIO);
    expect(kinds(objects)).toEqual([
      'PrometheusRule/travel/prod-rules', 'ConfigMap/travel/prod-overview-dashboard', 'ConfigMap/travel/prod-traffic-dashboard',
    ]);
    expect(ruleGroupsOf(objects).map((g: any) => g.name)).toEqual(['mcp-mesh.travel.prod.model', 'mcp-mesh.travel.prod.traffic', 'mcp-mesh.travel.prod.alerts']);
    expect(records(objects).sort()).toEqual(Object.values(RECORDED_METRICS).sort());
    expect(alerts(objects)).toEqual(expect.arrayContaining([McpAlert.AGENT_HIGH_ERROR_RATIO, McpAlert.AGENT_HIGH_LATENCY, McpAlert.AGENT_NOT_MESHED]));
  });

  test('Istio rules read the destination side only; Linkerd rules the inbound side without probes', () => {
    const istio = ruleGroupsOf(travel({}, { serviceMesh: ServiceMesh.ISTIO }).objects)[1].rules[0].expr;
    expect(istio).toContain('istio_requests_total{reporter=~"destination|waypoint", destination_workload_namespace="travel", destination_workload=~"(?:hotels|planner|weather)"}');
    const linkerd = ruleGroupsOf(travel({}, { serviceMesh: ServiceMesh.LINKERD }).objects)[1].rules[0].expr;
    expect(linkerd).toContain('response_total{direction="inbound", namespace="travel", deployment=~"(?:hotels|planner|weather)", route_name!="probe"}');
  });

  test('per-capability series only for capabilities whose providers provide nothing else', () => {
    const { objects, obs } = travel({}, { serviceMesh: ServiceMesh.ISTIO });
    expect(obs.attributableCapabilities).toEqual(['plan_trip', 'weather_forecast']);
    const info = ruleGroupsOf(objects)[0].rules.map((r: any) => `${r.labels.agent}/${r.labels.capability}=${r.labels.attributable}`);
    expect(info).toEqual(['weather/weather_forecast=true', 'hotels/hotel_search=false', 'hotels/hotel_book=false', 'planner/plan_trip=true']);
    const traffic = dashboardsOf(objects).traffic;
    const capabilityPanel = traffic.panels.find((p: any) => p.title === 'Request rate per capability');
    expect(capabilityPanel.description).toContain('Not shown (their providers serve other capabilities on the same endpoint): hotel_book, hotel_search.');
  });

  test('without attributable capabilities there are no per-capability rules or panels', () => {
    const objects = synth((chart) => {
      const mesh = new McpMesh(chart, 'Mesh', { namespace: 'n', serviceMesh: ServiceMesh.LINKERD });
      new McpObservability(chart, 'Obs', { mesh });
      mesh.addAgent({ name: 'multi', runtime: rt, capabilities: [{ name: 'a' }, { name: 'b' }] });
    });
    expect(records(objects)).not.toContain(RECORDED_METRICS.capabilityRequests);
    expect(dashboardsOf(objects).traffic.panels.map((p: any) => p.title)).not.toContain('Request rate per capability');
  });

  test('an explicit serviceMesh for an unmanaged service mesh; a mismatch with the mesh\'s own fails', () => {
    expect(travel({ serviceMesh: ServiceMesh.LINKERD }).obs.serviceMesh).toBe(ServiceMesh.LINKERD);
    expect(() => travel({ serviceMesh: ServiceMesh.LINKERD }, { serviceMesh: ServiceMesh.ISTIO }))
      .toThrow(/observability\.serviceMesh: "linkerd" differs from the mesh's serviceMesh "istio".*Fix: leave observability\.serviceMesh unset/);
  });
});

describe('McpObservability: dashboards', () => {
  test('ConfigMaps labelled for the Grafana sidecar, with the folder annotation, valid against the Kubernetes schema', () => {
    const { objects } = travel({}, { serviceMesh: ServiceMesh.ISTIO });
    for (const name of ['prod-overview-dashboard', 'prod-traffic-dashboard']) {
      const cm = find(objects, 'ConfigMap', name);
      expect(cm.metadata.labels.grafana_dashboard).toBe('1');
      expect(cm.metadata.annotations).toEqual({ grafana_folder: 'MCP Mesh' });
      expect(schemaErrors(cm)).toEqual([]);
      expect(Object.keys(cm.data)).toEqual([`travel-prod-${name.split('-')[1]}.json`]);
      expect(Buffer.byteLength(Object.values(cm.data as Record<string, string>)[0])).toBeLessThan(64 * 1024);
    }
  });

  test('custom sidecar label, folder, annotation and namespace', () => {
    const { objects } = travel({
      dashboardLabels: { 'grafana.example.com/dashboard': 'mcp' }, dashboardFolder: 'Platform', dashboardFolderAnnotation: 'k8s-sidecar-target-directory', dashboardNamespace: 'monitoring',
    });
    const cm = find(objects, 'ConfigMap', 'prod-overview-dashboard');
    expect(cm.metadata.namespace).toBe('monitoring');
    expect(cm.metadata.labels['grafana.example.com/dashboard']).toBe('mcp');
    expect(cm.metadata.labels.grafana_dashboard).toBeUndefined();
    expect(cm.metadata.annotations).toEqual({ 'k8s-sidecar-target-directory': 'Platform' });
  });

  test('dashboards: false renders none', () => {
    expect(kinds(travel({ dashboards: false }).objects)).toEqual(['PrometheusRule/travel/prod-rules']);
  });

  test('well-formed Grafana JSON: unique ids, panels on the 24-column grid without overlap, a datasource variable, stable uids', () => {
    const a = dashboardsOf(travel({ scrapeAgents: true }, { serviceMesh: ServiceMesh.LINKERD }).objects);
    const b = dashboardsOf(travel({}, { name: 'staging' }).objects);
    const uids = [a.overview.uid, a.traffic.uid, b.overview.uid];
    expect(new Set(uids).size).toBe(3);
    for (const d of Object.values(a)) {
      expect(d.uid.length).toBeLessThanOrEqual(40);
      expect(d.schemaVersion).toBe(39);
      expect(d.templating.list[0]).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
      const ids = d.panels.map((p: any) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      const cells = new Set<string>();
      for (const p of d.panels) {
        const { x, y, w, h } = p.gridPos;
        expect(x + w).toBeLessThanOrEqual(24);
        for (let i = x; i < x + w; i++) {
          for (let j = y; j < y + h; j++) {
            expect(cells.has(`${i},${j}`)).toBe(false);
            cells.add(`${i},${j}`);
          }
        }
        if (p.type !== 'row') {
          expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
          for (const t of p.targets) expect(t.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
        }
      }
    }
    expect(dashboardsOf(travel().objects).overview.uid).toBe(dashboardsOf(travel().objects).overview.uid);
  });

  test('overview: registry status, agents up and replicas, restarts, CPU and memory per agent, alert states', () => {
    const overview = dashboardsOf(travel().objects).overview;
    const titles = overview.panels.map((p: any) => p.title);
    expect(titles).toEqual(expect.arrayContaining([
      'Registry: ready replicas', 'Agents with an available replica', 'Firing alerts', 'Firing alerts by name', 'Available replicas per agent',
      'Container restarts per agent (last hour)', 'CPU per agent', 'Memory (working set) per agent', 'Registry SQLite volume used',
    ]));
    const alertsQuery = dashboardExprs(overview).find((e) => e.panel === 'Firing alerts by name')!.expr;
    expect(alertsQuery).toBe('sum by (alertname, severity) (ALERTS{alertstate="firing", namespace="travel", mcp_mesh="prod"})');
  });
});

describe('McpObservability: rendering', () => {
  test('every object renders exactly as cdk8s\'s own ApiObject.toJson() would (fast path), also after a JSON patch', () => {
    const { obs } = travel({ scrapeAgents: true }, { serviceMesh: ServiceMesh.ISTIO });
    for (const object of [obs.prometheusRule, obs.podMonitor!, ...obs.dashboardConfigMaps]) {
      expect(JSON.stringify(object.toJson())).toBe(JSON.stringify(ApiObject.prototype.toJson.call(object)));
    }
    obs.prometheusRule.addJsonPatch(JsonPatch.add('/metadata/annotations', { reviewed: 'yes' }));
    expect(obs.prometheusRule.toJson().metadata.annotations).toEqual({ reviewed: 'yes' });
    expect(obs.prometheusRule.toJson().spec.groups.length).toBe(3);
  });

  test('deterministic: two synths give the same objects', () => {
    expect(JSON.stringify(travel({}, { serviceMesh: ServiceMesh.ISTIO }).objects)).toBe(JSON.stringify(travel({}, { serviceMesh: ServiceMesh.ISTIO }).objects));
  });
});

describe('McpObservability: validation (field, value, fix)', () => {
  const bad: Array<[string, McpObservabilityOptions, RegExp]> = [
    ['scrapeTimeout over interval', { scrapeAgents: true, scrapeInterval: Duration.seconds(10), scrapeTimeout: Duration.seconds(20) },
      /^observability\.scrapeTimeout: "20s" is longer than the scrape interval of 10s.*Fix: set scrapeTimeout to at most 10s$/],
    ['scrape interval too short', { scrapeInterval: Duration.seconds(1) }, /^observability\.scrapeInterval: "1s" is not between 5s and 600s.*Fix:/],
    ['fractional for', { alerts: { podNotReadyFor: Duration.millis(1500) } }, /^observability\.alerts\.podNotReadyFor: "1\.5s" is not a whole number of seconds\. Fix: use Duration\.seconds\(2\)$/],
    ['for of more than a week', { alerts: { registryDownFor: Duration.days(8) } }, /^observability\.alerts\.registryDownFor: "691200s" is not between 0s and 604800s/],
    ['ratio as percent', { alerts: { errorRatioThreshold: 5 } }, /^observability\.alerts\.errorRatioThreshold: 5 is not a fraction between 0 and 1 \(exclusive\)\. Fix: write 5 % as 0\.05$/],
    ['volume threshold', { alerts: { registryVolumeFreeThreshold: 0 } }, /^observability\.alerts\.registryVolumeFreeThreshold: 0 is not a fraction/],
    ['negative request gate', { alerts: { minRequestsPerMinute: -1 } }, /^observability\.alerts\.minRequestsPerMinute: -1 is not a number of at least 0/],
    ['unknown alert', { alerts: { disabled: ['KubePodCrashLooping'] } }, /^observability\.alerts\.disabled\[0\]: "KubePodCrashLooping" is not an alert of this library\. Fix: use one of: McpMeshRegistryDown, /],
    ['reserved alert label', { alerts: { labels: { severity: 'page' } } }, /^observability\.alerts\.labels\.severity: "page" is set by the library on every alert/],
    ['bad alert label name', { alerts: { labels: { 'team-name': 'x' } } }, /^observability\.alerts\.labels: "team-name" is not a Prometheus label name/],
    ['runbook URL', { alerts: { runbookBaseUrl: 'runbooks.example.com' } }, /^observability\.alerts\.runbookBaseUrl: "runbooks\.example\.com" is not an http\(s\) URL/],
    ['latency threshold', { alerts: { latencyP99Threshold: Duration.seconds(0) } }, /^observability\.alerts\.latencyP99Threshold: "0s" is not between 0\.001s and 86400s/],
    ['selector label value', { prometheusSelectorLabels: { release: 'kube prometheus' } }, /^observability\.prometheusSelectorLabels\.release: "kube prometheus" is not a valid label value/],
    ['selector label key', { prometheusSelectorLabels: { '-release': 'x' } }, /^observability\.prometheusSelectorLabels: "-release" is not a valid label or annotation key/],
    ['no dashboard label', { dashboardLabels: {} }, /^observability\.dashboardLabels: \{\} is empty, so the Grafana sidecar would never pick the dashboards up\. Fix:/],
    ['folder', { dashboardFolder: 'a/b' }, /^observability\.dashboardFolder: "a\/b" is not a Grafana folder title/],
    ['folder annotation', { dashboardFolderAnnotation: 'grafana folder' }, /^observability\.dashboardFolderAnnotation: "grafana folder" is not a valid label or annotation key/],
    ['dashboard namespace', { dashboardNamespace: 'Monitoring' }, /^observability\.dashboardNamespace: "Monitoring" is not a valid DNS-1123 label/],
    ['service mesh', { serviceMesh: 'consul' as ServiceMesh }, /^observability\.serviceMesh: "consul" is not a supported service mesh\. Fix: use ServiceMesh\.NONE, ServiceMesh\.ISTIO or ServiceMesh\.LINKERD$/],
    ['scrapeAgents type', { scrapeAgents: 'yes' as unknown as boolean }, /^observability\.scrapeAgents: "yes" is not true or false/],
  ];
  for (const [name, options, message] of bad) {
    test(name, () => {
      let error: unknown;
      try {
        travel(options);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MeshValidationError);
      expect((error as Error).message).toMatch(message);
      expect((error as MeshValidationError).field).toMatch(/^observability\./);
      expect((error as MeshValidationError).fix.length).toBeGreaterThan(5);
    });
  }

  test('the mesh must be an McpMesh', () => {
    expect(() => new McpObservability(scope(), 'O', { mesh: {} as any }))
      .toThrow(/^observability\.mesh: "object" is not an McpMesh\. Fix: pass the McpMesh construct/);
    expect(() => new McpObservability(scope(), 'O', undefined as any)).toThrow(/^observability\.mesh: undefined is not an McpMesh/);
  });
});
