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
}

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
  const merged: ResourceProps = { ...defaults, ...props };
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (merged.cpuRequest !== undefined) requests.cpu = requireQuantity(`${field}.cpuRequest`, merged.cpuRequest);
  if (merged.memoryRequest !== undefined) requests.memory = requireQuantity(`${field}.memoryRequest`, merged.memoryRequest);
  if (merged.cpuLimit !== undefined) limits.cpu = requireQuantity(`${field}.cpuLimit`, merged.cpuLimit);
  if (merged.memoryLimit !== undefined) limits.memory = requireQuantity(`${field}.memoryLimit`, merged.memoryLimit);
  for (const kind of ['cpu', 'memory'] as const) {
    if (requests[kind] !== undefined && limits[kind] !== undefined && quantityValue(requests[kind]) > quantityValue(limits[kind])) {
      // The API server rejects a request above its limit; say so before it does.
      throw new MeshValidationError(`${field}.${kind}Limit`, limits[kind],
        `is lower than the ${kind} request ${requests[kind]}`, `raise ${field}.${kind}Limit to at least ${requests[kind]} or lower ${field}.${kind}Request`);
    }
  }
  return Object.keys(limits).length > 0 ? { requests, limits } : { requests };
}
