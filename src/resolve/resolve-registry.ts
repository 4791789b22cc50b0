/**
 * The resolve step of a registry: props in, a validated registry out, every problem collected. Pure: no
 * construct is created (the in-cluster PostgreSQL too is resolved here and rendered by McpRegistry).
 */
import { Duration } from 'cdk8s';
import { DEFAULT_CLUSTER_DOMAIN, serviceHost } from '../k8s/naming';
import { MAX_STATEFULSET_NAME } from '../k8s/object-names';
import { EnvVarJson, ProbeScheme, envValue } from '../k8s/pod';
import { ResourceRequirementsJson, quantityValue, renderResources } from '../k8s/resources';
import { PodMetadata, requireFreeOfProxy, serviceMeshPodMetadata } from '../k8s/service-mesh';
import { MeshValidationError } from '../model/errors';
import { RegistryModel } from '../model/mesh-model';
import { NetworkPeer } from '../model/network-peer';
import { DEFAULT_REGISTRY_ADMIN_PORT, DEFAULT_REGISTRY_PORT, LogLevel, REGISTRY_IMAGE, REGISTRY_UID } from '../model/runtime';
import { ServiceMesh } from '../model/service-mesh';
import {
  durationSeconds, goDuration, requireDnsLabel, requireInteger, requireLogLevel, requirePinnedImage, requirePort, requireServiceName,
} from '../model/validation';
import { registryTracingEnv, tracingBackends } from '../observability/tracing';
import { McpRegistryProps, registrySizing } from '../registry/registry-props';
import { RegistryStorage } from '../registry/registry-storage';
import { StorageBinding } from '../registry/storage-context';
import { issueErrors, propsIssues } from '../schema/props';
import { TlsMode } from '../security/tls-props';
import { Problems, ResolvedCarrier, deepFreeze, resolvedOrThrow, sharedModel } from './problems';
import { WorkloadTls, resolveTls, workloadTls } from './resolve-tls';

/** A registry as it renders: every value checked, every default applied. */
export interface ResolvedRegistry {
  /** The registry as the mesh graph sees it. */
  readonly model: RegistryModel;
  readonly instance: string;
  readonly image: string;
  readonly storage: StorageBinding;
  /** The container's env, in order. */
  readonly env: readonly EnvVarJson[];
  readonly resources: ResourceRequirementsJson;
  readonly preStopSeconds: number;
  /** The uid and gid the container runs as. */
  readonly uid: number;
  readonly podMetadata: PodMetadata;
  /** The runtime's own TLS: the certificate, its mounts and env. */
  readonly tls?: WorkloadTls;
  /** How the kubelet probes /health: plain HTTP, HTTPS (TLS auto), or the TCP port (strict TLS wants a client certificate). */
  readonly probeScheme: ProbeScheme;
}

/** What a registry's resolution needs from outside its props. */
export interface RegistryContext {
  /** The namespace, as resolved by the caller (the prop, else the chart's). */
  readonly namespace?: string;
  /** Skip the schema check of the options: the caller (a mesh) has checked them already. */
  readonly schemaChecked?: boolean;
}

const DEFAULT_NAME = 'mcp-mesh-registry';
/** What the registry gets after its preStop pause to close (its grace period is preStop + this + 5 s). */
export const REGISTRY_SHUTDOWN_SECONDS = 20;

/** Resolves a registry's props; every problem goes to `problems`, and the result is undefined when there was any. */
export function resolveRegistry(props: McpRegistryProps, context: RegistryContext, problems: Problems): ResolvedRegistry | undefined {
  const start = problems.count;
  if (context.schemaChecked !== true) {
    const options = props === null || typeof props !== 'object' ? props : (() => {
      const { namespace: _n, instance: _i, clusterDomain: _c, serviceMesh: _s, tracing: _t, ...rest } = props;
      return rest;
    })();
    problems.add(...issueErrors(propsIssues('McpRegistryOptions', options, ['registry'])));
    if (problems.since(start)) return undefined;
  }
  const check = <T>(run: () => T, fallback: T) => problems.check(run, fallback);
  const name = check(() => requireServiceName('registry.name', props.name ?? DEFAULT_NAME, MAX_STATEFULSET_NAME), DEFAULT_NAME);
  const namespace = context.namespace;
  const instance = check(() => requireDnsLabel('registry.instance', props.instance ?? name), name);
  const image = check(() => requirePinnedImage('registry.image', props.image ?? REGISTRY_IMAGE), REGISTRY_IMAGE);
  const port = check(() => requireFreeOfProxy('registry.port', requirePort('registry.port', props.port ?? DEFAULT_REGISTRY_PORT), props.serviceMesh), DEFAULT_REGISTRY_PORT);
  const adminPort = check(() => requireFreeOfProxy('registry.admin.port', requirePort('registry.admin.port', props.admin?.port ?? DEFAULT_REGISTRY_ADMIN_PORT), props.serviceMesh), DEFAULT_REGISTRY_ADMIN_PORT);
  if (adminPort === port) {
    problems.add(new MeshValidationError('registry.admin.port', adminPort, 'is the port agents call, so every agent could drain the registry',
      `use a port of its own, e.g. ${port === DEFAULT_REGISTRY_ADMIN_PORT ? DEFAULT_REGISTRY_PORT : DEFAULT_REGISTRY_ADMIN_PORT}`));
  }
  const adminAllowFrom: NetworkPeer[] = [];
  (props.admin?.allowFrom ?? []).forEach((peer, i) => problems.run(() => adminAllowFrom.push(peer._validate(`registry.admin.allowFrom[${i}]`))));
  if (adminAllowFrom.length > 0 && props.serviceMesh !== undefined && props.serviceMesh !== ServiceMesh.NONE) {
    problems.add(new MeshValidationError('registry.admin.allowFrom', `${adminAllowFrom.length} peer(s)`,
      `admits network peers, which the ${props.serviceMesh} authorization of the admin port cannot express (it admits identities), so the peers would still be refused`,
      'leave allowFrom empty and reach the admin API with kubectl port-forward svc/<registry> <admin port>'));
  }
  const replicas = check(() => requireInteger('registry.replicas', props.replicas ?? 1, 1, 100,
    'run 1 replica on SQLite, or 2 or more on PostgreSQL (at most 100)'), 1);
  const clusterDomain = props.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  const storage = check(() => (props.storage ?? RegistryStorage.sqlite())._resolve({
    field: 'registry.storage', registryName: name, namespace, instance, clusterDomain, serviceMesh: props.serviceMesh,
  }), undefined);
  if (storage !== undefined && replicas > storage.maxReplicas) {
    problems.add(new MeshValidationError('registry.replicas', replicas, `is more than the ${storage.maxReplicas} replica that SQLite storage allows (each replica would get its own database and agents would see different meshes)`,
      'set replicas to 1, or use storage: RegistryStorage.postgres({ urlSecret: { name, key } }) for a highly available registry'));
  }
  const logLevel = check(() => requireLogLevel('registry.logLevel', props.logLevel ?? LogLevel.INFO), LogLevel.INFO);
  const healthCheck = check(() => durationSeconds('registry.healthCheckInterval', props.healthCheckInterval ?? Duration.seconds(10), 1, 3600), undefined);
  const timeout = check(() => durationSeconds('registry.timeoutThreshold', props.timeoutThreshold ?? Duration.seconds(20), 1, 86400), undefined);
  const expectedAgents = check(() => requireInteger('registry.expectedAgents', props.expectedAgents ?? 200, 1, 100000), 200);
  const resources = check(() => renderResources('registry.resources', props.resources, registrySizing(expectedAgents)), undefined);
  const eviction = check(() => durationSeconds('registry.evictionThreshold', props.evictionThreshold ?? Duration.seconds(60), 1, 86400), undefined);
  if (timeout !== undefined && healthCheck !== undefined && timeout < healthCheck) {
    problems.add(new MeshValidationError('registry.timeoutThreshold', `${timeout}s`, `is shorter than the health check interval ${healthCheck}s, so agents would be marked unhealthy between two checks`,
      `set timeoutThreshold to at least ${healthCheck}s, or lower healthCheckInterval`));
  }
  const retention = props.retention === undefined ? undefined : check(() => durationSeconds('registry.retention', props.retention!, 60, 30 * 86400), undefined);
  if (retention !== undefined && timeout !== undefined && retention < timeout) {
    problems.add(new MeshValidationError('registry.retention', `${retention}s`, `is shorter than the timeout threshold ${timeout}s, so agents would be removed before they are ever marked unhealthy`,
      `set retention to at least ${timeout}s (the registry's default is 1h)`));
  }
  if (eviction !== undefined && timeout !== undefined && eviction <= timeout) {
    problems.add(new MeshValidationError('registry.evictionThreshold', `${eviction}s`, `is not longer than the timeout threshold ${timeout}s, so agents would be evicted before they are ever marked unhealthy`,
      `set evictionThreshold above ${timeout}s (three times it is a good start)`));
  }
  const preStopSeconds = check(() => durationSeconds('registry.preStopDelay', props.preStopDelay ?? Duration.seconds(5), 0, 600), 5);
  const uid = check(() => requireInteger('registry.runAsUser', props.runAsUser ?? REGISTRY_UID, 1, 2147483647,
    'run as a non-root uid (Pod Security "restricted" forbids uid 0)'), REGISTRY_UID);
  const tracingEnv = props.tracing === undefined ? [] : check(() => registryTracingEnv(props.tracing!), []);
  const tracingBackendModels = props.tracing === undefined ? [] : check(() => tracingBackends('tracing', props.tracing!, false), []);
  // The registry's proxy outlives its preStop pause and the 25 s it then has to close (its grace period).
  const tls = props.tls === undefined ? undefined : check(() => resolvedOrThrow((p) => resolveTls(props.tls!, 'tls', p)), undefined);
  const podMetadata = check(() => serviceMeshPodMetadata('registry.serviceMesh', props.serviceMesh, preStopSeconds + REGISTRY_SHUTDOWN_SECONDS), undefined);
  if (problems.since(start) || storage === undefined || resources === undefined || podMetadata === undefined
    || healthCheck === undefined || timeout === undefined || eviction === undefined) return undefined;

  const host = serviceHost(name, namespace, clusterDomain);
  const url = `${tls !== undefined ? 'https' : 'http'}://${host}:${port}`;
  const workload = tls === undefined ? undefined : workloadTls(tls, name, namespace, clusterDomain, true);
  return deepFreeze({
    model: sharedModel({
      name, host, namespace, port, url, replicas, timeoutThresholdSeconds: timeout,
      adminPort,
      adminAllowFrom,
      storage: storage.kind,
      claimTemplates: storage.volumeClaimTemplates.map((t) => (t.metadata as { name: string }).name),
      cpuRequestMillicores: Math.round(quantityValue(resources.requests.cpu ?? '0') * 1000),
      sizingField: props.resources?.cpuRequest !== undefined ? 'registry.resources.cpuRequest' : 'registry.expectedAgents',
      backends: [...(storage.backend === undefined ? [] : [storage.backend]), ...tracingBackendModels],
    }),
    instance,
    image,
    storage,
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
      ...tracingEnv,
      ...(workload?.env ?? []),
    ],
    resources,
    preStopSeconds,
    uid,
    podMetadata,
    ...(workload !== undefined ? { tls: workload } : {}),
    probeScheme: tls === undefined ? 'http' : tls.mode === TlsMode.AUTO ? 'https' : 'tcp',
  });
}

/** Registries a mesh resolved, carried to the construct that renders them. */
export const RESOLVED_REGISTRY = new ResolvedCarrier<McpRegistryProps, ResolvedRegistry>();
