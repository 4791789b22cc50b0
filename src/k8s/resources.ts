import { MeshValidationError } from '../model/errors';
import { requireQuantity } from '../model/validation';

/**
 * CPU and memory for a container, as Kubernetes quantities ("250m", "0.5", "512Mi", "1.5Gi"). They are written
 * in the form the API server keeps ("0.5" as "500m", "1024Mi" as "1Gi"), so GitOps diffs settle.
 */
export interface ResourceProps {
  /** @default - depends on the workload */
  readonly cpuRequest?: string;
  /** @default - depends on the workload */
  readonly memoryRequest?: string;
  /**
   * CPU limit. Unset by default: CPU limits throttle latency-sensitive servers long before they help anyone.
   * @default - no CPU limit
   */
  readonly cpuLimit?: string;
  /** @default - depends on the workload */
  readonly memoryLimit?: string;
  /**
   * Local disk the container needs (its logs, its share of the pod's emptyDir scratch volumes): the scheduler
   * places pods by it.
   * @default "50Mi"
   */
  readonly ephemeralStorageRequest?: string;
  /**
   * Local disk the container may use; the kubelet evicts a pod whose logs and emptyDirs pass the sum of its
   * containers' limits, instead of letting it fill the node's disk.
   * @default "2Gi"
   */
  readonly ephemeralStorageLimit?: string;
}

/** Every workload's default local disk: room for rotated logs and the size-limited scratch volumes. */
const EPHEMERAL_STORAGE_DEFAULTS: ResourceProps = { ephemeralStorageRequest: '50Mi', ephemeralStorageLimit: '2Gi' };

export interface ResourceRequirementsJson {
  readonly requests: Record<string, string>;
  readonly limits?: Record<string, string>;
}

const UNITS: Record<string, number> = {
  m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The numeric value of a quantity that `requireQuantity` accepted. */
export function quantityValue(quantity: string): number {
  const match = /^([0-9.]+)([a-zA-Z]*)$/.exec(quantity)!;
  return Number(match[1]) * (match[2] ? UNITS[match[2]] : 1);
}

export function renderResources(field: string, props: ResourceProps | undefined, defaults: ResourceProps): ResourceRequirementsJson {
  const merged: ResourceProps = { ...EPHEMERAL_STORAGE_DEFAULTS, ...defaults, ...props };
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  const kinds = [['cpu', 'cpu'], ['memory', 'memory'], ['ephemeral-storage', 'ephemeralStorage']] as const;
  for (const [resource, prop] of kinds) {
    const request = merged[`${prop}Request`];
    const limit = merged[`${prop}Limit`];
    if (request !== undefined) requests[resource] = requireQuantity(`${field}.${prop}Request`, request);
    if (limit !== undefined) limits[resource] = requireQuantity(`${field}.${prop}Limit`, limit);
    if (requests[resource] !== undefined && limits[resource] !== undefined && quantityValue(requests[resource]) > quantityValue(limits[resource])) {
      // The API server rejects a request above its limit; say so before it does.
      throw new MeshValidationError(`${field}.${prop}Limit`, limits[resource],
        `is lower than the ${resource} request ${requests[resource]}`, `raise ${field}.${prop}Limit to at least ${requests[resource]} or lower ${field}.${prop}Request`);
    }
  }
  return Object.keys(limits).length > 0 ? { requests, limits } : { requests };
}
