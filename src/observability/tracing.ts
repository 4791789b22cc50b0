/**
 * Distributed tracing of MCP Mesh, as the runtime 3.7 implements it: agents publish span events to the Redis
 * stream `mesh:trace`; the registry consumes the stream and exports the spans over OTLP (to Tempo, or any
 * OpenTelemetry collector). These pure functions return the environment variables that turn it on, and only
 * variables the runtime reads (checked in the 3.7.1 registry binary and the Python package, see
 * docs/observability.md):
 *
 * - registry: `MCP_MESH_DISTRIBUTED_TRACING_ENABLED`, `REDIS_URL`, `TELEMETRY_ENDPOINT`, `TELEMETRY_PROTOCOL`,
 *   and when set `MCP_MESH_TRACE_RETENTION` and `TEMPO_URL`;
 * - agents: `MCP_MESH_DISTRIBUTED_TRACING_ENABLED`, `REDIS_URL`.
 *
 * There is no JSON log format in either component (3.7.1): logs are text lines; the correlation id is the
 * trace id, which agents pass along in `X-Trace-ID` / `X-Parent-Span` headers and print as an 8-character
 * prefix on log lines written while a trace is active.
 */
import { RegistryBackendModel } from '../model/mesh-model';
import { BackendEndpoint, validateEndpoint } from '../model/network-peer';
import { Duration } from 'cdk8s';
import { EnvVarJson, envFromSecret, envValue } from '../k8s/pod';
import { MeshValidationError } from '../model/errors';
import { goDuration, requireDnsSubdomain, requireSecretKey } from '../model/validation';
import type { SecretKeyReference } from '../registry/registry-storage';

/** OTLP transport of the registry's span export (`TELEMETRY_PROTOCOL`). */
export enum OtlpProtocol {
  /** OTLP/gRPC, conventionally port 4317 (the runtime's default). */
  GRPC = 'grpc',
  /** OTLP/HTTP (protobuf), conventionally port 4318; the registry posts to `http://<endpoint>/v1/traces`. */
  HTTP = 'http',
}

export interface TracingOptions {
  /**
   * In-cluster Redis URL without credentials, e.g. `redis://redis.tracing.svc.cluster.local:6379`. Set this or
   * `redisUrlSecret`.
   * @default - none
   */
  readonly redisUrl?: string;
  /**
   * A Secret key holding the Redis URL (use it when the URL carries a password). It must exist in the namespace
   * of the workloads that read it. Set this or `redisUrl`.
   * @default - none
   */
  readonly redisUrlSecret?: SecretKeyReference;
  /**
   * Where the registry exports spans: `host:port` without a scheme, e.g.
   * `tempo-distributor.tracing.svc.cluster.local:4317`. The registry adds `http://` itself (plaintext; TLS
   * needs the runtime's `TELEMETRY_TLS_*` files, not set here).
   */
  readonly otlpEndpoint: string;
  /** @default OtlpProtocol.GRPC */
  readonly otlpProtocol?: OtlpProtocol;
  /**
   * How long the registry keeps span events in the Redis stream (`MCP_MESH_TRACE_RETENTION`, trimmed every
   * 5 minutes). `Duration.seconds(0)` keeps them forever.
   * @default - the runtime's default, 24 hours
   */
  readonly traceRetention?: Duration;
  /**
   * Tempo's query URL (`TEMPO_URL`), which the registry reads traces back from for `meshctl trace`, e.g.
   * `http://tempo.tracing.svc.cluster.local:3200`.
   * @default - the runtime's default, http://localhost:3200 (nothing in a pod)
   */
  readonly tempoQueryUrl?: string;
}

/** Tracing settings of a mesh: the runtime's env, and where its backends are for the NetworkPolicies. */
export interface MeshTracingOptions extends TracingOptions {
  /**
   * Where Redis is (its URL may be secret): agents and the registry are allowed to reach it.
   * @default - unknown: with NetworkPolicies on, synth fails rather than cut the trace pipeline off
   */
  readonly redisNetwork?: BackendEndpoint;
  /**
   * Where the OTLP collector (or Tempo's distributor) is: the registry is allowed to reach it.
   * @default - unknown: with NetworkPolicies on, synth fails
   */
  readonly collectorNetwork?: BackendEndpoint;
  /**
   * Where Tempo's query API is, when `tempoQueryUrl` is set.
   * @default - unknown: with NetworkPolicies on and tempoQueryUrl set, synth fails
   */
  readonly tempoNetwork?: BackendEndpoint;
}

/** The backends a tracing configuration makes the registry (or, with `agents`, each agent) connect to. */
export function tracingBackends(field: string, options: MeshTracingOptions, forAgents: boolean): RegistryBackendModel[] {
  const backend = (name: string, prop: string, endpoint: BackendEndpoint | undefined): RegistryBackendModel => {
    if (endpoint !== undefined) validateEndpoint(`${field}.${prop}`, endpoint);
    return { name, field: `${field}.${prop}`, endpoint: endpoint === undefined ? undefined : { name, peer: endpoint.peer, port: endpoint.port } };
  };
  const backends = [backend('redis', 'redisNetwork', options.redisNetwork)];
  if (!forAgents) {
    backends.push(backend('otlp', 'collectorNetwork', options.collectorNetwork));
    if (options.tempoQueryUrl !== undefined) backends.push(backend('tempo', 'tempoNetwork', options.tempoNetwork));
  }
  return backends;
}

/** The env that makes the registry consume span events from Redis and export them over OTLP. */
export function registryTracingEnv(options: TracingOptions): EnvVarJson[] {
  const o = validate(options);
  const env: EnvVarJson[] = [
    envValue('MCP_MESH_DISTRIBUTED_TRACING_ENABLED', 'true'),
    o.redis,
    envValue('TELEMETRY_ENDPOINT', o.endpoint),
    envValue('TELEMETRY_PROTOCOL', o.protocol),
  ];
  if (o.retention !== undefined) env.push(envValue('MCP_MESH_TRACE_RETENTION', o.retention));
  if (o.tempoQueryUrl !== undefined) env.push(envValue('TEMPO_URL', o.tempoQueryUrl));
  return env;
}

/** The env that makes an agent publish span events to Redis. */
export function agentTracingEnv(options: TracingOptions): EnvVarJson[] {
  const o = validate(options);
  return [envValue('MCP_MESH_DISTRIBUTED_TRACING_ENABLED', 'true'), o.redis];
}

interface ValidTracing {
  readonly redis: EnvVarJson;
  readonly endpoint: string;
  readonly protocol: OtlpProtocol;
  readonly retention?: string;
  readonly tempoQueryUrl?: string;
}

function validate(options: TracingOptions): ValidTracing {
  const f = (field: string) => `tracing.${field}`;
  if (options === undefined || options === null || typeof options !== 'object') {
    throw new MeshValidationError('tracing', options, 'is not a tracing configuration',
      'pass { redisUrl: "redis://redis.tracing.svc.cluster.local:6379", otlpEndpoint: "tempo.tracing.svc.cluster.local:4317" }');
  }
  let redis: EnvVarJson;
  if (options.redisUrl !== undefined && options.redisUrlSecret !== undefined) {
    throw new MeshValidationError(f('redisUrl'), options.redisUrl, 'is set together with redisUrlSecret', 'set one of them: redisUrlSecret when the URL holds a password, redisUrl otherwise');
  } else if (options.redisUrlSecret !== undefined) {
    const ref = options.redisUrlSecret;
    requireDnsSubdomain(f('redisUrlSecret.name'), ref?.name);
    requireSecretKey(f('redisUrlSecret.key'), ref.key);
    redis = envFromSecret('REDIS_URL', ref.name, ref.key);
  } else if (options.redisUrl !== undefined) {
    redis = envValue('REDIS_URL', requireRedisUrl(f('redisUrl'), options.redisUrl));
  } else {
    throw new MeshValidationError(f('redisUrl'), undefined, 'is required: agents publish spans to Redis and the registry reads them from there',
      'set redisUrl: "redis://<service>.<namespace>.svc.cluster.local:6379", or redisUrlSecret: { name, key } for a URL with a password');
  }

  const endpoint = options.otlpEndpoint;
  if (typeof endpoint !== 'string' || endpoint.length === 0) {
    throw new MeshValidationError(f('otlpEndpoint'), endpoint, 'is required: the registry exports spans there (its default, localhost:4317, is nothing in a pod)',
      'set otlpEndpoint: "<collector or tempo service>.<namespace>.svc.cluster.local:4317"');
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) {
    throw new MeshValidationError(f('otlpEndpoint'), endpoint, 'has a scheme, but the registry prefixes "http://" itself (the result would be "http://http://…")',
      `write host:port only, e.g. "${endpoint.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '')}"`);
  }
  const m = /^([A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):([0-9]{1,5})$/.exec(endpoint);
  if (m === null || Number(m[3]) < 1 || Number(m[3]) > 65535) {
    throw new MeshValidationError(f('otlpEndpoint'), endpoint, 'is not host:port', 'write it like "tempo-distributor.tracing.svc.cluster.local:4317" (no path: over HTTP the registry posts to /v1/traces)');
  }

  const protocol = options.otlpProtocol ?? OtlpProtocol.GRPC;
  if (!Object.values(OtlpProtocol).includes(protocol)) {
    throw new MeshValidationError(f('otlpProtocol'), protocol, 'is not an OTLP protocol the registry supports', 'use OtlpProtocol.GRPC or OtlpProtocol.HTTP');
  }

  let retention: string | undefined;
  if (options.traceRetention !== undefined) {
    const r = options.traceRetention as unknown;
    if (typeof r !== 'object' || r === null || typeof (r as Duration).toSeconds !== 'function') {
      throw new MeshValidationError(f('traceRetention'), r, 'is not a Duration', 'use Duration.hours(n); Duration.seconds(0) keeps span events forever');
    }
    const s = (r as Duration).toSeconds({ integral: false });
    if (!Number.isInteger(s) || s < 0 || s > 365 * 86400) {
      throw new MeshValidationError(f('traceRetention'), `${s}s`, 'is not a whole number of seconds from 0 to 365 days', 'use e.g. Duration.hours(24)');
    }
    retention = goDuration(s);
  }

  let tempoQueryUrl: string | undefined;
  if (options.tempoQueryUrl !== undefined) {
    if (typeof options.tempoQueryUrl !== 'string' || !/^https?:\/\/[^\s/@]+(:[0-9]{1,5})?(\/[^\s]*)?$/.test(options.tempoQueryUrl)) {
      throw new MeshValidationError(f('tempoQueryUrl'), options.tempoQueryUrl, 'is not an http(s) URL without credentials', 'use e.g. "http://tempo.tracing.svc.cluster.local:3200"');
    }
    tempoQueryUrl = options.tempoQueryUrl;
  }
  return { redis, endpoint, protocol, retention, tempoQueryUrl };
}

function requireRedisUrl(field: string, url: unknown): string {
  if (typeof url !== 'string' || !/^rediss?:\/\/[^\s]+$/.test(url)) {
    throw new MeshValidationError(field, url, 'is not a redis:// or rediss:// URL', 'use e.g. "redis://redis.tracing.svc.cluster.local:6379"');
  }
  if (/^rediss?:\/\/[^/]*@/.test(url)) {
    throw new MeshValidationError(field, url.replace(/\/\/[^/]*@/, '//***@'), 'holds credentials, which would be written into the YAML in plain text',
      'put the URL into a Secret and pass redisUrlSecret: { name, key }');
  }
  return url;
}
