/** What a mesh's Namespace carries, and which namespaces a mesh may own. */
import { MeshValidationError } from '../model/errors';

/** The Pod Security Standards version the Namespace pins (the oldest Kubernetes the manifests support). */
export const POD_SECURITY_VERSION = 'v1.30';

/** Namespaces of the cluster itself: never owned by a mesh. */
export const SYSTEM_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/**
 * Pod Security Standards labels: enforce, audit and warn at "restricted", pinned to a version so that a
 * cluster upgrade never tightens the rules under running workloads unannounced. Add the same labels to a
 * namespace the library does not own.
 */
export function podSecurityLabels(): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ['enforce', 'audit', 'warn']) {
    labels[`pod-security.kubernetes.io/${mode}`] = 'restricted';
    labels[`pod-security.kubernetes.io/${mode}-version`] = POD_SECURITY_VERSION;
  }
  return labels;
}

/** Throws unless `name` is a namespace a mesh may own (not one of the cluster's own). */
export function requireOwnableNamespace(field: string, name: string): string {
  if (SYSTEM_NAMESPACES.includes(name)) {
    throw new MeshValidationError(field, name, 'is a namespace of the cluster itself, which this would make the mesh own (a prune or an uninstall would delete it)',
      'deploy the mesh into a namespace of its own, and label a namespace you keep yourself with the Pod Security labels (podSecurityLabels())');
  }
  return name;
}
