import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { MeshObject } from '../k8s/mesh-object';
import { objectLabels, imageVersion, selectorLabels } from '../k8s/labels';
import { DEFAULT_CLUSTER_DOMAIN, resolveNamespace, serviceHost } from '../k8s/naming';
import {
  envValue, httpProbe, preStopSleep, restrictedContainerSecurityContext, restrictedPodSecurityContext, spreadAcross, tmpMount, tmpVolume,
} from '../k8s/pod';
import { ResourceProps, quantityValue, renderResources } from '../k8s/resources';
import { podTemplateMetadata, requireFreeOfProxy, serviceMeshPodMetadata } from '../k8s/service-mesh';
import { MeshValidationError } from '../model/errors';
import { RegistryModel } from '../model/mesh-model';
import { NetworkPeer } from '../model/network-peer';
import { ServiceMesh } from '../model/service-mesh';
import { MeshTracingOptions, registryTracingEnv, tracingBackends } from '../observability/tracing';
import {
  DEFAULT_REGISTRY_ADMIN_PORT, DEFAULT_REGISTRY_PORT, LogLevel, REGISTRY_HEALTH_PATH, REGISTRY_IMAGE, REGISTRY_UID,
} from '../model/runtime';
import {
  durationSeconds, goDuration, requireDnsLabel, requireInteger, requireLogLevel, requirePinnedImage, requirePort, requireServiceName,
} from '../model/validation';
import { RegistryStorage } from './registry-storage';
import { requireProps } from '../schema/props';
import { MAX_STATEFULSET_NAME } from '../k8s/object-names';

/** What agents need to know of a registry: where it is. Implemented by McpRegistry; write your own for an external one. */
export interface IMcpRegistry {
  /** The URL agents put in `MCP_MESH_REGISTRY_URL`. */
  readonly url: string;
}

/** The registry's admin API (`/admin/drain`, `/admin/entities`, ...), which has no authentication of its own. */
export interface RegistryAdminOptions {
  /**
   * The port the admin API listens on (`MCP_MESH_ADMIN_PORT`), apart from the port agents call, so that no
   * agent can drain the registry. Reach it with `kubectl port-forward svc/<registry> <port>`.
   * @default 8001
   */
  readonly port?: number;
  /**
   * Who may call the admin API over the network (NetworkPolicy ingress to the admin port). Not with a
   * service mesh, whose authorization speaks identities, not network peers: use `kubectl port-forward`.
   * @default - nobody: only `kubectl port-forward` reaches it
   */
  readonly allowFrom?: NetworkPeer[];
}

/** Registry settings that a mesh passes through unchanged. */
export interface McpRegistryOptions {
  /**
   * Name of the StatefulSet and of the ClusterIP Service agents call.
   * @default "mcp-mesh-registry"
   */
  readonly name?: string;
  /**
   * Registry image, pinned to a version.
   * @default "mcpmesh/registry:3.7.1"
   */
  readonly image?: string;
  /**
   * Replicas. More than one needs PostgreSQL storage.
   * @default 1
   */
  readonly replicas?: number;
  /** @default RegistryStorage.sqlite() */
  readonly storage?: RegistryStorage;
  /** @default 8000 */
  readonly port?: number;
  /**
   * The admin API: on a port of its own, admitted from nobody unless named.
   * @default - port 8001, nobody admitted
   */
  readonly admin?: RegistryAdminOptions;
  /** @default LogLevel.INFO */
  readonly logLevel?: LogLevel;
  /**
   * How often the registry checks agents' heartbeats (`HEALTH_CHECK_INTERVAL`).
   * @default Duration.seconds(10)
   */
  readonly healthCheckInterval?: Duration;
  /**
   * How long without a heartbeat before an agent is marked unhealthy (`DEFAULT_TIMEOUT_THRESHOLD`).
   * @default Duration.seconds(20)
   */
  readonly timeoutThreshold?: Duration;
  /**
   * `DEFAULT_EVICTION_THRESHOLD`, which the registry (3.7.1, 3.8) parses but does not use: unhealthy agents stay
   * listed until the sweep job removes them after `retention`. Kept, and rendered, for compatibility.
   * @deprecated set `retention`, which is what removes stale agents
   * @default Duration.seconds(60)
   */
  readonly evictionThreshold?: Duration;
  /**
   * How long the registry keeps an agent that stopped sending heartbeats (and its events) before its sweep job
   * removes it (`MCP_MESH_RETENTION`). Never shorter than `timeoutThreshold`.
   * @default - the registry's own, 1 hour
   */
  readonly retention?: Duration;
  /**
   * The number of agent pods (all replicas) the registry should carry at a 5 s heartbeat: sets the default
   * requests from measurements (docs/sizing.md). The mesh fails synth when its agents need more.
   * @default 200
   */
  readonly expectedAgents?: number;
  /**
   * CPU and memory.
   * @default - sized for `expectedAgents`: 100m CPU up to 200 agents, 250m up to 500, 500m up to 1000, 1 core
   *   beyond; 128Mi memory (256Mi past 1000 agents); memory limit 512Mi
   */
  readonly resources?: ResourceProps;
  /**
   * Pause before SIGTERM so that endpoint removal reaches every node before the process stops.
   * @default Duration.seconds(5)
   */
  readonly preStopDelay?: Duration;
  /**
   * The uid (and gid) the container runs as; the image's own user by default.
   * @default 1001
   */
  readonly runAsUser?: number;
}

export interface McpRegistryProps extends McpRegistryOptions {
  /**
   * Namespace of every object.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * The `app.kubernetes.io/instance` label, shared by every object of one mesh.
   * @default - the registry name
   */
  readonly instance?: string;
  /**
   * Cluster DNS domain, for the registry URL.
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;
  /**
   * The service mesh whose proxy the pods get.
   * @default ServiceMesh.NONE
   */
  readonly serviceMesh?: ServiceMesh;
  /**
   * Distributed tracing: the registry consumes the agents' span events from Redis and exports them over OTLP.
   * @default - off
   */
  readonly tracing?: MeshTracingOptions;
}

const DEFAULT_NAME = 'mcp-mesh-registry';

/**
 * The MCP Mesh registry: a StatefulSet with its governing headless Service (stable pod DNS) and a ClusterIP
 * Service that agents call. SQLite by default (one replica on a persistent volume), PostgreSQL for more.
 */
export class McpRegistry extends Construct implements IMcpRegistry {
  public readonly name: string;
  public readonly namespace?: string;
  public readonly port: number;
  public readonly replicas: number;
  /** In-cluster URL for `MCP_MESH_REGISTRY_URL`. */
  public readonly url: string;
  /** The host name of the ClusterIP Service. */
  public readonly host: string;
  /** The StatefulSet (id `Resource`). */
  public readonly statefulSet: ApiObject;
  public readonly service: ApiObject;
  public readonly headlessService: ApiObject;
  /** The registry as the mesh model sees it. */
  public readonly model: RegistryModel;

  constructor(scope: Construct, id: string, props: McpRegistryProps = {}) {
    super(scope, id);
    {
      const { namespace: _n, instance: _i, clusterDomain: _c, serviceMesh: _s, tracing: _t, ...options } = props ?? {};
      requireProps('McpRegistryOptions', props === null || typeof props !== 'object' ? props : options, ['registry']);
    }
    const name = requireServiceName('registry.name', props.name ?? DEFAULT_NAME, MAX_STATEFULSET_NAME);
    const namespace = resolveNamespace(this, 'registry.namespace', props.namespace);
    const instance = requireDnsLabel('registry.instance', props.instance ?? name);
    const image = requirePinnedImage('registry.image', props.image ?? REGISTRY_IMAGE);
    const port = requireFreeOfProxy('registry.port', requirePort('registry.port', props.port ?? DEFAULT_REGISTRY_PORT), props.serviceMesh);
    const adminPort = requireFreeOfProxy('registry.admin.port', requirePort('registry.admin.port', props.admin?.port ?? DEFAULT_REGISTRY_ADMIN_PORT), props.serviceMesh);
    if (adminPort === port) {
      throw new MeshValidationError('registry.admin.port', adminPort, 'is the port agents call, so every agent could drain the registry',
        `use a port of its own, e.g. ${port === DEFAULT_REGISTRY_ADMIN_PORT ? DEFAULT_REGISTRY_PORT : DEFAULT_REGISTRY_ADMIN_PORT}`);
    }
    const adminAllowFrom = (props.admin?.allowFrom ?? []).map((peer, i) => peer.validate(`registry.admin.allowFrom[${i}]`));
    if (adminAllowFrom.length > 0 && props.serviceMesh !== undefined && props.serviceMesh !== ServiceMesh.NONE) {
      throw new MeshValidationError('registry.admin.allowFrom', `${adminAllowFrom.length} peer(s)`,
        `admits network peers, which the ${props.serviceMesh} authorization of the admin port cannot express (it admits identities), so the peers would still be refused`,
        'leave allowFrom empty and reach the admin API with kubectl port-forward svc/<registry> <admin port>');
    }
    const replicas = requireInteger('registry.replicas', props.replicas ?? 1, 1, 100,
      'run 1 replica on SQLite, or 2 or more on PostgreSQL (at most 100)');
    const clusterDomain = props.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
    const storage = (props.storage ?? RegistryStorage.sqlite())._bind({
      scope: this, field: 'registry.storage', registryName: name, namespace, instance, clusterDomain, serviceMesh: props.serviceMesh,
    });
    if (replicas > storage.maxReplicas) {
      throw new MeshValidationError('registry.replicas', replicas, `is more than the ${storage.maxReplicas} replica that SQLite storage allows (each replica would get its own database and agents would see different meshes)`,
        'set replicas to 1, or use storage: RegistryStorage.postgres({ urlSecret: { name, key } }) for a highly available registry');
    }
    const logLevel = requireLogLevel('registry.logLevel', props.logLevel ?? LogLevel.INFO);
    const healthCheck = durationSeconds('registry.healthCheckInterval', props.healthCheckInterval ?? Duration.seconds(10), 1, 3600);
    const timeout = durationSeconds('registry.timeoutThreshold', props.timeoutThreshold ?? Duration.seconds(20), 1, 86400);
    const expectedAgents = requireInteger('registry.expectedAgents', props.expectedAgents ?? 200, 1, 100000);
    const resources = renderResources('registry.resources', props.resources, registrySizing(expectedAgents));
    const eviction = durationSeconds('registry.evictionThreshold', props.evictionThreshold ?? Duration.seconds(60), 1, 86400);
    if (timeout < healthCheck) {
      throw new MeshValidationError('registry.timeoutThreshold', `${timeout}s`, `is shorter than the health check interval ${healthCheck}s, so agents would be marked unhealthy between two checks`,
        `set timeoutThreshold to at least ${healthCheck}s, or lower healthCheckInterval`);
    }
    const retention = props.retention === undefined ? undefined : durationSeconds('registry.retention', props.retention, 60, 30 * 86400);
    if (retention !== undefined && retention < timeout) {
      throw new MeshValidationError('registry.retention', `${retention}s`, `is shorter than the timeout threshold ${timeout}s, so agents would be removed before they are ever marked unhealthy`,
        `set retention to at least ${timeout}s (the registry's default is 1h)`);
    }
    if (eviction <= timeout) {
      throw new MeshValidationError('registry.evictionThreshold', `${eviction}s`, `is not longer than the timeout threshold ${timeout}s, so agents would be evicted before they are ever marked unhealthy`,
        `set evictionThreshold above ${timeout}s (three times it is a good start)`);
    }
    const preStop = durationSeconds('registry.preStopDelay', props.preStopDelay ?? Duration.seconds(5), 0, 600);
    const uid = requireInteger('registry.runAsUser', props.runAsUser ?? REGISTRY_UID, 1, 2147483647,
      'run as a non-root uid (Pod Security "restricted" forbids uid 0)');

    this.name = name;
    this.namespace = namespace;
    this.port = port;
    this.replicas = replicas;
    this.host = serviceHost(name, namespace, clusterDomain);
    this.url = `http://${this.host}:${port}`;
    this.model = {
      name, host: this.host, namespace, port, url: this.url, replicas, timeoutThresholdSeconds: timeout,
      adminPort,
      adminAllowFrom,
      storage: storage.kind,
      claimTemplates: storage.volumeClaimTemplates.map((t) => (t.metadata as { name: string }).name),
      cpuRequestMillicores: Math.round(quantityValue(resources.requests.cpu ?? '0') * 1000),
      sizingField: props.resources?.cpuRequest !== undefined ? 'registry.resources.cpuRequest' : 'registry.expectedAgents',
      backends: [
        ...(storage.backend === undefined ? [] : [storage.backend]),
        ...(props.tracing === undefined ? [] : tracingBackends('tracing', props.tracing, false)),
      ],
    };

    const labels = objectLabels('registry', name, instance, imageVersion(image));
    const selector = selectorLabels('registry', name, instance);
    const metadata = (objectName: string) => ({ labels, name: objectName, namespace });
    const headlessName = `${name}-headless`;
    const servicePort = [{ appProtocol: 'http', name: 'http', port, protocol: 'TCP', targetPort: 'http' }];
    // The admin port on the ClusterIP Service too, for kubectl port-forward svc/<registry>; NetworkPolicies
    // and the service mesh's authorization admit nobody to it unless admin.allowFrom names them.
    const adminServicePort = { appProtocol: 'http', name: 'admin', port: adminPort, protocol: 'TCP', targetPort: 'admin' };

    new MeshObject(this, 'ServiceAccount', {
      apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(name), automountServiceAccountToken: false,
    });
    this.headlessService = new MeshObject(this, 'HeadlessService', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(headlessName),
      // Governing Service of the StatefulSet: stable per-pod DNS names, also while a pod is not ready.
      spec: { clusterIP: 'None', ports: servicePort, publishNotReadyAddresses: true, selector },
    });
    this.service = new MeshObject(this, 'Service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(name),
      spec: { ports: [...servicePort, adminServicePort], selector, type: 'ClusterIP' },
    });

    const meshMetadata = serviceMeshPodMetadata('registry.serviceMesh', props.serviceMesh);
    const probePort = 'http';
    const container = {
      // The image's CMD also sets --host/--port; repeat them so that the flags and the env always agree.
      args: ['--host', '0.0.0.0', '--port', String(port)],
      env: [
        envValue('HOST', '0.0.0.0'),
        envValue('PORT', String(port)),
        envValue('MCP_MESH_ADMIN_PORT', String(adminPort)),
        ...storage.env,
        envValue('MCP_MESH_LOG_LEVEL', logLevel),
        envValue('HEALTH_CHECK_INTERVAL', String(healthCheck)),
        envValue('DEFAULT_TIMEOUT_THRESHOLD', String(timeout)),
        envValue('DEFAULT_EVICTION_THRESHOLD', String(eviction)),
        ...(retention === undefined ? [] : [envValue('MCP_MESH_RETENTION', goDuration(retention))]),
        ...(props.tracing === undefined ? [] : registryTracingEnv(props.tracing)),
      ],
      image,
      imagePullPolicy: 'IfNotPresent',
      lifecycle: preStopSleep(preStop),
      livenessProbe: httpProbe(REGISTRY_HEALTH_PATH, probePort, { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 }),
      name: 'registry',
      ports: [{ containerPort: port, name: 'http', protocol: 'TCP' }, { containerPort: adminPort, name: 'admin', protocol: 'TCP' }],
      readinessProbe: httpProbe(REGISTRY_HEALTH_PATH, probePort, { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 }),
      resources,
      securityContext: restrictedContainerSecurityContext(),
      startupProbe: httpProbe(REGISTRY_HEALTH_PATH, probePort, { periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 30 }),
      volumeMounts: [...storage.volumeMounts, tmpMount()],
    };

    this.statefulSet = new MeshObject(this, 'Resource', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: metadata(name),
      spec: {
        // One at a time, also on PostgreSQL: two 3.7.1 registries that start together on an empty database race
        // to create its tables and one exits (measured: 16 of 20 pairs). Once the first is ready the tables exist.
        podManagementPolicy: 'OrderedReady',
        replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        serviceName: headlessName,
        template: {
          metadata: podTemplateMetadata(labels, meshMetadata),
          spec: {
            automountServiceAccountToken: false,
            containers: [container],
            ...(storage.initContainers.length > 0 ? { initContainers: storage.initContainers } : {}),
            securityContext: restrictedPodSecurityContext({ user: uid, group: uid }),
            serviceAccountName: name,
            terminationGracePeriodSeconds: preStop + 25,
            ...(replicas > 1 ? spreadAcross(selector, true) : {}),
            volumes: [tmpVolume('64Mi')],
          },
        },
        updateStrategy: { rollingUpdate: { partition: 0 }, type: 'RollingUpdate' },
        ...(storage.volumeClaimTemplates.length > 0 ? {
          persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
          volumeClaimTemplates: storage.volumeClaimTemplates,
        } : {}),
      },
    });

    if (replicas > 1) {
      new MeshObject(this, 'PodDisruptionBudget', {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: metadata(name),
        spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
      });
    }
  }
}

/** Requests for a number of agent pods at a 5 s heartbeat, with headroom over the measurements (docs/sizing.md). */
export function registrySizing(agents: number): ResourceProps {
  const cpuRequest = agents <= 200 ? '100m' : agents <= 500 ? '250m' : agents <= 1000 ? '500m' : '1';
  return { cpuRequest, memoryRequest: agents <= 1000 ? '128Mi' : '256Mi', memoryLimit: '512Mi' };
}
