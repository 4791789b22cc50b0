/**
 * The resolve step of the runtime's own mutual TLS, and what it gives each workload: a cert-manager
 * Certificate for the names callers use, the Secret mounted, the env the runtime reads, and probes that work
 * under it. The facts it fits were measured with the real registry and the 3.8.0 runtime
 * (test/registry-tls.e2e.test.ts, docs/runtime-contract.md): strict TLS wants a client certificate on every
 * request and the agents' TLS on every handshake, so the kubelet (which presents none) probes the TCP port;
 * the registry trusts clients through a trust backend (`filestore`, the issuer's CA).
 */
import { Duration } from 'cdk8s';
import { EnvVarJson, envValue } from '../k8s/pod';
import { MeshValidationError } from '../model/errors';
import { durationSeconds, goDuration, requireDnsSubdomain } from '../model/validation';
import { MeshTlsOptions, TlsMode } from '../security/tls-props';
import { Problems } from './problems';

/** The TLS options as they render. */
export interface ResolvedTls {
  readonly mode: TlsMode;
  readonly issuer: { readonly name: string; readonly kind: string; readonly group: string };
  readonly durationSeconds: number;
  readonly renewBeforeSeconds: number;
}

/** Where a workload's certificate Secret is mounted, and the registry's trusted CAs. */
export const TLS_DIR = '/etc/mcp-mesh/tls';
export const TRUST_DIR = '/etc/mcp-mesh/trust';

/** Checks the TLS options; every problem goes to `problems`. */
export function resolveTls(options: MeshTlsOptions, field: string, problems: Problems): ResolvedTls | undefined {
  const start = problems.count;
  const f = (s: string) => `${field}.${s}`;
  const issuerName = problems.check(() => requireDnsSubdomain(f('issuer.name'), options.issuer?.name), '');
  const kind = options.issuer?.kind ?? 'ClusterIssuer';
  if (!['Issuer', 'ClusterIssuer'].includes(kind)) {
    problems.add(new MeshValidationError(f('issuer.kind'), kind, 'is not a cert-manager issuer kind', 'use "ClusterIssuer", or "Issuer" for one in the mesh\'s namespace'));
  }
  const group = problems.check(() => requireDnsSubdomain(f('issuer.group'), options.issuer?.group ?? 'cert-manager.io'), 'cert-manager.io');
  const mode = options.mode ?? TlsMode.STRICT;
  if (!Object.values(TlsMode).includes(mode)) {
    problems.add(new MeshValidationError(f('mode'), mode, 'is not a TLS mode the runtime has', 'use TlsMode.STRICT or TlsMode.AUTO'));
  }
  const duration = problems.check(() => durationSeconds(f('duration'), options.duration ?? Duration.days(90), 3600, 3650 * 86400), 90 * 86400);
  const renewBefore = problems.check(() => durationSeconds(f('renewBefore'), options.renewBefore ?? Duration.days(30), 300, 3650 * 86400), 30 * 86400);
  if (renewBefore >= duration) {
    problems.add(new MeshValidationError(f('renewBefore'), `${renewBefore}s`, `is not shorter than the certificates' duration ${duration}s, so cert-manager would renew them all the time`,
      'set renewBefore to a fraction of duration, e.g. a third'));
  }
  if (problems.since(start)) return undefined;
  return Object.freeze({ mode, issuer: Object.freeze({ name: issuerName, kind, group }), durationSeconds: duration, renewBeforeSeconds: renewBefore });
}

/** What TLS gives one workload. */
export interface WorkloadTls {
  /** The cert-manager Certificate (without metadata). */
  readonly certificateSpec: Record<string, unknown>;
  readonly secretName: string;
  readonly env: readonly EnvVarJson[];
  readonly volumes: readonly Record<string, unknown>[];
  readonly volumeMounts: readonly Record<string, unknown>[];
}

/**
 * A workload's certificate (for the names its Service is called by), its Secret mounted at TLS_DIR, and the
 * runtime's TLS env. The registry also trusts the issuer's CA: the `ca.crt` of its own certificate's Secret,
 * mounted as the filestore trust backend's folder.
 */
export function workloadTls(tls: ResolvedTls, workload: string, namespace: string | undefined, clusterDomain: string, registry: boolean): WorkloadTls {
  const secretName = `${workload}-tls`;
  const dnsNames = namespace === undefined ? [workload]
    : [workload, `${workload}.${namespace}`, `${workload}.${namespace}.svc`, `${workload}.${namespace}.svc.${clusterDomain}`];
  return {
    secretName,
    certificateSpec: {
      dnsNames,
      duration: goDuration(tls.durationSeconds),
      issuerRef: { group: tls.issuer.group, kind: tls.issuer.kind, name: tls.issuer.name },
      // A new key with every renewal; RSA for what every TLS stack of the runtimes takes.
      privateKey: { algorithm: 'RSA', rotationPolicy: 'Always', size: 2048 },
      renewBefore: goDuration(tls.renewBeforeSeconds),
      secretName,
      // The same certificate serves (TLS on the port) and is presented when the workload calls (mTLS).
      usages: ['server auth', 'client auth', 'digital signature', 'key encipherment'],
    },
    env: [
      envValue('MCP_MESH_TLS_MODE', tls.mode),
      envValue('MCP_MESH_TLS_CERT', `${TLS_DIR}/tls.crt`),
      envValue('MCP_MESH_TLS_KEY', `${TLS_DIR}/tls.key`),
      envValue('MCP_MESH_TLS_CA', `${TLS_DIR}/ca.crt`),
      ...(registry ? [envValue('MCP_MESH_TRUST_BACKEND', 'filestore'), envValue('MCP_MESH_TRUST_DIR', TRUST_DIR)] : []),
    ],
    volumes: [
      { name: 'tls', secret: { defaultMode: 0o440, secretName } },
      ...(registry ? [{ name: 'trust', secret: { defaultMode: 0o440, items: [{ key: 'ca.crt', path: 'ca.pem' }], secretName } }] : []),
    ],
    volumeMounts: [
      { mountPath: TLS_DIR, name: 'tls', readOnly: true },
      ...(registry ? [{ mountPath: TRUST_DIR, name: 'trust', readOnly: true }] : []),
    ],
  };
}
