/*
 * The props of the policy check: the rules it applies and the findings a user accepts.
 */

/** What the policy check looks for. */
export enum PolicyRule {
  /** Privileged containers, added capabilities, or privilege escalation not switched off. */
  PRIVILEGED = 'privileged',
  /** Containers that may run as root. */
  RUN_AS_ROOT = 'run-as-root',
  /** Host network, PID or IPC namespaces, host ports, hostPath volumes. */
  HOST_ACCESS = 'host-access',
  /** Containers without CPU and memory requests and a memory limit. */
  RESOURCES = 'resources',
  /** Images without a version tag, or tagged `latest`. */
  UNPINNED_IMAGE = 'unpinned-image',
  /** Long-running containers without readiness and liveness probes. */
  PROBES = 'probes',
  /** Secret values written into the YAML: env literals, ConfigMap data, annotations, Secret objects. */
  SECRET_LITERAL = 'secret-literal',
  /** Pods that no NetworkPolicy isolates for both ingress and egress. */
  NETWORK_POLICY = 'network-policy',
}

/** A finding you accept, with the reason written down. */
export interface PolicySuppression {
  readonly rule: PolicyRule;
  /**
   * The object, as "Kind/name".
   * @default - every object checked
   */
  readonly object?: string;
  /** Why this is acceptable; at least 10 characters. */
  readonly reason: string;
}
