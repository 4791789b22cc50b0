import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { MeshObject } from '../k8s/mesh-object';
import { objectLabels, imageVersion, selectorLabels } from '../k8s/labels';
import { resolveNamespace } from '../k8s/naming';
import {
  httpProbe, preStopSleep, restrictedContainerSecurityContext, restrictedPodSecurityContext, spreadAcross, tmpMount, tmpVolume,
} from '../k8s/pod';
import { REGISTRY_OWNER, ownedBy } from '../k8s/ownership';
import { podTemplateMetadata } from '../k8s/service-mesh';
import { RegistryModel } from '../model/mesh-model';
import { REGISTRY_HEALTH_PATH } from '../model/runtime';
import { resolvedOrThrow } from '../resolve/problems';
import { REGISTRY_SHUTDOWN_SECONDS, RESOLVED_REGISTRY, resolveRegistry } from '../resolve/resolve-registry';
import { PostgresDatabase } from './postgres-database';
import { IMcpRegistry, McpRegistryProps } from './registry-props';

export * from './registry-props';

/**
 * The MCP Mesh registry: a StatefulSet with its governing headless Service (stable pod DNS) and a ClusterIP
 * Service that agents call. SQLite by default (one replica on a persistent volume), PostgreSQL for more. Its
 * props are resolved and checked first, every problem at once; the construct renders the result.
 */
export class McpRegistry extends Construct implements IMcpRegistry {
  /**
   * A registry this app does not render (another app's, another cluster's), for a standalone `McpAgent`'s
   * `registry`. The URL is checked where an agent uses it (`http(s)://<host>[:port]`).
   *
   * @param url what agents put in `MCP_MESH_REGISTRY_URL`, e.g. "http://mcp-mesh-registry.mesh.svc.cluster.local:8000"
   */
  public static fromUrl(url: string): IMcpRegistry {
    return { url };
  }

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
    const registry = RESOLVED_REGISTRY.take(props) ?? resolvedOrThrow((problems) => resolveRegistry(props, {
      namespace: resolveNamespace(this, 'registry.namespace', props?.namespace),
    }, problems));
    const { model, storage } = registry;
    const { name, namespace, port, adminPort, replicas } = model;
    this.name = name;
    this.namespace = namespace;
    this.port = port;
    this.replicas = replicas;
    this.host = model.host;
    this.url = model.url;
    this.model = model;
    ownedBy(this, REGISTRY_OWNER);
    if (storage.database !== undefined) new PostgresDatabase(this, 'Postgres', storage.database);

    const labels = objectLabels('registry', name, registry.instance, imageVersion(registry.image));
    const selector = selectorLabels('registry', name, registry.instance);
    const metadata = (objectName: string) => ({ labels, name: objectName, namespace });
    const headlessName = `${name}-headless`;
    const servicePort = [{ appProtocol: registry.tls !== undefined ? 'https' : 'http', name: 'http', port, protocol: 'TCP', targetPort: 'http' }];
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

    const probePort = 'http';
    const probe = registry.probeScheme;
    if (registry.tls !== undefined) {
      new MeshObject(this, 'Certificate', {
        apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: metadata(registry.tls.secretName), spec: registry.tls.certificateSpec,
      });
    }
    const container = {
      // The image's CMD also sets --host/--port; repeat them so that the flags and the env always agree.
      args: ['--host', '0.0.0.0', '--port', String(port)],
      env: registry.env,
      image: registry.image,
      imagePullPolicy: 'IfNotPresent',
      lifecycle: preStopSleep(registry.preStopSeconds),
      livenessProbe: httpProbe(REGISTRY_HEALTH_PATH, probePort, { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 }, probe),
      name: 'registry',
      ports: [{ containerPort: port, name: 'http', protocol: 'TCP' }, { containerPort: adminPort, name: 'admin', protocol: 'TCP' }],
      readinessProbe: httpProbe(REGISTRY_HEALTH_PATH, probePort, { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 }, probe),
      resources: registry.resources,
      securityContext: restrictedContainerSecurityContext(),
      startupProbe: httpProbe(REGISTRY_HEALTH_PATH, probePort, { periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 30 }, probe),
      volumeMounts: [...storage.volumeMounts, tmpMount(), ...(registry.tls?.volumeMounts ?? [])],
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
          metadata: podTemplateMetadata(labels, registry.podMetadata),
          spec: {
            automountServiceAccountToken: false,
            containers: [container],
            ...(storage.initContainers.length > 0 ? { initContainers: storage.initContainers } : {}),
            securityContext: restrictedPodSecurityContext({ user: registry.uid, group: registry.uid }),
            serviceAccountName: name,
            terminationGracePeriodSeconds: registry.preStopSeconds + REGISTRY_SHUTDOWN_SECONDS + 5,
            ...(replicas > 1 ? spreadAcross(selector, true) : {}),
            volumes: [tmpVolume('64Mi'), ...(registry.tls?.volumes ?? [])],
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
