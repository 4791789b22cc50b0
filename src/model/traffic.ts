import { Duration } from 'cdk8s';
import { MeshValidationError } from './errors';
import { durationSeconds, requireInteger } from './validation';

/**
 * How calls to an agent are timed out, retried and circuit-broken by the service mesh's proxies. Mesh-wide
 * defaults with per-agent overrides; without a service mesh only the runtime's own call timeout applies.
 */
export interface TrafficPolicyOptions {
  /**
   * Request timeout for calls to the agent. Never shorter than its longest capability timeout.
   * @default - the agent's longest capability timeout
   */
  readonly timeout?: Duration;
  /**
   * Retry attempts after a failed try. MCP calls are POSTs whose tools may have side effects, so they are
   * retried only when the request surely never reached the agent (connect failure, refused stream).
   * @default 2
   */
  readonly retries?: number;
  /**
   * Mark the agent's tools idempotent: Linkerd may then retry failed calls too.
   * @default false
   */
  readonly idempotent?: boolean;
  /**
   * Most TCP connections to the agent, per calling proxy.
   * @default 100
   */
  readonly maxConnections?: number;
  /**
   * Most requests waiting for a connection, per calling proxy: beyond it calls fail fast (circuit open).
   * @default 100
   */
  readonly maxPendingRequests?: number;
  /**
   * Consecutive 5xx answers after which a replica is ejected from load balancing.
   * @default 5
   */
  readonly consecutiveErrors?: number;
  /**
   * How long an ejected replica stays out (grows with each ejection).
   * @default Duration.seconds(30)
   */
  readonly baseEjectionTime?: Duration;
  /**
   * Most replicas ejected at once, in percent.
   * @default 50
   */
  readonly maxEjectionPercent?: number;
}

/** Resolved traffic settings of one agent. */
export interface TrafficModel {
  readonly timeoutSeconds: number;
  readonly retries: number;
  readonly idempotent: boolean;
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly consecutiveErrors: number;
  readonly baseEjectionSeconds: number;
  readonly maxEjectionPercent: number;
}

/** Merges agent overrides over mesh defaults and checks them against the agent's longest capability timeout. */
export function resolveTraffic(field: string, longestCallSeconds: number, defaults: TrafficPolicyOptions = {}, overrides: TrafficPolicyOptions = {}): TrafficModel {
  const o = { ...defaults, ...overrides };
  // Every setting is checked, and every problem reported together.
  const errors: MeshValidationError[] = [];
  const take = <T>(check: () => T, fallback: T): T => {
    try {
      return check();
    } catch (e) {
      if (!(e instanceof MeshValidationError)) throw e;
      errors.push(e);
      return fallback;
    }
  };
  const timeout = o.timeout;
  const timeoutSeconds = timeout === undefined ? longestCallSeconds : take(() => durationSeconds(`${field}.timeout`, timeout, 1, 86400), longestCallSeconds);
  if (timeoutSeconds < longestCallSeconds) {
    errors.push(new MeshValidationError(`${field}.timeout`, `${timeoutSeconds}s`,
      `is shorter than the agent's longest capability timeout ${longestCallSeconds}s, so the mesh would cut calls the capability allows`,
      `set the timeout to at least ${longestCallSeconds}s, or lower the capability's timeout`));
  }
  const traffic: TrafficModel = {
    timeoutSeconds,
    retries: take(() => requireInteger(`${field}.retries`, o.retries ?? 2, 0, 10), 0),
    idempotent: o.idempotent === true,
    maxConnections: take(() => requireInteger(`${field}.maxConnections`, o.maxConnections ?? 100, 1, 1_000_000), 1),
    maxPendingRequests: take(() => requireInteger(`${field}.maxPendingRequests`, o.maxPendingRequests ?? 100, 1, 1_000_000), 1),
    consecutiveErrors: take(() => requireInteger(`${field}.consecutiveErrors`, o.consecutiveErrors ?? 5, 1, 1000), 1),
    baseEjectionSeconds: take(() => durationSeconds(`${field}.baseEjectionTime`, o.baseEjectionTime ?? Duration.seconds(30), 1, 3600), 1),
    maxEjectionPercent: take(() => requireInteger(`${field}.maxEjectionPercent`, o.maxEjectionPercent ?? 50, 0, 100), 0),
  };
  MeshValidationError.throwAll(errors);
  return traffic;
}
