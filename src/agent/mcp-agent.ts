import { createHash } from 'crypto';
import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { MAX_OBJECT_BYTES, MeshObject } from '../k8s/mesh-object';
import { capabilityLabels, imageVersion, objectLabels, selectorLabels } from '../k8s/labels';
import { DEFAULT_CLUSTER_DOMAIN, resolveNamespace, serviceHost } from '../k8s/naming';
import {
  EnvVarJson, envFromField, envFromSecret, envValue, httpProbe, preStopSleep, restrictedContainerSecurityContext,
  restrictedPodSecurityContext, spreadAcross, tmpMount, tmpVolume,
} from '../k8s/pod';
import { ResourceProps, renderResources } from '../k8s/resources';
import { podTemplateMetadata, requireFreeOfProxy, serviceMeshPodMetadata } from '../k8s/service-mesh';
import { MeshValidationError } from '../model/errors';
import { AdvertiseMode, AgentModel, CapabilityModel } from '../model/mesh-model';
import { ServiceMesh } from '../model/service-mesh';
import { MeshTracingOptions, agentTracingEnv, tracingBackends } from '../observability/tracing';
import { TrafficPolicyOptions } from '../model/traffic';
import {
  AGENT_CONFIG_DIR, AGENT_CONFIG_FILE, DEFAULT_AGENT_PORT, LogLevel,
} from '../model/runtime';
import {
  durationSeconds, looksLikeSecretName, looksLikeSecretValue, requireCapabilityName, requireDnsLabel, requireEnvName, requireInteger, requireLogLevel,
  requirePort, requireSemver, requireServiceName,
} from '../model/validation';
import { IMcpRegistry } from '../registry/mcp-registry';
import { renderAgentConfig } from './agent-config';
import { AgentRuntime, SOURCE_DIR } from './agent-runtime';
import { EnvVar, SecretEnvVar } from './secret-value';
import { requireProps } from '../schema/props';

/** A capability the agent provides. */
export interface CapabilityProps {
  /** Capability name other agents depend on, e.g. "weather_forecast". */
  readonly name: string;
  /** @default "1.0.0" */
  readonly version?: string;
  /**
   * The longest one call may take. Also sets how long a stopping pod waits for calls in flight.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /** @default - no tags */
  readonly tags?: string[];
  /** @default - none */
  readonly description?: string;
}

export interface AgentAutoscaling {
  /** @default 2 */
  readonly minReplicas?: number;
  readonly maxReplicas: number;
  /**
   * Average CPU utilization to keep, in percent of the CPU request.
   * @default 70
   */
  readonly targetCpuUtilization?: number;
}

/** Agent settings a mesh passes through. */
export interface McpAgentOptions {
  /**
   * The agent's name: names its Deployment, Service, ConfigMap and ServiceAccount, and is the name it
   * registers under.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The code the agent runs: `AgentRuntime.python({ image, script })` for an image built FROM the MCP Mesh
   * Python runtime, `AgentRuntime.python({ source })` for a small agent shipped in a ConfigMap, or
   * `AgentRuntime.custom(...)`.
   */
  readonly runtime: AgentRuntime;
  /** @default - provides nothing (a pure consumer) */
  readonly capabilities?: CapabilityProps[];
  /**
   * Capability names this agent calls. In a McpMesh each must be provided by some agent.
   * @default - none
   */
  readonly dependsOn?: string[];
  /**
   * Fixed replica count. Excludes `autoscaling`, which then owns the count.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * A HorizontalPodAutoscaler (autoscaling/v2) on CPU: the Deployment then renders no replica count.
   * @default - fixed replicas
   */
  readonly autoscaling?: AgentAutoscaling;
  /**
   * HTTP port of the agent (containerPort, Service port and `MCP_MESH_HTTP_PORT`).
   * @default 8080
   */
  readonly port?: number;
  /**
   * The address the agent advertises to the registry.
   * @default AdvertiseMode.SERVICE
   */
  readonly advertise?: AdvertiseMode;
  /**
   * Also render a headless Service for direct pod-to-pod addressing. Always on in POD_IP mode.
   * @default false
   */
  readonly headlessService?: boolean;
  /**
   * Heartbeat interval (`MCP_MESH_HEALTH_INTERVAL`).
   * @default Duration.seconds(5)
   */
  readonly heartbeatInterval?: Duration;
  /** @default LogLevel.INFO */
  readonly logLevel?: LogLevel;
  /**
   * Retry attempts for calls to dependencies, written to agent-config.yaml.
   * @default 3
   */
  readonly retryAttempts?: number;
  /**
   * The runtime's own timeout for calls this agent makes (`MCP_MESH_CALL_TIMEOUT`).
   * @default - the runtime's default (300 s)
   */
  readonly callTimeout?: Duration;
  /**
   * Timeouts, retries and circuit breaking for calls to this agent, over the mesh's defaults (service mesh only).
   * @default - the mesh's traffic defaults
   */
  readonly traffic?: TrafficPolicyOptions;
  /**
   * The logical mesh namespace the agent registers in (`MCP_MESH_NAMESPACE`).
   * @default - the runtime's default ("default")
   */
  readonly meshNamespace?: string;
  /**
   * The agent calls the internet (LLM vendor APIs): McpSecurity then allows it, and only it, egress to
   * addresses outside the cluster ranges.
   * @default false
   */
  readonly internetEgress?: boolean;
  /**
   * The agent is exposed through an ingress controller or gateway (which you configure): McpSecurity admits
   * the ingress controller's pods to its port.
   * @default false
   */
  readonly exposed?: boolean;
  /** Plain environment variables. @default - none */
  readonly env?: EnvVar[];
  /** Secret environment variables (API keys), from Secrets. @default - none */
  readonly secretEnv?: SecretEnvVar[];
  /**
   * Allow `SecretValue.unsafePlainText`, which writes the value into the synthesized YAML.
   * @default false
   */
  readonly allowPlainTextSecrets?: boolean;
  /** @default - requests 100m CPU and 256Mi memory, memory limit 512Mi */
  readonly resources?: ResourceProps;
  /**
   * Pause before SIGTERM, longer than endpoint propagation, so no new call reaches a stopping pod.
   * @default Duration.seconds(10)
   */
  readonly preStopDelay?: Duration;
  /**
   * Time a stopping pod has for calls in flight after the pause.
   * @default - the longest capability timeout (30 s when none is set)
   */
  readonly drainTimeout?: Duration;
}

export interface McpAgentProps extends McpAgentOptions {
  /** The registry the agent registers with. */
  readonly registry: IMcpRegistry;
  /** @default - the chart's namespace */
  readonly namespace?: string;
  /**
   * The `app.kubernetes.io/instance` label shared by a mesh's objects.
   * @default - the agent name
   */
  readonly instance?: string;
  /** @default "cluster.local" */
  readonly clusterDomain?: string;
  /**
   * The service mesh whose proxy the pods get.
   * @default ServiceMesh.NONE
   */
  readonly serviceMesh?: ServiceMesh;
  /**
   * Distributed tracing: the agent publishes span events to Redis.
   * @default - off
   */
  readonly tracing?: MeshTracingOptions;
}

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

/**
 * One MCP Mesh agent: a Deployment, a ClusterIP Service (and optionally a headless one), a ConfigMap with its
 * agent-config.yaml and a ServiceAccount, wired to the registry with the env the runtime reads.
 */
export class McpAgent extends Construct {
  public readonly name: string;
  public readonly namespace?: string;
  /** The agent as the mesh model sees it. */
  public readonly model: AgentModel;
  /** The Deployment (id `Resource`). */
  public readonly deployment: ApiObject;
  public readonly service: ApiObject;
  public readonly configMap: ApiObject;
  public readonly headlessService?: ApiObject;
  /** The Secret holding `SecretValue.unsafePlainText` values, when the agent allowed them. */
  public readonly plainTextSecret?: ApiObject;

  constructor(scope: Construct, id: string, props: McpAgentProps) {
    super(scope, id);
    const f = (field: string) => `agents.${props?.name ?? id}.${field}`;
    {
      // The agent's own options, checked as the schema says (the wiring props are the mesh's or the caller's).
      const { registry: _r, namespace: _n, instance: _i, clusterDomain: _c, serviceMesh: _s, tracing: _t, ...options } = props ?? ({} as McpAgentProps);
      requireProps('McpAgentOptions', props === null || typeof props !== 'object' ? props : options, ['agents', String(props?.name ?? id)]);
    }
    const name = requireServiceName('agents[].name', props.name ?? id, 50);
    const namespace = resolveNamespace(this, f('namespace'), props.namespace);
    const instance = requireDnsLabel(f('instance'), props.instance ?? name);
    const clusterDomain = props.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
    if (props.registry === undefined || typeof props.registry.url !== 'string' || !/^https?:\/\/[^\s/]+/.test(props.registry.url)) {
      throw new MeshValidationError(f('registry'), props.registry?.url, 'is not a registry URL',
        'pass the McpRegistry construct, or { url: "http://<host>:8000" } for a registry outside this app');
    }
    if (!(props.runtime instanceof AgentRuntime)) {
      throw new MeshValidationError(f('runtime'), props.runtime, 'is not an agent runtime',
        'set runtime: AgentRuntime.python({ image: "<your image>:<tag>", script: "agent.py" }), AgentRuntime.python({ source }) or AgentRuntime.custom({ image })');
    }
    const runtime = props.runtime._bind(f('runtime'));
    const port = requireFreeOfProxy(f('port'), requirePort(f('port'), props.port ?? DEFAULT_AGENT_PORT), props.serviceMesh);
    if (props.autoscaling !== undefined && props.replicas !== undefined) {
      throw new MeshValidationError(f('replicas'), props.replicas, 'is set together with autoscaling, and only one of them can own the replica count',
        'remove replicas (the autoscaler sets it between autoscaling.minReplicas and maxReplicas), or remove autoscaling');
    }
    const autoscaling = props.autoscaling === undefined ? undefined : this.autoscalingSpec(f, props.autoscaling);
    const replicas = autoscaling?.minReplicas ?? requireInteger(f('replicas'), props.replicas ?? 1, 0, 1000, 'set replicas from 0 to 1000');
    const advertise = props.advertise ?? AdvertiseMode.SERVICE;
    if (!Object.values(AdvertiseMode).includes(advertise)) {
      throw new MeshValidationError(f('advertise'), advertise, 'is not an advertise mode', 'use AdvertiseMode.SERVICE or AdvertiseMode.POD_IP');
    }
    const heartbeat = durationSeconds(f('heartbeatInterval'), props.heartbeatInterval ?? Duration.seconds(5), 1, 300);
    const logLevel = requireLogLevel(f('logLevel'), props.logLevel ?? LogLevel.INFO);
    const retryAttempts = requireInteger(f('retryAttempts'), props.retryAttempts ?? 3, 0, 10);
    const capabilities = this.capabilityModels(f, props.capabilities ?? []);
    const dependsOn = (props.dependsOn ?? []).map((c, i) => requireCapabilityName(f(`dependsOn[${i}]`), c));
    const duplicateDependency = dependsOn.find((c, i) => dependsOn.indexOf(c) !== i);
    if (duplicateDependency !== undefined) {
      throw new MeshValidationError(f('dependsOn'), duplicateDependency, 'is listed twice', 'list each capability once');
    }
    const preStop = durationSeconds(f('preStopDelay'), props.preStopDelay ?? Duration.seconds(10), 0, 600);
    const drain = this.drainSeconds(f, props.drainTimeout, capabilities, runtime.shutdownLimitSeconds);

    const host = serviceHost(name, namespace, clusterDomain);
    this.name = name;
    this.namespace = namespace;
    this.model = {
      name, namespace, port, replicas, advertise, serviceHost: host, capabilities, dependsOn, heartbeatIntervalSeconds: heartbeat,
      internetEgress: props.internetEgress === true,
      exposed: props.exposed === true,
      callTimeoutSeconds: props.callTimeout === undefined ? undefined : durationSeconds(f('callTimeout'), props.callTimeout, 1, 86400),
      traffic: props.traffic,
      backends: props.tracing === undefined ? [] : tracingBackends('tracing', props.tracing, true),
    };

    const labels = objectLabels('agent', name, instance, imageVersion(runtime.image));
    const selector = selectorLabels('agent', name, instance);
    const metadata = (objectName: string) => ({ labels, name: objectName, namespace });
    const servicePorts = [{ appProtocol: 'http', name: 'http', port, protocol: 'TCP', targetPort: 'http' }];

    new MeshObject(this, 'ServiceAccount', {
      apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(name), automountServiceAccountToken: false,
    });
    this.service = new MeshObject(this, 'Service', {
      apiVersion: 'v1', kind: 'Service', metadata: metadata(name), spec: { ports: servicePorts, selector, type: 'ClusterIP' },
    });
    if (advertise === AdvertiseMode.POD_IP || props.headlessService === true) {
      this.headlessService = new MeshObject(this, 'HeadlessService', {
        apiVersion: 'v1', kind: 'Service', metadata: metadata(`${name}-pods`), spec: { clusterIP: 'None', ports: servicePorts, selector },
      });
    }

    const meshMetadata = serviceMeshPodMetadata(f('serviceMesh'), props.serviceMesh);
    const configText = renderAgentConfig(this.model, props.registry.url, retryAttempts);
    const configName = `${name}-config`;
    const configBytes = Buffer.byteLength(configText);
    if (configBytes > MAX_OBJECT_BYTES) {
      throw new MeshValidationError(f('capabilities'), `<${configBytes} bytes of ${AGENT_CONFIG_FILE}>`,
        `makes the ConfigMap "${configName}" larger than the ${MAX_OBJECT_BYTES / 1024} KiB an object may take (the API server refuses ConfigMaps over 1 MiB)`,
        'shorten the capabilities\' descriptions and tags (they are the runtime\'s metadata, not documentation)');
    }
    this.configMap = new MeshObject(this, 'ConfigMap', {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(configName), data: { [AGENT_CONFIG_FILE]: configText },
    });

    const volumes: Record<string, unknown>[] = [{ configMap: { name: configName }, name: 'config' }, tmpVolume('256Mi')];
    const volumeMounts: Record<string, unknown>[] = [{ mountPath: AGENT_CONFIG_DIR, name: 'config', readOnly: true }, tmpMount()];
    let checksumInput = configText;
    if (runtime.sourceFiles !== undefined) {
      const codeName = `${name}-code`;
      new MeshObject(this, 'SourceConfigMap', {
        apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(codeName), data: runtime.sourceFiles,
      });
      volumes.push({ configMap: { name: codeName }, name: 'source' });
      volumeMounts.push({ mountPath: SOURCE_DIR, name: 'source', readOnly: true });
      checksumInput += Object.entries(runtime.sourceFiles).map(([file, text]) => `\0${file}\0${text}`).join('');
    }

    const env: EnvVarJson[] = [
      envValue('HOST', '0.0.0.0'),
      advertise === AdvertiseMode.SERVICE ? envValue('MCP_MESH_HTTP_HOST', host) : envFromField('MCP_MESH_HTTP_HOST', 'status.podIP'),
      envValue('MCP_MESH_HTTP_PORT', String(port)),
      envValue('MCP_MESH_REGISTRY_URL', props.registry.url),
      envValue('MCP_MESH_AGENT_NAME', name),
      envFromField('MCP_MESH_AGENT_ID', 'metadata.name'),
      envFromField('POD_IP', 'status.podIP'),
      envValue('MCP_MESH_HEALTH_INTERVAL', String(heartbeat)),
      envValue('MCP_MESH_LOG_LEVEL', logLevel),
    ];
    if (this.model.callTimeoutSeconds !== undefined) {
      env.push(envValue('MCP_MESH_CALL_TIMEOUT', String(this.model.callTimeoutSeconds)));
    }
    if (props.meshNamespace !== undefined) {
      env.push(envValue('MCP_MESH_NAMESPACE', requireDnsLabel(f('meshNamespace'), props.meshNamespace)));
    }
    if (props.tracing !== undefined) env.push(...agentTracingEnv(props.tracing));
    env.push(...runtime.env);
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
    (props.env ?? []).forEach((e, i) => {
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
      if (looksLikeSecretName(e.name) || looksLikeSecretValue(e.value)) {
        throw new MeshValidationError(f(`env[${i}].name`), e.name, 'looks like a secret (by its name or its value), and env values are written into the YAML in plain text',
          `move it to secretEnv: [{ name: "${e.name}", value: SecretValue.fromSecretKey("<secret>", "<key>") }]`);
      }
      env.push(envValue(e.name, e.value));
    });
    const plainSecrets: Record<string, string> = {};
    const secretName = `${name}-secrets`;
    (props.secretEnv ?? []).forEach((e, i) => {
      claim(f(`secretEnv[${i}].name`), e.name);
      const resolved = e.value._resolve(f(`secretEnv[${i}].value`), props.allowPlainTextSecrets === true);
      if (resolved.plainText !== undefined) {
        plainSecrets[e.name] = resolved.plainText;
        env.push(envFromSecret(e.name, secretName, e.name));
      } else {
        env.push(envFromSecret(e.name, resolved.secretName!, resolved.key!));
      }
    });
    if (Object.keys(plainSecrets).length > 0) {
      this.plainTextSecret = new MeshObject(this, 'Secret', {
        apiVersion: 'v1', kind: 'Secret', metadata: metadata(secretName), stringData: plainSecrets, type: 'Opaque',
      });
    }

    const container: Record<string, unknown> = {
      ...(runtime.command !== undefined ? { command: runtime.command } : {}),
      ...(runtime.args !== undefined ? { args: runtime.args } : {}),
      env,
      image: runtime.image,
      imagePullPolicy: 'IfNotPresent',
      lifecycle: preStopSleep(preStop),
      livenessProbe: httpProbe(runtime.probes.liveness, 'http', { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 }),
      name: 'agent',
      ports: [{ containerPort: port, name: 'http', protocol: 'TCP' }],
      readinessProbe: httpProbe(runtime.probes.readiness, 'http', { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 }),
      resources: renderResources(f('resources'), props.resources, { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '512Mi' }),
      securityContext: restrictedContainerSecurityContext(),
      startupProbe: httpProbe(runtime.probes.startup, 'http', { periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 60 }),
      volumeMounts,
    };

    if (autoscaling !== undefined) {
      new MeshObject(this, 'HorizontalPodAutoscaler', {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: metadata(name),
        spec: {
          maxReplicas: autoscaling.maxReplicas,
          metrics: [{ resource: { name: 'cpu', target: { averageUtilization: autoscaling.target, type: 'Utilization' } }, type: 'Resource' }],
          minReplicas: autoscaling.minReplicas,
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        },
      });
    }
    if (replicas > 1) {
      new MeshObject(this, 'PodDisruptionBudget', {
        apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: metadata(name), spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
      });
    }

    this.deployment = new MeshObject(this, 'Resource', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: metadata(name),
      spec: {
        // With an autoscaler, a replica count here would fight it on every apply.
        ...(autoscaling === undefined ? { replicas } : {}),
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        // Never go below the available replicas during a rollout: a new pod must be ready before an old one stops.
        strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }, type: 'RollingUpdate' },
        template: {
          // Pods roll when the config or the shipped code changes, not only when the image does.
          metadata: podTemplateMetadata({ ...labels, ...capabilityLabels(capabilities.map((c) => c.name), dependsOn) }, meshMetadata, {
            'mesh.mcp.io/config-checksum': createHash('sha256').update(checksumInput).digest('hex'),
          }),
          spec: {
            automountServiceAccountToken: false,
            containers: [container],
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext({ user: runtime.user, group: runtime.group }),
            serviceAccountName: name,
            terminationGracePeriodSeconds: preStop + drain + 5,
            ...(replicas > 1 ? spreadAcross(selector, false) : {}),
            volumes,
          },
        },
      },
    });
  }

  private autoscalingSpec(f: (field: string) => string, a: AgentAutoscaling) {
    const minReplicas = requireInteger(f('autoscaling.minReplicas'), a.minReplicas ?? 2, 1, 1000);
    const maxReplicas = requireInteger(f('autoscaling.maxReplicas'), a.maxReplicas, 1, 1000);
    if (maxReplicas < minReplicas) {
      throw new MeshValidationError(f('autoscaling.maxReplicas'), maxReplicas, `is below minReplicas ${minReplicas}`, `set maxReplicas to at least ${minReplicas}`);
    }
    const target = requireInteger(f('autoscaling.targetCpuUtilization'), a.targetCpuUtilization ?? 70, 1, 100);
    return { minReplicas, maxReplicas, target };
  }

  /**
   * Seconds a stopping pod gets for calls in flight: the longest capability timeout (30 s, the capability
   * default, when none is declared), but no more than the runtime itself waits after SIGTERM.
   */
  private drainSeconds(f: (field: string) => string, drainTimeout: Duration | undefined, capabilities: CapabilityModel[], limit?: number): number {
    if (drainTimeout !== undefined) {
      const seconds = durationSeconds(f('drainTimeout'), drainTimeout, 0, 3600);
      if (limit !== undefined && seconds > limit) {
        throw new MeshValidationError(f('drainTimeout'), `${seconds}s`, `is longer than the ${limit}s the runtime waits for calls in flight after SIGTERM, so the extra time only delays the pod's end`,
          `set drainTimeout to at most ${limit}s, and keep calls that must survive a rollout shorter than that`);
      }
      return seconds;
    }
    const longest = Math.max(...capabilities.map((c) => c.timeoutSeconds), capabilities.length > 0 ? 0 : 30);
    return limit === undefined ? longest : Math.min(longest, limit);
  }

  private capabilityModels(f: (field: string) => string, capabilities: CapabilityProps[]): CapabilityModel[] {
    const names = new Set<string>();
    return capabilities.map((c, i) => {
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
      return {
        name,
        version: requireSemver(`${field}.version`, c.version ?? '1.0.0'),
        timeoutSeconds: durationSeconds(`${field}.timeout`, c.timeout ?? Duration.seconds(30), 1, 3600),
        tags,
        ...(c.description !== undefined ? { description: String(c.description) } : {}),
      };
    });
  }
}
