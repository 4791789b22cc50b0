import { Duration } from 'cdk8s';
import { AgentRuntime, LogLevel, McpMesh, McpRegistry, RegistryStorage, VolumeAccessMode } from '../src';
import { container, envOf, find, scope, synth } from './util/synth';

describe('McpRegistry', () => {
  test('renders a StatefulSet governed by a headless Service, a ClusterIP Service on 8000 and a ServiceAccount', () => {
    const objects = synth((chart) => new McpRegistry(chart, 'Registry'), 'mesh');
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/mcp-mesh-registry', 'Service/mcp-mesh-registry-headless', 'Service/mcp-mesh-registry', 'StatefulSet/mcp-mesh-registry',
    ]);
    const sts = find(objects, 'StatefulSet', 'mcp-mesh-registry');
    const headless = find(objects, 'Service', 'mcp-mesh-registry-headless');
    const service = find(objects, 'Service', 'mcp-mesh-registry');
    expect(sts.spec.serviceName).toBe('mcp-mesh-registry-headless');
    expect(headless.spec.clusterIP).toBe('None');
    expect(service.spec.type).toBe('ClusterIP');
    // Agents call 8000; the admin API has a port of its own (reached with kubectl port-forward).
    expect(service.spec.ports).toEqual([
      { appProtocol: 'http', name: 'http', port: 8000, protocol: 'TCP', targetPort: 'http' },
      { appProtocol: 'http', name: 'admin', port: 8001, protocol: 'TCP', targetPort: 'admin' },
    ]);
    expect(headless.spec.ports).toEqual([{ appProtocol: 'http', name: 'http', port: 8000, protocol: 'TCP', targetPort: 'http' }]);
    // Both Services select exactly the StatefulSet's pods.
    expect(service.spec.selector).toEqual(sts.spec.selector.matchLabels);
    expect(headless.spec.selector).toEqual(sts.spec.selector.matchLabels);
    for (const [k, v] of Object.entries(sts.spec.selector.matchLabels)) expect(sts.spec.template.metadata.labels[k]).toBe(v);
    expect(objects.every((o) => o.metadata.namespace === 'mesh')).toBe(true);
  });

  test('exposes the fully qualified URL when the namespace is known, the short one otherwise', () => {
    const s = scope();
    expect(new McpRegistry(s, 'A', { namespace: 'mesh' }).url).toBe('http://mcp-mesh-registry.mesh.svc.cluster.local:8000');
    expect(new McpRegistry(s, 'B', { name: 'reg', port: 9000 }).url).toBe('http://reg:9000');
    expect(new McpRegistry(s, 'C', { name: 'reg2', namespace: 'x', clusterDomain: 'corp.local' }).url).toBe('http://reg2.x.svc.corp.local:8000');
  });

  test('stores SQLite on a volumeClaimTemplate at /data and points DATABASE_URL at it', () => {
    const objects = synth((chart) => new McpRegistry(chart, 'Registry', {
      storage: RegistryStorage.sqlite({ size: '5Gi', storageClassName: 'fast-ssd', accessMode: VolumeAccessMode.READ_WRITE_ONCE_POD }),
    }));
    const sts = find(objects, 'StatefulSet', 'mcp-mesh-registry');
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.volumeClaimTemplates).toEqual([{
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOncePod'], resources: { requests: { storage: '5Gi' } }, storageClassName: 'fast-ssd' },
    }]);
    expect(container(sts).volumeMounts).toContainEqual({ mountPath: '/data', name: 'data' });
    expect(envOf(sts).DATABASE_URL).toBe('/data/mcp_mesh_registry.db');
    // The claim outlives a `kubectl delete` of the StatefulSet: the registry's data is not thrown away by accident.
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  });

  test('reads the PostgreSQL URL from a Secret, starts replicas one at a time and adds a PodDisruptionBudget', () => {
    const objects = synth((chart) => new McpRegistry(chart, 'Registry', {
      replicas: 3, storage: RegistryStorage.postgres({ urlSecret: { name: 'registry-db', key: 'url' } }),
    }));
    const sts = find(objects, 'StatefulSet', 'mcp-mesh-registry');
    expect(sts.spec.replicas).toBe(3);
    // Registries starting together on an empty database race to create its tables.
    expect(sts.spec.podManagementPolicy).toBe('OrderedReady');
    expect(sts.spec.volumeClaimTemplates).toBeUndefined();
    expect(envOf(sts).DATABASE_URL).toEqual({ secretKeyRef: { key: 'url', name: 'registry-db' } });
    const pdb = find(objects, 'PodDisruptionBudget', 'mcp-mesh-registry');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: sts.spec.selector });
    expect(JSON.stringify(objects)).not.toMatch(/postgres:\/\//);
  });

  test('fails on more than one replica on SQLite, saying why and what to do', () => {
    expect(() => new McpRegistry(scope(), 'R', { replicas: 2 }))
      .toThrow(/registry\.replicas: 2 is more than the 1 replica that SQLite storage allows.*Fix: set replicas to 1, or use storage: RegistryStorage\.postgres/);
  });

  test('sets exactly the env the registry reads, with flags that agree with it', () => {
    const objects = synth((chart) => new McpRegistry(chart, 'Registry', {
      port: 8100, logLevel: LogLevel.DEBUG, healthCheckInterval: Duration.seconds(5), timeoutThreshold: Duration.seconds(15),
      evictionThreshold: Duration.minutes(1),
    }));
    const sts = find(objects, 'StatefulSet', 'mcp-mesh-registry');
    expect(envOf(sts)).toEqual({
      HOST: '0.0.0.0', PORT: '8100', MCP_MESH_ADMIN_PORT: '8001', DATABASE_URL: '/data/mcp_mesh_registry.db', MCP_MESH_LOG_LEVEL: 'DEBUG',
      HEALTH_CHECK_INTERVAL: '5', DEFAULT_TIMEOUT_THRESHOLD: '15', DEFAULT_EVICTION_THRESHOLD: '60',
    });
    // The binary's --host/--port flags win over the env: they must say the same.
    expect(container(sts).args).toEqual(['--host', '0.0.0.0', '--port', '8100']);
    expect(container(sts).ports).toEqual([{ containerPort: 8100, name: 'http', protocol: 'TCP' }, { containerPort: 8001, name: 'admin', protocol: 'TCP' }]);
  });

  test('probes /health, the only health endpoint the registry serves', () => {
    const c = container(find(synth((chart) => new McpRegistry(chart, 'R')), 'StatefulSet', 'mcp-mesh-registry'));
    for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) {
      expect(probe.httpGet).toEqual({ path: '/health', port: 'http', scheme: 'HTTP' });
    }
    expect(c.readinessProbe.periodSeconds).toBeLessThan(c.livenessProbe.periodSeconds);
  });

  test('runs restricted: non-root uid 1001, no escalation, no capabilities, read-only root with a writable /tmp', () => {
    const sts = find(synth((chart) => new McpRegistry(chart, 'R')), 'StatefulSet', 'mcp-mesh-registry');
    const pod = sts.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container(sts).securityContext).toEqual({
      allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true,
    });
    expect(container(sts).volumeMounts).toContainEqual({ mountPath: '/tmp', name: 'tmp' });
    expect(pod.volumes).toContainEqual({ emptyDir: { sizeLimit: '64Mi' }, name: 'tmp' });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('mcp-mesh-registry');
    expect(container(sts).resources).toEqual({ limits: { 'ephemeral-storage': '2Gi', 'memory': '512Mi' }, requests: { 'cpu': '100m', 'ephemeral-storage': '50Mi', 'memory': '128Mi' } });
  });

  test('fails on thresholds that contradict each other', () => {
    expect(() => new McpRegistry(scope(), 'R', { timeoutThreshold: Duration.seconds(5), healthCheckInterval: Duration.seconds(10) }))
      .toThrow(/registry\.timeoutThreshold: "5s" is shorter than the health check interval 10s/);
    expect(() => new McpRegistry(scope(), 'R', { retention: Duration.seconds(10), timeoutThreshold: Duration.seconds(30) }))
      .toThrow('registry.retention: "10s" is not a whole number of seconds from 60 to 2592000. Fix: use Duration.seconds(n) with n from 60 to 2592000');
    expect(() => new McpRegistry(scope(), 'R', { retention: Duration.minutes(1), timeoutThreshold: Duration.minutes(2), evictionThreshold: Duration.minutes(5) }))
      .toThrow('registry.retention: "60s" is shorter than the timeout threshold 120s, so agents would be removed before they are ever marked unhealthy');
    expect(() => new McpRegistry(scope(), 'R', { evictionThreshold: Duration.seconds(20) }))
      .toThrow(/registry\.evictionThreshold: "20s" is not longer than the timeout threshold 20s/);
  });

  test('fails on an unpinned image and on requests above limits', () => {
    expect(() => new McpRegistry(scope(), 'R', { image: 'mcpmesh/registry:latest' })).toThrow(/registry\.image: .* is not pinned/);
    expect(() => new McpRegistry(scope(), 'R', { image: 'mcpmesh/registry' })).toThrow(/registry\.image: .* is not pinned/);
    expect(() => new McpRegistry(scope(), 'R', { resources: { memoryRequest: '1Gi', memoryLimit: '512Mi' } }))
      .toThrow(/registry\.resources\.memoryLimit: "512Mi" is lower than the memory request 1Gi/);
  });
});

describe('registry sizing from measurements (docs/sizing.md)', () => {
  const rt = AgentRuntime.python({ image: 'ghcr.io/example/a:1.0.0', script: 'a.py' });
  const agents = (n: number) => Array.from({ length: n }, (_, i) => ({ runtime: rt, name: `a${i}` }));

  test('expectedAgents sets the requests', () => {
    const cpu = (expectedAgents: number) => container(find(synth((chart) => new McpRegistry(chart, 'R', { expectedAgents })), 'StatefulSet', 'mcp-mesh-registry')).resources;
    expect(cpu(100)).toEqual({ limits: { 'ephemeral-storage': '2Gi', 'memory': '512Mi' }, requests: { 'cpu': '100m', 'ephemeral-storage': '50Mi', 'memory': '128Mi' } });
    expect(cpu(800).requests.cpu).toBe('500m');
    expect(cpu(1500)).toEqual({ limits: { 'ephemeral-storage': '2Gi', 'memory': '512Mi' }, requests: { 'cpu': '1', 'ephemeral-storage': '50Mi', 'memory': '256Mi' } });
  });

  test('fails when the agents send more heartbeats than the registry\'s CPU request carries, naming the fix', () => {
    expect(() => synth((chart) => new McpMesh(chart, 'Mesh', { agents: agents(300) })))
      .toThrow(/registry\.expectedAgents: "100m" is less than the 120m that 60 heartbeats per second \(300 agent pods over 1 registry replica\(s\)\) take.*Fix: set registry\.expectedAgents/);
    expect(() => synth((chart) => new McpMesh(chart, 'Mesh', { agents: agents(300), registry: { expectedAgents: 300 } }))).not.toThrow();
    expect(() => synth((chart) => new McpMesh(chart, 'Mesh', { agents: agents(300), registry: { resources: { cpuRequest: '50m' } } })))
      .toThrow(/registry\.resources\.cpuRequest: "50m" is less than the 120m/);
  });

  test('fails on SQLite past its measured ceiling', () => {
    expect(() => synth((chart) => new McpMesh(chart, 'Mesh', { agents: agents(1600), registry: { expectedAgents: 1600 }, policyCheck: false })))
      .toThrow(/registry\.storage: "sqlite" cannot carry 320 heartbeats per second \(1600 agent pods\).*tops out near 300/);
  });
});
