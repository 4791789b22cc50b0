/**
 * Building blocks of the pod specs every workload shares: Pod Security "restricted" contexts, HTTP probes,
 * the preStop pause and the writable /tmp. One place, so that a fix reaches the registry and the agents alike.
 */

export interface RunAs {
  readonly user: number;
  readonly group: number;
}

/** Pod-level context that satisfies Pod Security "restricted". `fsGroup` makes mounted volumes writable. */
export function restrictedPodSecurityContext(runAs: RunAs): Record<string, unknown> {
  return {
    fsGroup: runAs.group,
    fsGroupChangePolicy: 'OnRootMismatch',
    runAsGroup: runAs.group,
    runAsNonRoot: true,
    runAsUser: runAs.user,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level context: no privilege escalation, no capabilities, read-only root. */
export function restrictedContainerSecurityContext(): Record<string, unknown> {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
  };
}

export interface ProbeTiming {
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
  readonly successThreshold?: number;
}

/**
 * How the kubelet probes a port: `http` or `https` GET of the path, or `tcp` (a connection only), for a
 * server whose TLS wants a client certificate the kubelet cannot present.
 */
export type ProbeScheme = 'http' | 'https' | 'tcp';

export function httpProbe(path: string, portName: string, timing: ProbeTiming, scheme: ProbeScheme = 'http'): Record<string, unknown> {
  return {
    failureThreshold: timing.failureThreshold,
    ...(scheme === 'tcp' ? { tcpSocket: { port: portName } } : { httpGet: { path, port: portName, scheme: scheme === 'https' ? 'HTTPS' : 'HTTP' } }),
    periodSeconds: timing.periodSeconds,
    successThreshold: timing.successThreshold ?? 1,
    timeoutSeconds: timing.timeoutSeconds,
  };
}

/**
 * A preStop pause, using the kubelet's built-in sleep action (Kubernetes 1.30+), which needs no shell or
 * `sleep` binary in the image: distroless and scratch images shut down gracefully too.
 */
export function preStopSleep(seconds: number): Record<string, unknown> | undefined {
  // No hook for no pause: Kubernetes before 1.33 refuses a zero sleep (AllowPodLifecycleSleepActionZeroValue).
  return seconds > 0 ? { preStop: { sleep: { seconds } } } : undefined;
}

export const TMP_VOLUME = 'tmp';

/** An emptyDir for /tmp, size-limited, so the root filesystem can stay read-only. */
export function tmpVolume(sizeLimit: string): Record<string, unknown> {
  return { emptyDir: { sizeLimit }, name: TMP_VOLUME };
}

export function tmpMount(): Record<string, unknown> {
  return { mountPath: '/tmp', name: TMP_VOLUME };
}

export interface EnvVarJson {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: Record<string, unknown>;
}

export function envValue(name: string, value: string): EnvVarJson {
  return { name, value };
}

export function envFromField(name: string, fieldPath: string): EnvVarJson {
  return { name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } };
}

export function envFromSecret(name: string, secretName: string, key: string): EnvVarJson {
  return { name, valueFrom: { secretKeyRef: { key, name: secretName } } };
}

/**
 * Spread replicas over zones and nodes. Zones are best effort (small clusters have one); nodes are a hard
 * rule when `requireNodeSpread`, so that losing one node never takes every replica.
 */
export function spreadAcross(selector: Record<string, string>, requireNodeSpread: boolean): Record<string, unknown> {
  return {
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{
          podAffinityTerm: { labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' },
          weight: 100,
        }],
      },
    },
    topologySpreadConstraints: [
      { labelSelector: { matchLabels: selector }, maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' },
      {
        labelSelector: { matchLabels: selector }, maxSkew: 1, topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: requireNodeSpread ? 'DoNotSchedule' : 'ScheduleAnyway',
      },
    ],
  };
}
