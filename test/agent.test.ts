import { createHash } from 'crypto';
import { Duration } from 'cdk8s';
import { parse } from 'yaml';
import { AdvertiseMode, AgentRuntime, LogLevel, McpAgent, McpMesh, SecretValue, ServiceMesh } from '../src';
import { container, envOf, find, scope, synth } from './util/synth';

const registry = { url: 'http://mcp-mesh-registry.mesh.svc.cluster.local:8000' };
const rt = AgentRuntime.python({ image: 'ghcr.io/example/weather-agent:1.0.0', script: 'weather.py' });

function agentObjects(props: Partial<ConstructorParameters<typeof McpAgent>[2]> = {}, namespace = 'mesh') {
  return synth((chart) => new McpAgent(chart, 'weather', { registry, runtime: rt, capabilities: [{ name: 'weather_forecast' }], ...props }), namespace);
}

describe('McpAgent', () => {
  test('renders a ServiceAccount, a ClusterIP Service, a ConfigMap and a Deployment named after the agent', () => {
    expect(agentObjects().map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/weather', 'Service/weather', 'ConfigMap/weather-config', 'Deployment/weather',
    ]);
  });

  test('advertises its Service DNS name by default, so calls spread over replicas', () => {
    const env = envOf(find(agentObjects({ replicas: 3 }), 'Deployment', 'weather'));
    expect(env.MCP_MESH_HTTP_HOST).toBe('weather.mesh.svc.cluster.local');
    expect(env.MCP_MESH_AGENT_ID).toEqual({ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } });
    expect(env.POD_IP).toEqual({ fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } });
  });

  test('advertises the pod IP in POD_IP mode, with a headless Service for discovery', () => {
    const objects = agentObjects({ advertise: AdvertiseMode.POD_IP });
    expect(envOf(find(objects, 'Deployment', 'weather')).MCP_MESH_HTTP_HOST).toEqual({ fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } });
    expect(find(objects, 'Service', 'weather-pods').spec.clusterIP).toBe('None');
  });

  test('sets exactly the env the runtime reads: port equal to the containerPort, registry URL from the registry', () => {
    const deployment = find(agentObjects({ port: 9090, logLevel: LogLevel.DEBUG, heartbeatInterval: Duration.seconds(7) }), 'Deployment', 'weather');
    expect(Object.keys(envOf(deployment))).toEqual([
      'HOST', 'MCP_MESH_HTTP_HOST', 'MCP_MESH_HTTP_PORT', 'MCP_MESH_REGISTRY_URL', 'MCP_MESH_AGENT_NAME', 'MCP_MESH_AGENT_ID', 'POD_IP',
      'MCP_MESH_HEALTH_INTERVAL', 'MCP_MESH_LOG_LEVEL',
    ]);
    const env = envOf(deployment);
    expect(env).toMatchObject({
      HOST: '0.0.0.0', MCP_MESH_HTTP_PORT: '9090', MCP_MESH_REGISTRY_URL: registry.url, MCP_MESH_AGENT_NAME: 'weather',
      MCP_MESH_HEALTH_INTERVAL: '7', MCP_MESH_LOG_LEVEL: 'DEBUG',
    });
    expect(container(deployment).ports).toEqual([{ containerPort: 9090, name: 'http', protocol: 'TCP' }]);
    // Variables that upstream charts set but nothing reads never appear.
    for (const unread of ['MCP_MESH_REGISTRY_HOST', 'MCP_MESH_REGISTRY_PORT', 'ENABLE_PROMETHEUS', 'UVICORN_HOST', 'DATABASE_TYPE']) {
      expect(env[unread]).toBeUndefined();
    }
  });

  test('probes /startupz, /livez and /ready, never /health', () => {
    const c = container(find(agentObjects(), 'Deployment', 'weather'));
    expect(c.startupProbe.httpGet.path).toBe('/startupz');
    expect(c.livenessProbe.httpGet.path).toBe('/livez');
    expect(c.readinessProbe.httpGet.path).toBe('/ready');
    expect(JSON.stringify(c)).not.toMatch(/"\/health"/);
  });

  test('writes agent-config.yaml with capabilities, dependencies, health interval and retries, and rolls pods when it changes', () => {
    const objects = agentObjects({
      capabilities: [{ name: 'weather_forecast', version: '2.0.0', timeout: Duration.seconds(12), tags: ['weather'] }],
      dependsOn: ['geo_lookup'], retryAttempts: 5,
    });
    const text = find(objects, 'ConfigMap', 'weather-config').data['agent-config.yaml'];
    expect(parse(text)).toEqual({
      agent: { name: 'weather', http_port: 8080, health_interval: 5, retry_attempts: 5 },
      registry: { url: registry.url },
      capabilities: [{ capability: 'weather_forecast', version: '2.0.0', timeout: 12, tags: ['weather'] }],
      dependencies: [{ capability: 'geo_lookup' }],
    });
    const deployment = find(objects, 'Deployment', 'weather');
    expect(deployment.spec.template.metadata.annotations['mesh.mcp.io/config-checksum']).toBe(createHash('sha256').update(text).digest('hex'));
    expect(container(deployment).volumeMounts).toContainEqual({ mountPath: '/etc/mcp-mesh', name: 'config', readOnly: true });
    const other = find(agentObjects({ retryAttempts: 4 }), 'Deployment', 'weather');
    expect(other.spec.template.metadata.annotations['mesh.mcp.io/config-checksum'])
      .not.toBe(deployment.spec.template.metadata.annotations['mesh.mcp.io/config-checksum']);
  });

  test('a custom runtime names its own probe paths; the MCP Mesh runtime\'s are the default', () => {
    const probes = (o: any) => ['startupProbe', 'livenessProbe', 'readinessProbe'].map((p) => container(find(o, 'Deployment', 'weather'))[p].httpGet.path);
    expect(probes(agentObjects({ runtime: AgentRuntime.custom({ image: 'ghcr.io/example/ts-agent:1.0.0' }) }))).toEqual(['/startupz', '/livez', '/ready']);
    const custom = agentObjects({ runtime: AgentRuntime.custom({ image: 'ghcr.io/example/java-agent:1.0.0', probes: { startup: '/actuator/health', liveness: '/actuator/health/liveness', readiness: '/actuator/health/readiness' } }) });
    expect(probes(custom)).toEqual(['/actuator/health', '/actuator/health/liveness', '/actuator/health/readiness']);
    expect(() => agentObjects({ runtime: AgentRuntime.custom({ image: 'ghcr.io/example/a:1.0.0', probes: { readiness: 'ready now' } }) }))
      .toThrow('agents.weather.runtime.probes.readiness: "ready now" is not an HTTP path the kubelet can probe. Fix: write an absolute path such as "/healthz"');
  });

  test('ships inline source in a ConfigMap that the stock runtime image runs', () => {
    const objects = agentObjects({ runtime: AgentRuntime.python({ source: 'print("hi")\n' }) });
    expect(find(objects, 'ConfigMap', 'weather-code').data).toEqual({ 'main.py': 'print("hi")\n' });
    const c = container(find(objects, 'Deployment', 'weather'));
    expect(c.image).toBe('mcpmesh/python-runtime:3.8.0');
    expect(c.args).toEqual(['/opt/mcp-mesh/agent/main.py']);
    expect(c.volumeMounts).toContainEqual({ mountPath: '/opt/mcp-mesh/agent', name: 'source', readOnly: true });
    expect(() => agentObjects({ runtime: AgentRuntime.python({ source: 'x', script: 'y.py' }) })).toThrow(/runtime\.script: "y\.py" is set together with source/);
    expect(() => agentObjects({ runtime: AgentRuntime.python({ script: 'y.py' }) })).toThrow(/runtime\.image: undefined is not set, and the stock runtime image holds no agent code/);
    expect(() => agentObjects({ runtime: undefined as any })).toThrow(/agents\.weather\.runtime: undefined is required\. Fix: set runtime: one of AgentRuntime\.custom\(\.\.\.\), AgentRuntime\.python\(\.\.\.\)/);
  });

  test('injects secrets from Secret references and refuses plain-text ones unless allowed', () => {
    const env = envOf(find(agentObjects({ secretEnv: [{ name: 'ANTHROPIC_API_KEY', value: SecretValue.fromSecretKey('llm-keys', 'anthropic') }] }), 'Deployment', 'weather'));
    expect(env.ANTHROPIC_API_KEY).toEqual({ secretKeyRef: { key: 'anthropic', name: 'llm-keys' } });

    const plain = [{ name: 'OPENAI_API_KEY', value: SecretValue.unsafePlainText('sk-test') }];
    expect(() => agentObjects({ secretEnv: plain })).toThrow(/agents\.weather\.secretEnv\[0\]\.value: "<redacted>" is a plain-text secret.*allowPlainTextSecrets/);
    const allowed = agentObjects({ secretEnv: plain, allowPlainTextSecrets: true });
    expect(find(allowed, 'Secret', 'weather-secrets').stringData).toEqual({ OPENAI_API_KEY: 'sk-test' });
    expect(envOf(find(allowed, 'Deployment', 'weather')).OPENAI_API_KEY).toEqual({ secretKeyRef: { key: 'OPENAI_API_KEY', name: 'weather-secrets' } });
  });

  test('refuses env that looks secret or that the construct manages', () => {
    expect(() => agentObjects({ env: [{ name: 'GOOGLE_API_KEY', value: 'x' }] })).toThrow(/env\[0\]\.name: "GOOGLE_API_KEY" looks like a secret.*secretEnv/);
    // Credentials in other common shapes, by name and by value.
    for (const env of [{ name: 'DEEPL_AUTH', value: 'x' }, { name: 'GH_BEARER', value: 'x' }, { name: 'HEADER', value: `Bearer ${'t'.repeat(32)}` },
      { name: 'SLACK', value: 'xoxb-1234567890-abcdef' }, { name: 'STRIPE', value: `sk_live_${'a'.repeat(24)}` }]) {
      expect(() => agentObjects({ env: [env] })).toThrow(/looks like a secret/);
    }
    expect(() => agentObjects({ env: [{ name: 'AUTH_URL', value: 'https://login.example.com' }, { name: 'OAUTH_CLIENT_ID', value: 'mesh' }] })).not.toThrow();
    expect(() => agentObjects({ env: [{ name: 'MCP_MESH_HTTP_PORT', value: '1' }] })).toThrow(/is set by the agent construct itself.*"port" prop/);
    expect(() => agentObjects({ env: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }] })).toThrow(/env\[1\]\.name: "A" is set twice/);
    // Values the 3.8 runtime reads as "mesh off", "embedded" or "unset".
    for (const value of ['', 'false', '0', 'off', 'no']) {
      expect(() => agentObjects({ env: [{ name: 'MCP_MESH_ENABLED', value }] })).toThrow(/env\[0\]\.value: .* disables the mesh in the runtime .*Fix: remove MCP_MESH_ENABLED/);
    }
    expect(() => agentObjects({ env: [{ name: 'MCP_MESH_AUTO_RUN', value: 'false' }] })).toThrow(/embedded mode.*Fix: remove MCP_MESH_AUTO_RUN/);
    expect(() => agentObjects({ env: [{ name: 'MCP_MESH_TRACE_CONSUMER_GROUP', value: ' ' }] })).toThrow(/is empty, which the runtime \(3\.8\) reads as unset/);
    expect(() => agentObjects({ env: [{ name: 'MCP_MESH_ENABLED', value: 'true' }, { name: 'MCP_MESH_AUTO_RUN', value: 'true' }] })).not.toThrow();
  });

  test('runs restricted with a writable /tmp and its own ServiceAccount without a token', () => {
    const deployment = find(agentObjects(), 'Deployment', 'weather');
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container(deployment).securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container(deployment).volumeMounts).toContainEqual({ mountPath: '/tmp', name: 'tmp' });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('weather');
    expect(container(deployment).resources).toEqual({ limits: { 'ephemeral-storage': '2Gi', 'memory': '512Mi' }, requests: { 'cpu': '100m', 'ephemeral-storage': '50Mi', 'memory': '256Mi' } });
  });

  test('shuts down gracefully: a preStop pause, then time for the longest call, and rollouts that keep capacity', () => {
    const deployment = find(agentObjects({
      capabilities: [{ name: 'a', timeout: Duration.seconds(45) }, { name: 'b', timeout: Duration.seconds(5) }], preStopDelay: Duration.seconds(8),
    }), 'Deployment', 'weather');
    expect(container(deployment).lifecycle).toEqual({ preStop: { sleep: { seconds: 8 } } });
    // The Python runtime waits at most 30 s for calls in flight after SIGTERM: a longer grace period buys nothing.
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBe(8 + 30 + 5);
    expect(deployment.spec.strategy).toEqual({ rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }, type: 'RollingUpdate' });
    const custom = find(agentObjects({
      runtime: AgentRuntime.custom({ image: 'ghcr.io/x/agent:1.0.0' }), capabilities: [{ name: 'a', timeout: Duration.seconds(45) }], preStopDelay: Duration.seconds(8),
    }), 'Deployment', 'weather');
    expect(custom.spec.template.spec.terminationGracePeriodSeconds).toBe(8 + 45 + 5);
    expect(() => agentObjects({ drainTimeout: Duration.minutes(2) }))
      .toThrow(/agents\.weather\.drainTimeout: "120s" is longer than the 30s the runtime waits for calls in flight after SIGTERM/);
  });

  test('takes custom images, commands and users, and refuses unpinned images and root', () => {
    const c = container(find(agentObjects({ runtime: AgentRuntime.custom({ image: 'ghcr.io/x/agent:1.2.3', command: ['node', 'agent.js'], runAsUser: 1500 }) }), 'Deployment', 'weather'));
    expect(c.image).toBe('ghcr.io/x/agent:1.2.3');
    expect(c.command).toEqual(['node', 'agent.js']);
    expect(() => agentObjects({ runtime: AgentRuntime.custom({ image: 'ghcr.io/x/agent' }) })).toThrow(/runtime\.image: "ghcr\.io\/x\/agent" is not pinned/);
    expect(() => agentObjects({ runtime: AgentRuntime.custom({ image: 'ghcr.io/x/agent:1.0', runAsUser: 0 }) })).toThrow(/runtime\.runAsUser: 0 .*non-root/);
  });

  test('fails on a registry that is not a URL', () => {
    expect(() => new McpAgent(scope(), 'a', { registry: { url: 'mcp-mesh-registry:8000' }, runtime: rt })).toThrow(/agents\.a\.registry: "mcp-mesh-registry:8000" is not a registry URL/);
  });

  test('a runtime made without one of its factories (Python can call the constructor) is named as such', () => {
    expect(() => synth((chart) => new McpMesh(chart, 'Mesh', { namespace: 'ns', agents: [{ name: 'a', runtime: Object.create(AgentRuntime.prototype) }] })))
      .toThrow(new Error('agents.a.runtime: {} is a AgentRuntime made without one of its factories. Fix: pass one of AgentRuntime.custom(...), AgentRuntime.python(...)'));
  });

  test('named by a construct id that is no agent name: one error, which says to pass name (and the name to use)', () => {
    expect(() => new McpAgent(scope(), 'Weather', { registry, runtime: rt })).toThrow(new Error('agents.Weather.name: "Weather" is not a valid DNS-1123 label '
      + '(lowercase letters, digits and "-", starting and ending with a letter or digit); it is the construct id, which names the agent when name is not given. '
      + 'Fix: pass name (the agent\'s name in the registry and of its objects): use a name such as "weather"'));
    expect(() => new McpAgent(scope(), 'a'.repeat(51), { registry, runtime: rt })).toThrow(/it is the construct id.*Fix: pass name .*: shorten it to at most 50 characters/);
  });
});

test('local disk: every container requests 50Mi and may use 2Gi by default; both can be set, and a request above the limit fails synth', () => {
  const objects = synth((chart) => new McpMesh(chart, 'Mesh', {
    agents: [{ name: 'a', runtime: AgentRuntime.python({ image: 'x:1', script: 'a.py' }), resources: { ephemeralStorageRequest: '1Gi', ephemeralStorageLimit: '4Gi' } }],
  }));
  expect(container(find(objects, 'Deployment', 'a')).resources).toMatchObject({ limits: { 'ephemeral-storage': '4Gi' }, requests: { 'ephemeral-storage': '1Gi' } });
  expect(container(find(objects, 'StatefulSet', 'mcp-mesh-registry')).resources).toMatchObject({ limits: { 'ephemeral-storage': '2Gi' }, requests: { 'ephemeral-storage': '50Mi' } });
  expect(() => synth((chart) => new McpMesh(chart, 'Mesh', {
    agents: [{ name: 'a', runtime: AgentRuntime.python({ image: 'x:1', script: 'a.py' }), resources: { ephemeralStorageRequest: '3Gi' } }],
  }))).toThrow('agents.a.resources.ephemeralStorageLimit: "2Gi" is lower than the ephemeral-storage request 3Gi. Fix: raise agents.a.resources.ephemeralStorageLimit to at least 3Gi or lower agents.a.resources.ephemeralStorageRequest');
});

describe('the service mesh proxy outlives the app on shutdown', () => {
  const podOf = (serviceMesh: ServiceMesh, kind: string, name: string) => {
    const objects = synth((chart) => new McpMesh(chart, 'Mesh', {
      serviceMesh,
      agents: [{ name: 'slow', runtime: rt, capabilities: [{ name: 'plan', timeout: Duration.seconds(25) }], preStopDelay: Duration.seconds(8) }],
    }));
    return find(objects, kind, name).spec.template;
  };

  test('Istio: terminationDrainDuration covers the preStop pause and the drain, within the grace period', () => {
    const agent = podOf(ServiceMesh.ISTIO, 'Deployment', 'slow');
    expect(JSON.parse(agent.metadata.annotations['proxy.istio.io/config'])).toEqual({ holdApplicationUntilProxyStarts: true, terminationDrainDuration: '33s' });
    expect(agent.spec.terminationGracePeriodSeconds).toBe(38);
    const registry = podOf(ServiceMesh.ISTIO, 'StatefulSet', 'mcp-mesh-registry');
    expect(JSON.parse(registry.metadata.annotations['proxy.istio.io/config']).terminationDrainDuration).toBe('25s');
    expect(registry.spec.terminationGracePeriodSeconds).toBe(30);
  });

  test('Linkerd: the proxy waits as long before it exits, within the grace period', () => {
    const agent = podOf(ServiceMesh.LINKERD, 'Deployment', 'slow');
    expect(agent.metadata.annotations).toMatchObject({ 'linkerd.io/inject': 'enabled', 'config.alpha.linkerd.io/proxy-wait-before-exit-seconds': '33' });
    expect(agent.spec.terminationGracePeriodSeconds).toBeGreaterThan(33);
    expect(podOf(ServiceMesh.LINKERD, 'StatefulSet', 'mcp-mesh-registry').metadata.annotations['config.alpha.linkerd.io/proxy-wait-before-exit-seconds']).toBe('25');
  });
});

describe('pod-ip advertising, where it cannot work', () => {
  const problemsOf = (props: object) => {
    try {
      synth((chart) => new McpMesh(chart, 'Mesh', { serviceMesh: ServiceMesh.ISTIO, agents: [{ name: 'a', runtime: rt, advertise: AdvertiseMode.POD_IP, ...props }] }));
    } catch (e) {
      return (e as { problems: Array<{ field: string; problem: string }> }).problems.map((p) => `${p.field}: ${p.problem}`);
    }
    return [];
  };

  test('with an autoscaler: the replicas it adds would take no calls', () => {
    expect(problemsOf({ autoscaling: { maxReplicas: 5 } })).toEqual([expect.stringMatching(/^agents\.a\.advertise: is set together with autoscaling: .* take no calls$/)]);
  });

  test('with traffic settings under a service mesh: its routes match the Service name, not pod IPs', () => {
    expect(problemsOf({ traffic: { retries: 1 } })).toEqual([expect.stringMatching(/^agents\.a\.traffic: does not apply to a pod-ip agent/)]);
  });

  test('with fixed replicas (standbys) it synthesizes', () => {
    expect(problemsOf({ replicas: 2 })).toEqual([]);
  });
});

test('resources: a prop present but undefined removes the default (what a Helm value set to null becomes); null is refused', () => {
  const deployment = (resources: object) => container(find(synth((chart) => new McpMesh(chart, 'Mesh', {
    agents: [{ name: 'a', runtime: AgentRuntime.python({ image: 'x:1', script: 'a.py' }), resources }],
  })), 'Deployment', 'a')).resources;
  expect(deployment({}).limits['ephemeral-storage']).toBe('2Gi');
  expect(deployment({ ephemeralStorageLimit: undefined }).limits?.['ephemeral-storage']).toBeUndefined();
  expect(() => deployment({ cpuRequest: null })).toThrow(/agents\.a\.resources\.cpuRequest/);
});
