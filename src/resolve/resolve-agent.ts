/**
 * The resolve step of an agent: props in, a validated agent out, every problem of the agent collected.
 * Pure: it creates no construct and reads nothing of the construct tree, so that a mesh can resolve all its
 * agents before it renders any, and every surface (TypeScript, JavaScript, YAML, Helm values, Python) meets
 * the same checks.
 */
import { Duration } from 'cdk8s';
import { AgentAutoscaling, AgentExposure, CapabilityProps, McpAgentProps } from '../agent/agent-props';
import { renderAgentConfig } from '../agent/agent-config';
import { AgentRuntime, RuntimeBinding } from '../agent/agent-runtime';
import { MAX_OBJECT_BYTES } from '../k8s/limits';
import { DEFAULT_CLUSTER_DOMAIN, serviceHost } from '../k8s/naming';
import { EnvVarJson, envFromField, envFromSecret, envValue } from '../k8s/pod';
import { ResourceRequirementsJson, renderResources } from '../k8s/resources';
import { PodMetadata, requireFreeOfProxy, serviceMeshPodMetadata } from '../k8s/service-mesh';
import { PodPlacement, resolvePodPlacement } from '../k8s/pod-placement';
import { MeshValidationError } from '../model/errors';
import { AdvertiseMode, AgentModel, CapabilityModel, ExposureModel, longestCallSeconds } from '../model/mesh-model';
import { AGENT_CONFIG_FILE, DEFAULT_AGENT_PORT, LogLevel } from '../model/runtime';
import { ServiceMesh } from '../model/service-mesh';
import {
  durationSeconds, isUrlPath, looksLikeSecretVariable, routePathTraversal, requireCapabilityName, requireDnsLabel, requireDnsSubdomain, requireEnvName, requireInteger, requireLogLevel,
  requirePort, requireSemver, requireServiceName,
} from '../model/validation';
import { agentTracingEnv, tracingBackends } from '../observability/tracing';
import { issueErrors, propsIssues } from '../schema/props';
import { Problems, ResolvedCarrier, deepFreeze, resolvedOrThrow, sharedModel } from './problems';
import { WorkloadTls, resolveTls, workloadTls } from './resolve-tls';

/** An agent as it renders: every value checked, every default applied. */
export interface ResolvedAgent {
  /** The agent as the mesh graph sees it. */
  readonly model: AgentModel;
  readonly instance: string;
  readonly registryUrl: string;
  readonly runtime: RuntimeBinding;
  /** The HorizontalPodAutoscaler's settings, when the agent scales on CPU. */
  readonly autoscaling?: { readonly minReplicas: number; readonly maxReplicas: number; readonly targetCpuUtilization: number };
  /** A headless Service too (always in POD_IP mode). */
  readonly headlessService: boolean;
  readonly preStopSeconds: number;
  readonly drainSeconds: number;
  /** The container's env, in order: the managed variables, the runtime's, the user's. */
  readonly env: readonly EnvVarJson[];
  /** `SecretValue.unsafePlainText` values, for the agent's own Secret (when allowed). */
  readonly plainTextSecret?: { readonly name: string; readonly data: Readonly<Record<string, string>> };
  readonly resources: ResourceRequirementsJson;
  /** The service mesh's pod labels and annotations. */
  readonly podMetadata: PodMetadata;
  /** The agent-config.yaml the runtime reads. */
  readonly configText: string;
  /** The runtime's own TLS: the certificate, its mounts and env; the kubelet then probes the TCP port. */
  readonly tls?: WorkloadTls;
  /** Node selector, tolerations, pod and ServiceAccount annotations: only what was set. */
  readonly placement: PodPlacement;
}

/** What an agent's resolution needs from outside its props: where it is placed. */
export interface AgentContext {
  /** The namespace, as resolved by the caller (the prop, else the chart's). */
  readonly namespace?: string;
  /** A fallback name (the construct id) when the props give none. */
  readonly defaultName: string;
  /** The path of the agent's fields in errors, e.g. `agents.weather`. */
  readonly fieldPrefix?: string;
  /** Skip the schema check of the options: the caller (a mesh) has checked them already. */
  readonly schemaChecked?: boolean;
}

/** The pod annotation that rolls the pods when the config or the shipped code changes. */
export const CONFIG_CHECKSUM_ANNOTATION = 'mesh.mcp.io/config-checksum';

/** Variables the agent construct sets itself; a user `env` entry may not override them. */
const MANAGED_ENV: Record<string, string> = {
  HOST: 'always 0.0.0.0 in a pod',
  MCP_MESH_HTTP_HOST: 'advertise',
  MCP_MESH_HTTP_PORT: 'port',
  MCP_MESH_REGISTRY_URL: 'registry',
  MCP_MESH_AGENT_NAME: 'name',
  MCP_MESH_AGENT_ID: 'always the pod name',
  MCP_MESH_HEALTH_INTERVAL: 'heartbeatInterval',
  MCP_MESH_LOG_LEVEL: 'logLevel',
  MCP_MESH_CALL_TIMEOUT: 'callTimeout',
  MCP_MESH_NAMESPACE: 'meshNamespace',
  MCP_MESH_DISTRIBUTED_TRACING_ENABLED: 'tracing',
  REDIS_URL: 'tracing',
  POD_IP: 'always the pod IP (downward API)',
  MCP_MESH_TLS_MODE: 'tls',
  MCP_MESH_TLS_CERT: 'tls',
  MCP_MESH_TLS_KEY: 'tls',
  MCP_MESH_TLS_CA: 'tls',
};

/**
 * Runtime variables whose value would switch the mesh off or do nothing, as the 3.8 Python runtime reads them:
 * `MCP_MESH_ENABLED` that is not truthy (the pod answers /livez but never becomes ready),
 * `MCP_MESH_AUTO_RUN=false` (embedded mode: it registers and serves nothing), and an empty value of any other
 * `MCP_MESH_*` variable (counted as unset, so the line does nothing).
 */
function meshDisablingValue(name: string, value: unknown): { problem: string; fix: string } | undefined {
  if (typeof value !== 'string' || !name.startsWith('MCP_MESH_')) return undefined;
  const v = value.trim().toLowerCase();
  if (name === 'MCP_MESH_ENABLED' && !['true', '1', 'yes', 'on'].includes(v)) {
    return { problem: 'disables the mesh in the runtime (3.8: anything but a true value, the empty string too), so the pod would answer /livez and never become ready', fix: 'remove MCP_MESH_ENABLED from env: the mesh is on by default' };
  }
  if (name === 'MCP_MESH_AUTO_RUN' && ['false', '0', 'no', 'off'].includes(v)) {
    return { problem: 'starts the runtime in embedded mode (3.8): the agent registers but serves nothing', fix: 'remove MCP_MESH_AUTO_RUN from env' };
  }
  if (v === '') return { problem: `is empty, which the runtime (3.8) reads as unset, so this line does nothing`, fix: `give ${name} a value, or remove it` };
  return undefined;
}

/** The agent's own options, as opposed to the wiring a mesh or the caller passes. */
function ownOptions(props: McpAgentProps): unknown {
  if (props === null || typeof props !== 'object') return props;
  const { registry: _r, namespace: _n, instance: _i, clusterDomain: _c, serviceMesh: _s, tracing: _t, ...options } = props;
  return options;
}

/**
 * Resolves an agent's props. Every problem goes to `problems`; the result is undefined when there was any,
 * frozen otherwise.
 */
export function resolveAgent(props: McpAgentProps, context: AgentContext, problems: Problems): ResolvedAgent | undefined {
  const prefix = context.fieldPrefix ?? `agents.${props?.name ?? context.defaultName}`;
  const f = (field: string) => `${prefix}.${field}`;
  const start = problems.count;
  if (context.schemaChecked !== true) {
    // Types, unknown keys and class-typed props first: the checks below rely on the types.
    problems.add(...issueErrors(propsIssues('McpAgentOptions', ownOptions(props), ['agents', String(props?.name ?? context.defaultName)])));
    if (problems.since(start)) return undefined;
  }
  const check = <T>(run: () => T, fallback: T) => problems.check(run, fallback);

  const name = check(() => {
    if (props.name !== undefined) return requireServiceName(f('name'), props.name, 50);
    try {
      return requireServiceName(f('name'), context.defaultName, 50);
    } catch (e) {
      // A standalone McpAgent without `name` is named by its construct id, which cdk8s ids often capitalise.
      if (!(e instanceof MeshValidationError)) throw e;
      throw MeshValidationError.reworded(e, `${e.problem}; it is the construct id, which names the agent when name is not given`,
        `pass name (the agent's name in the registry and of its objects): ${e.fix}`);
    }
  }, context.defaultName);
  const namespace = context.namespace;
  // The instance defaults to the name, checked just above.
  const instance = props.instance === undefined ? name : check(() => requireDnsLabel(f('instance'), props.instance), name);
  const clusterDomain = props.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  const registryUrl = props.registry?.url;
  if (props.registry === undefined || typeof registryUrl !== 'string' || !/^https?:\/\/[^\s/]+/.test(registryUrl)) {
    problems.add(new MeshValidationError(f('registry'), registryUrl, 'is not a registry URL',
      'pass the McpRegistry construct, or McpRegistry.fromUrl("http://<host>:8000") for a registry outside this app'));
  }
  let runtime: RuntimeBinding | undefined;
  if (!(props.runtime instanceof AgentRuntime)) {
    problems.add(new MeshValidationError(f('runtime'), props.runtime, 'is not an agent runtime',
      'set runtime: AgentRuntime.python({ image: "<your image>:<tag>", script: "agent.py" }), AgentRuntime.python({ source }) or AgentRuntime.custom({ image })'));
  } else {
    runtime = check(() => (props.runtime as AgentRuntime)._resolve(f('runtime')), undefined);
  }
  const port = check(() => requireFreeOfProxy(f('port'), requirePort(f('port'), props.port ?? DEFAULT_AGENT_PORT), props.serviceMesh), DEFAULT_AGENT_PORT);
  if (props.autoscaling !== undefined && props.replicas !== undefined) {
    problems.add(new MeshValidationError(f('replicas'), props.replicas, 'is set together with autoscaling, and only one of them can own the replica count',
      'remove replicas (the autoscaler sets it between autoscaling.minReplicas and maxReplicas), or remove autoscaling'));
  }
  const autoscaling = props.autoscaling === undefined ? undefined : check(() => autoscalingOf(f, props.autoscaling!), undefined);
  const replicas = autoscaling?.minReplicas ?? check(() => requireInteger(f('replicas'), props.replicas ?? 1, 0, 1000, 'set replicas from 0 to 1000'), 1);
  const advertise = props.advertise ?? AdvertiseMode.SERVICE;
  if (!Object.values(AdvertiseMode).includes(advertise)) {
    problems.add(new MeshValidationError(f('advertise'), advertise, 'is not an advertise mode', 'use AdvertiseMode.SERVICE or AdvertiseMode.POD_IP'));
  }
  if (advertise === AdvertiseMode.POD_IP && props.autoscaling !== undefined) {
    problems.add(new MeshValidationError(f('advertise'), advertise,
      'is set together with autoscaling: each replica registers its own pod IP and callers call the one the registry hands them, so the replicas the autoscaler adds for CPU take no calls',
      'advertise the Service (AdvertiseMode.SERVICE) so that calls spread over the replicas, or keep pod-ip with fixed replicas as standbys'));
  }
  const tls = props.tls === undefined ? undefined : check(() => resolvedOrThrow((p) => resolveTls(props.tls!, 'tls', p)), undefined);
  if (advertise === AdvertiseMode.POD_IP && props.tls !== undefined) {
    problems.add(new MeshValidationError(f('advertise'), advertise,
      'is set together with tls: callers check the agent\'s certificate against the address it advertises, and a certificate from cert-manager names the Service, not each pod\'s IP',
      'advertise the Service (AdvertiseMode.SERVICE) with tls'));
  }
  if (advertise === AdvertiseMode.POD_IP && props.traffic !== undefined && props.serviceMesh !== undefined && props.serviceMesh !== ServiceMesh.NONE) {
    problems.add(new MeshValidationError(f('traffic'), Object.keys(props.traffic),
      `does not apply to a pod-ip agent: the ${props.serviceMesh} routes that carry timeouts, retries and circuit breaking match the agent's Service name, and its callers call pod IPs`,
      'advertise the Service (AdvertiseMode.SERVICE) to have the traffic settings apply, or remove traffic'));
  }
  const heartbeat = check(() => durationSeconds(f('heartbeatInterval'), props.heartbeatInterval ?? Duration.seconds(5), 1, 300), 5);
  const logLevel = check(() => requireLogLevel(f('logLevel'), props.logLevel ?? LogLevel.INFO), LogLevel.INFO);
  const retryAttempts = check(() => requireInteger(f('retryAttempts'), props.retryAttempts ?? 3, 0, 10), 3);
  const capabilities = capabilityModels(f, props.capabilities ?? [], problems);
  const dependsOn = (props.dependsOn ?? []).map((c, i) => check(() => requireCapabilityName(f(`dependsOn[${i}]`), c), c));
  const duplicateDependency = dependsOn.find((c, i) => dependsOn.indexOf(c) !== i);
  if (duplicateDependency !== undefined) {
    problems.add(new MeshValidationError(f('dependsOn'), duplicateDependency, 'is listed twice', 'list each capability once'));
  }
  const preStopSeconds = check(() => durationSeconds(f('preStopDelay'), props.preStopDelay ?? Duration.seconds(10), 0, 600), 10);
  const drainSeconds = check(() => drainOf(f, props.drainTimeout, capabilities, runtime?.shutdownLimitSeconds), 30);
  const callTimeoutSeconds = props.callTimeout === undefined ? undefined : check(() => durationSeconds(f('callTimeout'), props.callTimeout!, 1, 86400), undefined);
  const meshNamespace = props.meshNamespace === undefined ? undefined : check(() => requireDnsLabel(f('meshNamespace'), props.meshNamespace!), undefined);
  const backends = props.tracing === undefined ? [] : check(() => tracingBackends('tracing', props.tracing!, true), []);
  const resources = check(() => renderResources(f('resources'), props.resources, { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '512Mi' }), undefined);
  const podMetadata = check(() => serviceMeshPodMetadata(f('serviceMesh'), props.serviceMesh, preStopSeconds + drainSeconds), undefined);
  const tracingEnv = props.tracing === undefined ? [] : check(() => agentTracingEnv(props.tracing!), []);
  const placement = resolvePodPlacement(`${prefix}.`, props, [CONFIG_CHECKSUM_ANNOTATION, ...Object.keys(podMetadata?.annotations ?? {})], (c) => problems.run(c));

  const exposure = props.expose === undefined ? undefined
    : check(() => exposureOf(f, props.expose!, props.exposed, capabilities), undefined);

  const host = serviceHost(name, namespace, clusterDomain);
  const model: AgentModel = {
    name, namespace, port, replicas, advertise, serviceHost: host, capabilities, dependsOn, heartbeatIntervalSeconds: heartbeat,
    internetEgress: props.internetEgress === true,
    exposed: props.exposed === true || exposure !== undefined,
    ...(exposure !== undefined ? { exposure } : {}),
    callTimeoutSeconds,
    traffic: props.traffic === undefined ? undefined : { ...props.traffic },
    backends,
  };

  const env: EnvVarJson[] = [
    envValue('HOST', '0.0.0.0'),
    advertise === AdvertiseMode.SERVICE ? envValue('MCP_MESH_HTTP_HOST', host) : envFromField('MCP_MESH_HTTP_HOST', 'status.podIP'),
    envValue('MCP_MESH_HTTP_PORT', String(port)),
    envValue('MCP_MESH_REGISTRY_URL', String(registryUrl)),
    envValue('MCP_MESH_AGENT_NAME', name),
    envFromField('MCP_MESH_AGENT_ID', 'metadata.name'),
    envFromField('POD_IP', 'status.podIP'),
    envValue('MCP_MESH_HEALTH_INTERVAL', String(heartbeat)),
    envValue('MCP_MESH_LOG_LEVEL', logLevel),
  ];
  if (callTimeoutSeconds !== undefined) env.push(envValue('MCP_MESH_CALL_TIMEOUT', String(callTimeoutSeconds)));
  if (meshNamespace !== undefined) env.push(envValue('MCP_MESH_NAMESPACE', meshNamespace));
  const workload = tls === undefined ? undefined : workloadTls(tls, name, namespace, clusterDomain, false);
  env.push(...tracingEnv, ...(workload?.env ?? []), ...(runtime?.env ?? []));
  const plainSecrets = userEnv(f, name, props, env, problems);
  if (problems.since(start) || runtime === undefined || resources === undefined || podMetadata === undefined) return undefined;

  const configText = renderAgentConfig(model, registryUrl!, retryAttempts);
  const configBytes = Buffer.byteLength(configText);
  if (configBytes > MAX_OBJECT_BYTES) {
    problems.add(new MeshValidationError(f('capabilities'), `<${configBytes} bytes of ${AGENT_CONFIG_FILE}>`,
      `makes the ConfigMap "${name}-config" larger than the ${MAX_OBJECT_BYTES / 1024} KiB an object may take (the API server refuses ConfigMaps over 1 MiB)`,
      'shorten the capabilities\' descriptions and tags (they are the runtime\'s metadata, not documentation)'));
    return undefined;
  }
  return deepFreeze({
    model: sharedModel(model),
    instance,
    registryUrl: registryUrl!,
    runtime,
    ...(autoscaling !== undefined ? { autoscaling } : {}),
    headlessService: advertise === AdvertiseMode.POD_IP || props.headlessService === true,
    preStopSeconds,
    drainSeconds,
    env,
    ...(Object.keys(plainSecrets).length > 0 ? { plainTextSecret: { name: `${name}-secrets`, data: plainSecrets } } : {}),
    resources,
    podMetadata,
    configText,
    ...(workload !== undefined ? { tls: workload } : {}),
    placement,
  });
}

/**
 * Checks the user's `env` and `secretEnv` and appends them to `env`; returns the plain-text secret values
 * (when the agent allows them), by variable name.
 */
function userEnv(f: (field: string) => string, name: string, props: McpAgentProps, env: EnvVarJson[], problems: Problems): Record<string, string> {
  const seen = new Set(env.map((e) => e.name));
  const claim = (field: string, envName: string) => {
    requireEnvName(field, envName);
    if (MANAGED_ENV[envName] !== undefined) {
      throw new MeshValidationError(field, envName, 'is set by the agent construct itself',
        `set it through the "${MANAGED_ENV[envName]}" prop instead of env`);
    }
    if (seen.has(envName)) throw new MeshValidationError(field, envName, 'is set twice', 'set each variable once');
    seen.add(envName);
  };
  let envBytes = 0;
  (props.env ?? []).forEach((e, i) => problems.run(() => {
    claim(f(`env[${i}].name`), e.name);
    envBytes += typeof e.value === 'string' ? Buffer.byteLength(e.value) : 0;
    if (envBytes > MAX_OBJECT_BYTES / 2) {
      throw new MeshValidationError(f(`env[${i}].value`), e.value, `brings the agent's env values to ${envBytes} bytes, which with the rest of the Deployment passes what the API server stores in one object`,
        'ship large content as source or a file in the image, not as environment variables');
    }
    if (typeof e.value !== 'string') {
      throw new MeshValidationError(f(`env[${i}].value`), e.value, 'is not a string', 'quote the value, e.g. "true" or "8"');
    }
    const disables = meshDisablingValue(e.name, e.value);
    if (disables !== undefined) throw new MeshValidationError(f(`env[${i}].value`), e.value, disables.problem, disables.fix);
    if (looksLikeSecretVariable(e.name, e.value)) {
      throw new MeshValidationError(f(`env[${i}].name`), e.name, 'looks like a secret (by its name or its value), and env values are written into the YAML in plain text',
        `move it to secretEnv: [{ name: "${e.name}", value: SecretValue.fromSecretKey("<secret>", "<key>") }]`);
    }
    env.push(envValue(e.name, e.value));
  }));
  const plainSecrets: Record<string, string> = {};
  const secretName = `${name}-secrets`;
  (props.secretEnv ?? []).forEach((e, i) => problems.run(() => {
    claim(f(`secretEnv[${i}].name`), e.name);
    const resolved = e.value._resolve(f(`secretEnv[${i}].value`), props.allowPlainTextSecrets === true);
    if (resolved.plainText !== undefined) {
      plainSecrets[e.name] = resolved.plainText;
      env.push(envFromSecret(e.name, secretName, e.name));
    } else {
      env.push(envFromSecret(e.name, resolved.secretName!, resolved.key!));
    }
  }));
  return plainSecrets;
}

/** A host name an Ingress rule and an HTTPRoute take: a DNS subdomain, or one with a leading `*.` label. */
const ROUTE_HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

function exposureOf(f: (field: string) => string, e: AgentExposure, exposed: boolean | undefined, capabilities: CapabilityModel[]): ExposureModel {
  const problems = new Problems();
  if (exposed === false) {
    problems.add(new MeshValidationError(f('exposed'), false, 'is false while expose routes outside traffic to the agent', 'remove exposed (expose implies it)'));
  }
  if (typeof e.host !== 'string' || e.host.length > 253 || !ROUTE_HOST.test(e.host)) {
    problems.add(new MeshValidationError(f('expose.host'), e.host, 'is not a host name an Ingress or HTTPRoute takes',
      'use a lower-case DNS name with at least one dot, e.g. "weather.example.com" (or "*.example.com")'));
  }
  const path = e.path ?? '/';
  const traversal = isUrlPath(path) ? routePathTraversal(path) : undefined;
  if (!isUrlPath(path)) {
    problems.add(new MeshValidationError(f('expose.path'), path, 'is not an absolute URL path', 'write a path prefix such as "/" or "/weather"'));
  } else if (traversal !== undefined) {
    problems.add(new MeshValidationError(f('expose.path'), path, `holds "${traversal}", which an Ingress and an HTTPRoute refuse`,
      'write a plain path prefix such as "/weather"'));
  }
  if ((e.ingressClassName === undefined) === (e.gateway === undefined)) {
    problems.add(new MeshValidationError(f('expose'), e.ingressClassName === undefined ? 'neither ingressClassName nor gateway' : 'both ingressClassName and gateway',
      'needs exactly one way in', 'set ingressClassName (an Ingress) or gateway (a Gateway API HTTPRoute)'));
  }
  if (e.ingressClassName !== undefined) problems.run(() => requireDnsSubdomain(f('expose.ingressClassName'), e.ingressClassName));
  if (e.tlsSecretName !== undefined) {
    problems.run(() => requireDnsSubdomain(f('expose.tlsSecretName'), e.tlsSecretName));
    if (e.gateway !== undefined) {
      problems.add(new MeshValidationError(f('expose.tlsSecretName'), e.tlsSecretName, 'is set with a gateway, which terminates TLS on its own listener',
        'put the certificate on the Gateway\'s listener, and remove tlsSecretName'));
    }
  }
  if (e.gateway !== undefined) {
    problems.run(() => requireDnsSubdomain(f('expose.gateway.name'), e.gateway!.name));
    if (e.gateway.namespace !== undefined) problems.run(() => requireDnsLabel(f('expose.gateway.namespace'), e.gateway!.namespace));
    if (e.gateway.sectionName !== undefined) problems.run(() => requireDnsSubdomain(f('expose.gateway.sectionName'), e.gateway!.sectionName));
  }
  problems.throwIfAny();
  return {
    host: e.host,
    path,
    ...(e.ingressClassName !== undefined ? { ingressClassName: e.ingressClassName } : {}),
    ...(e.tlsSecretName !== undefined ? { tlsSecretName: e.tlsSecretName } : {}),
    ...(e.gateway !== undefined ? { gateway: { ...e.gateway } } : {}),
    timeoutSeconds: longestCallSeconds(capabilities),
  };
}

function autoscalingOf(f: (field: string) => string, a: AgentAutoscaling) {
  const minReplicas = requireInteger(f('autoscaling.minReplicas'), a.minReplicas ?? 2, 1, 1000);
  const maxReplicas = requireInteger(f('autoscaling.maxReplicas'), a.maxReplicas, 1, 1000);
  if (maxReplicas < minReplicas) {
    throw new MeshValidationError(f('autoscaling.maxReplicas'), maxReplicas, `is below minReplicas ${minReplicas}`, `set maxReplicas to at least ${minReplicas}`);
  }
  const targetCpuUtilization = requireInteger(f('autoscaling.targetCpuUtilization'), a.targetCpuUtilization ?? 70, 1, 100);
  return { minReplicas, maxReplicas, targetCpuUtilization };
}

/**
 * Seconds a stopping pod gets for calls in flight: the longest capability timeout (30 s, the capability
 * default, when none is declared), but no more than the runtime itself waits after SIGTERM.
 */
function drainOf(f: (field: string) => string, drainTimeout: Duration | undefined, capabilities: CapabilityModel[], limit?: number): number {
  if (drainTimeout !== undefined) {
    const seconds = durationSeconds(f('drainTimeout'), drainTimeout, 0, 3600);
    if (limit !== undefined && seconds > limit) {
      throw new MeshValidationError(f('drainTimeout'), `${seconds}s`, `is longer than the ${limit}s the runtime waits for calls in flight after SIGTERM, so the extra time only delays the pod's end`,
        `set drainTimeout to at most ${limit}s, and keep calls that must survive a rollout shorter than that`);
    }
    return seconds;
  }
  const longest = longestCallSeconds(capabilities);
  return limit === undefined ? longest : Math.min(longest, limit);
}

function capabilityModels(f: (field: string) => string, capabilities: CapabilityProps[], problems: Problems): CapabilityModel[] {
  const names = new Set<string>();
  const models: CapabilityModel[] = [];
  capabilities.forEach((c, i) => problems.run(() => {
    const field = f(`capabilities[${i}]`);
    const name = requireCapabilityName(`${field}.name`, c.name);
    if (names.has(name)) {
      throw new MeshValidationError(`${field}.name`, name, 'is provided twice by this agent', 'list each capability once');
    }
    names.add(name);
    const tags = (c.tags ?? []).map((t, j) => {
      if (typeof t !== 'string' || t.length === 0 || t.length > 63) {
        throw new MeshValidationError(`${field}.tags[${j}]`, t, 'is not a tag', 'use a non-empty string of at most 63 characters');
      }
      return t;
    });
    models.push({
      name,
      version: requireSemver(`${field}.version`, c.version ?? '1.0.0'),
      timeoutSeconds: durationSeconds(`${field}.timeout`, c.timeout ?? Duration.seconds(30), 1, 3600),
      tags,
      ...(c.description !== undefined ? { description: String(c.description) } : {}),
    });
  }));
  return models;
}

/** Agents a mesh resolved, carried to the construct that renders them. */
export const RESOLVED_AGENT = new ResolvedCarrier<McpAgentProps, ResolvedAgent>();
