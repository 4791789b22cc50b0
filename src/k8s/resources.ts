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

/** Each resource with the props that set it, in the order requests and limits are written. */
const RESOURCE_PROPS = [
  { resource: 'cpu', request: 'cpuRequest', limit: 'cpuLimit' },
  { resource: 'memory', request: 'memoryRequest', limit: 'memoryLimit' },
  { resource: 'ephemeral-storage', request: 'ephemeralStorageRequest', limit: 'ephemeralStorageLimit' },
] as const;

export function renderResources(field: string, props: ResourceProps | undefined, defaults: ResourceProps): ResourceRequirementsJson {
  const requests: Record<string, string> = {};
  let limits: Record<string, string> | undefined;
  // The props, else the workload's defaults, else every workload's local-disk defaults. A prop present but
  // undefined removes the default (a Helm value set to null comes as one): what spreading them gave.
  const has = (o: ResourceProps | undefined, prop: keyof ResourceProps): o is ResourceProps => o !== undefined && Object.prototype.propertyIsEnumerable.call(o, prop);
  const valueOf = (prop: keyof ResourceProps) => (has(props, prop) ? props[prop] : has(defaults, prop) ? defaults[prop] : EPHEMERAL_STORAGE_DEFAULTS[prop]);
  for (const { resource, request: requestProp, limit: limitProp } of RESOURCE_PROPS) {
    const requestValue = valueOf(requestProp);
    const limitValue = valueOf(limitProp);
    const request = requestValue === undefined ? undefined : requireQuantity(`${field}.${requestProp}`, requestValue);
    const limit = limitValue === undefined ? undefined : requireQuantity(`${field}.${limitProp}`, limitValue);
    if (request !== undefined) requests[resource] = request;
    if (limit !== undefined) (limits ??= {})[resource] = limit;
    if (request !== undefined && limit !== undefined && quantityValue(request) > quantityValue(limit)) {
      // The API server rejects a request above its limit; say so before it does.
      throw new MeshValidationError(`${field}.${limitProp}`, limit,
        `is lower than the ${resource} request ${request}`, `raise ${field}.${limitProp} to at least ${request} or lower ${field}.${requestProp}`);
    }
  }
  return limits !== undefined ? { requests, limits } : { requests };
}
