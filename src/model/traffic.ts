import { Duration } from 'cdk8s';

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
