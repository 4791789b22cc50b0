/**
 * The resolve step of the in-cluster PostgreSQL (`RegistryStorage.postgresInCluster`): its props checked, its
 * name, host and pod labels derived, and the registry's wait-for-it init container. McpRegistry renders the
 * database (../registry/postgres-database.ts) from what this returns.
 */
import { selectorLabels } from '../k8s/labels';
import { serviceHost } from '../k8s/naming';
import { MAX_STATEFULSET_NAME } from '../k8s/object-names';
import { restrictedContainerSecurityContext } from '../k8s/pod';
import { renderResources } from '../k8s/resources';
import { serviceMeshPodMetadata } from '../k8s/service-mesh';
import { MeshValidationError } from '../model/errors';
import { NetworkPeer } from '../model/network-peer';
import { requireDnsSubdomain, requirePinnedImage, requireQuantity, requireSecretKey } from '../model/validation';
import { Problems } from './problems';
import { POSTGRES_PORT, POSTGRES_UID, PostgresInClusterProps, ResolvedPostgres, StorageContext, requireDatabaseName } from '../registry/storage-context';

/** Checks the in-cluster PostgreSQL's props; throws every problem at once. */
export function resolvePostgres(props: PostgresInClusterProps, context: StorageContext): ResolvedPostgres {
  const field = context.field;
  const problems = new Problems();
  const check = <T>(run: () => T, fallback: T): T => problems.check(run, fallback);
  const name = `${context.registryName}-postgres`;
  if (name.length > MAX_STATEFULSET_NAME) {
    problems.add(new MeshValidationError('registry.name', context.registryName, `makes the in-cluster PostgreSQL's StatefulSet name "${name}" longer than ${MAX_STATEFULSET_NAME} characters (its pods' controller-revision-hash label would be too long)`,
      `use a registry name of at most ${MAX_STATEFULSET_NAME - '-postgres'.length} characters`));
  }
  const database = check(() => requireDatabaseName(`${field}.database`, props.database ?? 'mcp_mesh_registry'), '');
  const image = check(() => requirePinnedImage(`${field}.image`, props.image ?? 'postgres:17.6'), '');
  const credentials = props.credentials;
  const secretName = check(() => requireDnsSubdomain(`${field}.credentials.secretName`, credentials?.secretName), '');
  const usernameKey = check(() => requireSecretKey(`${field}.credentials.usernameKey`, credentials?.usernameKey ?? 'username'), '');
  const passwordKey = check(() => requireSecretKey(`${field}.credentials.passwordKey`, credentials?.passwordKey ?? 'password'), '');
  const size = check(() => requireQuantity(`${field}.size`, props.size ?? '10Gi'), '');
  const storageClassName = props.storageClassName === undefined ? undefined
    : check(() => requireDnsSubdomain(`${field}.storageClassName`, props.storageClassName), undefined);
  const resources = check(() => renderResources(`${field}.resources`, props.resources, { cpuRequest: '250m', memoryRequest: '256Mi', memoryLimit: '1Gi' }), undefined);
  const podMetadata = check(() => serviceMeshPodMetadata(`${field}.serviceMesh`, context.serviceMesh), undefined);
  problems.throwIfAny();
  const podLabels = selectorLabels('database', name, context.instance);
  return {
    name,
    host: serviceHost(name, context.namespace, context.clusterDomain),
    port: POSTGRES_PORT,
    database,
    image,
    instance: context.instance,
    namespace: context.namespace,
    credentials: { secretName, usernameKey, passwordKey },
    size,
    ...(storageClassName !== undefined ? { storageClassName } : {}),
    resources: resources!,
    podMetadata: podMetadata!,
    podLabels,
    peer: NetworkPeer.pods({ podLabels }),
  };
}

/**
 * An init container for the registry that waits until the database accepts connections: the same image's
 * `pg_isready`, unprivileged, so the registry does not crash-loop while PostgreSQL starts.
 */
export function waitForPostgres(db: ResolvedPostgres): Record<string, unknown> {
  return {
    command: ['sh', '-c', `until pg_isready --host "$0" --port "$1" --timeout 2; do sleep 2; done`, db.host, String(db.port)],
    image: db.image,
    imagePullPolicy: 'IfNotPresent',
    name: 'wait-for-postgres',
    resources: renderResources('registry.storage (wait-for-postgres)', undefined, { cpuRequest: '10m', memoryRequest: '16Mi', memoryLimit: '64Mi', ephemeralStorageLimit: '64Mi' }),
    securityContext: { ...restrictedContainerSecurityContext(), runAsGroup: POSTGRES_UID, runAsUser: POSTGRES_UID },
  };
}

