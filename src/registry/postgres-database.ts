import { Construct } from 'constructs';
import { MeshValidationError } from '../model/errors';
import { imageVersion, objectLabels, selectorLabels } from '../k8s/labels';
import { MeshObject } from '../k8s/mesh-object';
import { serviceHost } from '../k8s/naming';
import {
  envFromSecret, envValue, restrictedContainerSecurityContext, restrictedPodSecurityContext, tmpMount, tmpVolume,
} from '../k8s/pod';
import { ResourceProps, renderResources } from '../k8s/resources';
import { podTemplateMetadata, serviceMeshPodMetadata } from '../k8s/service-mesh';
import { NetworkPeer } from '../model/network-peer';
import { requireDnsSubdomain, requirePinnedImage, requireQuantity, requireSecretKey } from '../model/validation';
import { PostgresCredentials, StorageContext, requireDatabaseName } from './storage-context';
import { MAX_STATEFULSET_NAME } from '../k8s/object-names';

export interface PostgresInClusterProps {
  /** The Secret (which you create) with the database user and password. */
  readonly credentials: PostgresCredentials;
  /** @default "mcp_mesh_registry" */
  readonly database?: string;
  /**
   * PostgreSQL image, pinned. Its entrypoint initializes the data directory as the image's `postgres` user.
   * @default "postgres:17.6"
   */
  readonly image?: string;
  /** @default "10Gi" */
  readonly size?: string;
  /** @default - the cluster's default StorageClass */
  readonly storageClassName?: string;
  /** @default - requests 250m CPU and 256Mi memory, memory limit 1Gi */
  readonly resources?: ResourceProps;
}

const POSTGRES_UID = 999;
const POSTGRES_PORT = 5432;
const DATA_DIR = '/var/lib/postgresql/data';

/**
 * One PostgreSQL instance for the registry: StatefulSet on a claim, a Service, a ServiceAccount; restricted
 * pod security (the official image runs as its `postgres` user, uid 999) with writable emptyDirs for the
 * socket directory and /tmp. Not a replicated database: for that, run an operator and use
 * `RegistryStorage.postgres` or `postgresFromParts`.
 */
export class PostgresDatabase extends Construct {
  public readonly name: string;
  public readonly host: string;
  public readonly port = POSTGRES_PORT;
  public readonly database: string;
  public readonly podLabels: Record<string, string>;
  /** The database's pods, as a NetworkPolicy peer of the registry. */
  public readonly peer: NetworkPeer;
  private readonly image: string;

  constructor(scope: Construct, id: string, props: PostgresInClusterProps & StorageContext) {
    super(scope, id);
    const field = props.field;
    this.name = `${props.registryName}-postgres`;
    this.database = requireDatabaseName(`${field}.database`, props.database ?? 'mcp_mesh_registry');
    this.image = requirePinnedImage(`${field}.image`, props.image ?? 'postgres:17.6');
    const credentials = props.credentials;
    requireDnsSubdomain(`${field}.credentials.secretName`, credentials?.secretName);
    const userKey = requireSecretKey(`${field}.credentials.usernameKey`, credentials.usernameKey ?? 'username');
    const passwordKey = requireSecretKey(`${field}.credentials.passwordKey`, credentials.passwordKey ?? 'password');
    const size = requireQuantity(`${field}.size`, props.size ?? '10Gi');
    this.host = serviceHost(this.name, props.namespace, props.clusterDomain);
    const selector = selectorLabels('database', this.name, props.instance);
    this.podLabels = selector;
    this.peer = NetworkPeer.pods({ podLabels: selector });
    const labels = objectLabels('database', this.name, props.instance, imageVersion(this.image));
    const metadata = (name: string) => ({ labels, name, namespace: props.namespace });
    const ports = [{ name: 'postgres', port: POSTGRES_PORT, protocol: 'TCP', targetPort: 'postgres' }];
    const meshMetadata = serviceMeshPodMetadata(`${field}.serviceMesh`, props.serviceMesh);

    new MeshObject(this, 'ServiceAccount', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(this.name), automountServiceAccountToken: false });
    new MeshObject(this, 'Service', { apiVersion: 'v1', kind: 'Service', metadata: metadata(this.name), spec: { ports, selector, type: 'ClusterIP' } });
    // The StatefulSet's governing Service must be headless (it gives the pod its stable DNS name); the registry
    // connects through the ClusterIP Service above.
    const governing = `${this.name}-headless`;
    if (this.name.length > MAX_STATEFULSET_NAME) {
      throw new MeshValidationError('registry.name', props.registryName, `makes the in-cluster PostgreSQL's StatefulSet name "${this.name}" longer than ${MAX_STATEFULSET_NAME} characters (its pods' controller-revision-hash label would be too long)`,
        `use a registry name of at most ${MAX_STATEFULSET_NAME - '-postgres'.length} characters`);
    }
    new MeshObject(this, 'HeadlessService', {
      apiVersion: 'v1', kind: 'Service', metadata: metadata(governing),
      spec: { clusterIP: 'None', ports, publishNotReadyAddresses: true, selector },
    });
    const ready = { exec: { command: ['pg_isready', '--host', '127.0.0.1', '--port', String(POSTGRES_PORT)] } };
    new MeshObject(this, 'Resource', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: metadata(this.name),
      spec: {
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        replicas: 1,
        selector: { matchLabels: selector },
        serviceName: governing,
        template: {
          metadata: podTemplateMetadata(labels, meshMetadata),
          spec: {
            automountServiceAccountToken: false,
            containers: [{
              env: [
                envFromSecret('POSTGRES_USER', credentials.secretName, userKey),
                envFromSecret('POSTGRES_PASSWORD', credentials.secretName, passwordKey),
                envValue('POSTGRES_DB', this.database),
                // A subdirectory of the claim: the volume's root may hold lost+found, which initdb refuses.
                envValue('PGDATA', `${DATA_DIR}/pgdata`),
              ],
              image: this.image,
              imagePullPolicy: 'IfNotPresent',
              livenessProbe: { ...ready, failureThreshold: 6, periodSeconds: 10, timeoutSeconds: 5 },
              name: 'postgres',
              ports: [{ containerPort: POSTGRES_PORT, name: 'postgres', protocol: 'TCP' }],
              readinessProbe: { ...ready, failureThreshold: 3, periodSeconds: 5, timeoutSeconds: 3 },
              resources: renderResources(`${field}.resources`, props.resources, { cpuRequest: '250m', memoryRequest: '256Mi', memoryLimit: '1Gi' }),
              securityContext: restrictedContainerSecurityContext(),
              startupProbe: { ...ready, failureThreshold: 60, periodSeconds: 2, timeoutSeconds: 2 },
              volumeMounts: [
                { mountPath: DATA_DIR, name: 'data' },
                { mountPath: '/var/run/postgresql', name: 'run' },
                tmpMount(),
              ],
            }],
            securityContext: restrictedPodSecurityContext({ user: POSTGRES_UID, group: POSTGRES_UID }),
            serviceAccountName: this.name,
            // A clean shutdown checkpoints; give it time.
            terminationGracePeriodSeconds: 60,
            volumes: [{ emptyDir: {}, name: 'run' }, tmpVolume('256Mi')],
          },
        },
        updateStrategy: { type: 'RollingUpdate' },
        volumeClaimTemplates: [{
          metadata: { name: 'data' },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: size } },
            ...(props.storageClassName !== undefined ? { storageClassName: requireDnsSubdomain(`${field}.storageClassName`, props.storageClassName) } : {}),
          },
        }],
      },
    });
  }

  /**
   * An init container for the registry that waits until the database accepts connections: the same image's
   * `pg_isready`, unprivileged, so the registry does not crash-loop while PostgreSQL starts.
   */
  public waitContainer(): Record<string, unknown> {
    return {
      command: ['sh', '-c', `until pg_isready --host "$0" --port "$1" --timeout 2; do sleep 2; done`, this.host, String(this.port)],
      image: this.image,
      imagePullPolicy: 'IfNotPresent',
      name: 'wait-for-postgres',
      resources: renderResources('registry.storage (wait-for-postgres)', undefined, { cpuRequest: '10m', memoryRequest: '16Mi', memoryLimit: '64Mi', ephemeralStorageLimit: '64Mi' }),
      securityContext: { ...restrictedContainerSecurityContext(), runAsGroup: POSTGRES_UID, runAsUser: POSTGRES_UID },
    };
  }
}
