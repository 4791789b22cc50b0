import { Construct } from 'constructs';
import { imageVersion, objectLabels } from '../k8s/labels';
import { MeshObject } from '../k8s/mesh-object';
import {
  envFromSecret, envValue, restrictedContainerSecurityContext, restrictedPodSecurityContext, tmpMount, tmpVolume,
} from '../k8s/pod';
import { podTemplateMetadata } from '../k8s/service-mesh';
import { POSTGRES_PORT, POSTGRES_UID, ResolvedPostgres } from './storage-context';

const DATA_DIR = '/var/lib/postgresql/data';

/**
 * One PostgreSQL instance for the registry: StatefulSet on a claim, a Service, a ServiceAccount; restricted
 * pod security (the official image runs as its `postgres` user, uid 999) with writable emptyDirs for the
 * socket directory and /tmp. Not a replicated database: for that, run an operator and use
 * `RegistryStorage.postgres` or `postgresFromParts`. Renders what `resolvePostgres` resolved.
 */
export class PostgresDatabase extends Construct {
  constructor(scope: Construct, id: string, db: ResolvedPostgres) {
    super(scope, id);
    const labels = objectLabels('database', db.name, db.instance, imageVersion(db.image));
    const selector = { ...db.podLabels };
    const metadata = (name: string) => ({ labels, name, namespace: db.namespace });
    const ports = [{ name: 'postgres', port: POSTGRES_PORT, protocol: 'TCP', targetPort: 'postgres' }];
    const { secretName, usernameKey, passwordKey } = db.credentials;

    new MeshObject(this, 'ServiceAccount', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(db.name), automountServiceAccountToken: false });
    new MeshObject(this, 'Service', { apiVersion: 'v1', kind: 'Service', metadata: metadata(db.name), spec: { ports, selector, type: 'ClusterIP' } });
    // The StatefulSet's governing Service must be headless (it gives the pod its stable DNS name); the registry
    // connects through the ClusterIP Service above.
    const governing = `${db.name}-headless`;
    new MeshObject(this, 'HeadlessService', {
      apiVersion: 'v1', kind: 'Service', metadata: metadata(governing),
      spec: { clusterIP: 'None', ports, publishNotReadyAddresses: true, selector },
    });
    const ready = { exec: { command: ['pg_isready', '--host', '127.0.0.1', '--port', String(POSTGRES_PORT)] } };
    new MeshObject(this, 'Resource', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: metadata(db.name),
      spec: {
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        replicas: 1,
        selector: { matchLabels: selector },
        serviceName: governing,
        template: {
          metadata: podTemplateMetadata(labels, db.podMetadata),
          spec: {
            automountServiceAccountToken: false,
            containers: [{
              env: [
                envFromSecret('POSTGRES_USER', secretName, usernameKey),
                envFromSecret('POSTGRES_PASSWORD', secretName, passwordKey),
                envValue('POSTGRES_DB', db.database),
                // A subdirectory of the claim: the volume's root may hold lost+found, which initdb refuses.
                envValue('PGDATA', `${DATA_DIR}/pgdata`),
              ],
              image: db.image,
              imagePullPolicy: 'IfNotPresent',
              livenessProbe: { ...ready, failureThreshold: 6, periodSeconds: 10, timeoutSeconds: 5 },
              name: 'postgres',
              ports: [{ containerPort: POSTGRES_PORT, name: 'postgres', protocol: 'TCP' }],
              readinessProbe: { ...ready, failureThreshold: 3, periodSeconds: 5, timeoutSeconds: 3 },
              resources: db.resources,
              securityContext: restrictedContainerSecurityContext(),
              startupProbe: { ...ready, failureThreshold: 60, periodSeconds: 2, timeoutSeconds: 2 },
              volumeMounts: [
                { mountPath: DATA_DIR, name: 'data' },
                { mountPath: '/var/run/postgresql', name: 'run' },
                tmpMount(),
              ],
            }],
            securityContext: restrictedPodSecurityContext({ user: POSTGRES_UID, group: POSTGRES_UID }),
            serviceAccountName: db.name,
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
            resources: { requests: { storage: db.size } },
            ...(db.storageClassName !== undefined ? { storageClassName: db.storageClassName } : {}),
          },
        }],
      },
    });
  }
}
