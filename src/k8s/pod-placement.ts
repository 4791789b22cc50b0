/**
 * Where an agent's pods run and what they carry for the platform around them: node labels, tolerated taints,
 * pod annotations (log shippers, cost tools) and ServiceAccount annotations (cloud workload identity). Checked
 * as the API server checks them, so a bad value fails at synth, not at apply.
 */
import { MeshValidationError } from '../model/errors';
import { requireLabelKey, requireLabelValue, requireLabels } from '../model/validation';

/** A taint the pods tolerate (`spec.tolerations[]`). */
export interface Toleration {
  /**
   * The taint's key.
   * @default - every key (only with operator "Exists")
   */
  readonly key?: string;
  /**
   * "Equal" (the taint's value is `value`) or "Exists" (any value).
   * @default "Equal"
   */
  readonly operator?: string;
  /**
   * The taint's value, with operator "Equal".
   * @default ""
   */
  readonly value?: string;
  /**
   * The taint effect tolerated: "NoSchedule", "PreferNoSchedule" or "NoExecute".
   * @default - every effect
   */
  readonly effect?: string;
  /**
   * Seconds the pod stays on a node after a NoExecute taint appears.
   * @default - for ever
   */
  readonly tolerationSeconds?: number;
}

/** Placement and platform metadata of a workload's pods. */
export interface PodPlacementProps {
  /**
   * Node labels the pods must run on (`spec.nodeSelector`), e.g. `{ "kubernetes.io/arch": "arm64" }`.
   * @default - any node
   */
  readonly nodeSelector?: { [key: string]: string };
  /** Taints the pods tolerate. @default - none */
  readonly tolerations?: Toleration[];
  /**
   * Annotations on the pods, e.g. for a log shipper. Keys the library sets itself (the config checksum, the
   * service mesh's) are refused.
   * @default - none
   */
  readonly podAnnotations?: { [key: string]: string };
  /**
   * Annotations on the ServiceAccount, e.g. `eks.amazonaws.com/role-arn` or `iam.gke.io/gcp-service-account`
   * for cloud credentials without keys in Secrets.
   * @default - none
   */
  readonly serviceAccountAnnotations?: { [key: string]: string };
}

/** Placement as it renders: only what was set. */
export interface PodPlacement {
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly Readonly<Record<string, string | number>>[];
  readonly podAnnotations?: Readonly<Record<string, string>>;
  readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
}

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
/** The API server's limit on the total size of an object's annotations. */
const MAX_ANNOTATION_BYTES = 256 * 1024;

function annotations(field: string, value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MeshValidationError(field, value, 'is not a map of annotations', 'pass an object such as { "example.com/team": "travel" }');
  }
  let bytes = 0;
  for (const [key, v] of Object.entries(value)) {
    requireLabelKey(field, key);
    if (typeof v !== 'string') throw new MeshValidationError(`${field}.${key}`, v, 'is not a string', 'quote the value, e.g. "true" or "8"');
    bytes += Buffer.byteLength(key) + Buffer.byteLength(v);
    if (bytes > MAX_ANNOTATION_BYTES) {
      throw new MeshValidationError(`${field}.${key}`, `<${Buffer.byteLength(v)} bytes>`, `brings the annotations to ${bytes} bytes, more than the ${MAX_ANNOTATION_BYTES / 1024} KiB the API server takes on one object`,
        'keep large content out of annotations');
    }
  }
  return { ...value } as Record<string, string>;
}

function toleration(field: string, t: Toleration): Record<string, string | number> {
  const operator = t.operator ?? 'Equal';
  if (operator !== 'Equal' && operator !== 'Exists') {
    throw new MeshValidationError(`${field}.operator`, t.operator, 'is not a toleration operator', 'use "Equal" or "Exists"');
  }
  if (t.key !== undefined) requireLabelKey(`${field}.key`, t.key);
  else if (operator !== 'Exists') {
    throw new MeshValidationError(`${field}.key`, undefined, 'is not set, which only operator "Exists" allows (it tolerates every taint)', 'set key, or operator: "Exists"');
  }
  if (operator === 'Exists' && t.value !== undefined && t.value !== '') {
    throw new MeshValidationError(`${field}.value`, t.value, 'is set with operator "Exists", which matches any value', 'remove value, or use operator "Equal"');
  }
  if (t.value !== undefined && t.value !== '') requireLabelValue(`${field}.value`, t.value);
  if (t.effect !== undefined && !EFFECTS.includes(t.effect)) {
    throw new MeshValidationError(`${field}.effect`, t.effect, 'is not a taint effect', `use one of ${EFFECTS.join(', ')} (or leave it unset for every effect)`);
  }
  if (t.tolerationSeconds !== undefined) {
    if (t.effect !== 'NoExecute') {
      throw new MeshValidationError(`${field}.tolerationSeconds`, t.tolerationSeconds, 'is set without effect "NoExecute", the only effect that evicts', 'set effect: "NoExecute", or remove tolerationSeconds');
    }
    if (!Number.isInteger(t.tolerationSeconds) || t.tolerationSeconds < 0) {
      throw new MeshValidationError(`${field}.tolerationSeconds`, t.tolerationSeconds, 'is not a whole number of seconds', 'use 0 or more, e.g. 300');
    }
  }
  return {
    ...(t.effect !== undefined ? { effect: t.effect } : {}),
    ...(t.key !== undefined ? { key: t.key } : {}),
    operator,
    ...(t.tolerationSeconds !== undefined ? { tolerationSeconds: t.tolerationSeconds } : {}),
    ...(t.value !== undefined && t.value !== '' ? { value: t.value } : {}),
  };
}

/**
 * Checks placement props; `reserved` are the pod annotations the library sets itself. Throws the first problem of
 * each field through `run`, so that every field's problem is reported.
 */
export function resolvePodPlacement(prefix: string, props: PodPlacementProps, reserved: readonly string[], run: (check: () => void) => void): PodPlacement {
  const out: { -readonly [K in keyof PodPlacement]: PodPlacement[K] } = {};
  if (props.nodeSelector !== undefined) run(() => { out.nodeSelector = { ...requireLabels(`${prefix}nodeSelector`, props.nodeSelector) }; });
  if (props.tolerations !== undefined) {
    const list: Record<string, string | number>[] = [];
    props.tolerations.forEach((t, i) => run(() => { list.push(toleration(`${prefix}tolerations[${i}]`, t)); }));
    out.tolerations = list;
  }
  if (props.podAnnotations !== undefined) {
    run(() => {
      const a = annotations(`${prefix}podAnnotations`, props.podAnnotations);
      const taken = Object.keys(a).find((k) => reserved.includes(k) || k.startsWith('mesh.mcp.io/'));
      if (taken !== undefined) {
        throw new MeshValidationError(`${prefix}podAnnotations.${taken}`, a[taken], 'is an annotation the library sets itself', 'remove it (the mesh.mcp.io/ prefix is the library\'s; service-mesh settings have props of their own)');
      }
      out.podAnnotations = a;
    });
  }
  if (props.serviceAccountAnnotations !== undefined) run(() => { out.serviceAccountAnnotations = annotations(`${prefix}serviceAccountAnnotations`, props.serviceAccountAnnotations); });
  // Empty lists and maps are left out: the API server drops them, so writing them would never settle in GitOps.
  for (const key of Object.keys(out) as (keyof PodPlacement)[]) {
    const value = out[key];
    if (value !== undefined && Object.keys(value).length === 0) delete out[key];
  }
  return out;
}
