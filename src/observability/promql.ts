/**
 * Small, dependency-free helpers to write PromQL and Prometheus durations safely from TypeScript: label
 * values are escaped, regexes are quoted, and every name list is deterministic. Rule files are checked by the
 * real `promtool` in the tests; these helpers only make the text right by construction.
 */

/** A PromQL string literal (double-quoted, with `\` and `"` escaped). */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Escapes RE2 metacharacters so that `value` matches itself literally inside a regex. */
export function regexEscape(value: string): string {
  return value.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/**
 * An anchored alternation of literal names for `=~` (Prometheus anchors label regexes on both ends).
 * Names are de-duplicated and sorted so that output does not depend on insertion order of equals.
 */
export function alternation(names: readonly string[]): string {
  const unique = [...new Set(names)].sort();
  if (unique.length === 0) throw new Error('alternation of no names would match the empty label value');
  return unique.length === 1 ? regexEscape(unique[0]) : `(?:${unique.map(regexEscape).join('|')})`;
}

export type Matcher = readonly [label: string, op: '=' | '!=' | '=~' | '!~', value: string];

/** `{a="x", b=~"y"}` from matchers, in the given order. */
export function selector(metric: string, matchers: readonly Matcher[]): string {
  return `${metric}{${matchers.map(([label, op, value]) => `${label}${op}${quote(value)}`).join(', ')}}`;
}

/**
 * A Prometheus duration (`90s`, `5m`, `2h`, `4d`) from whole seconds, in the largest unit that divides it, so
 * that rule files read the way people write them.
 */
export function promDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`not a whole number of seconds: ${seconds}`);
  if (seconds === 0) return '0s';
  for (const [unit, size] of [['w', 604800], ['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

/** The same duration for people: "2 minutes", "1 hour", "4 days", "90 seconds". */
export function humanDuration(seconds: number): string {
  for (const [unit, size] of [['week', 604800], ['day', 86400], ['hour', 3600], ['minute', 60]] as const) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${n} ${unit}${n === 1 ? '' : 's'}`;
    }
  }
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}

/** A number as PromQL text, without exponent noise for the values thresholds use. */
export function promNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return String(Number(value.toPrecision(12)));
}

/**
 * Alphabet of the random parts of generated Kubernetes names (`k8s.io/apimachinery/pkg/util/rand`): the
 * pod-template-hash of a ReplicaSet and the 5-character suffix of a generated pod name. No vowels, so it never
 * spells a word, and no `-`, which is what makes the pod-name patterns below exact.
 */
const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';

/** Pod names are generated from `<generateName>` cut to 58 characters, plus 5 random characters. */
const MAX_GENERATE_NAME = 58;

/**
 * The regex (one capture group: the Deployment name) of the pods of the named Deployments:
 * `<deployment>-<pod-template-hash>-<5 random>`. The hash is a uint32 in decimal, encoded in the safe
 * alphabet (1 to 10 characters). When `<deployment>-<hash>-` is longer than 58 characters the API server cuts it
 * before adding the suffix, so for long names the second `-` (and part of the hash) may be missing.
 */
export function deploymentPodRegex(deployments: readonly string[]): string {
  const names = [...new Set(deployments)].sort();
  const short = names.filter((n) => n.length + 1 + 10 + 1 <= MAX_GENERATE_NAME);
  const long = names.filter((n) => !short.includes(n));
  const parts: string[] = [];
  if (short.length > 0) parts.push(`(${short.map(regexEscape).join('|')})-${SAFE}{1,10}-${SAFE}{5}`);
  if (long.length > 0) parts.push(`(${long.map(regexEscape).join('|')})-${SAFE}{1,10}-?${SAFE}{5}`);
  return parts.join('|');
}

/** The regex (one capture group: the StatefulSet name) of a StatefulSet's pods: `<name>-<ordinal>`. */
export function statefulSetPodRegex(statefulSet: string): string {
  return `(${regexEscape(statefulSet)})-(?:0|[1-9][0-9]*)`;
}

/**
 * Joins pod regexes that each capture their workload name into one alternation, and returns the
 * `label_replace` replacement that yields the workload name whichever branch matched (`$1$2…`: groups of the
 * branches that did not match are empty).
 */
export function workloadPodRegex(parts: readonly string[]): { regex: string; replacement: string } {
  const nonEmpty = parts.filter((p) => p.length > 0);
  const groups = nonEmpty.reduce((n, p) => n + countGroups(p), 0);
  return {
    regex: nonEmpty.join('|'),
    replacement: Array.from({ length: groups }, (_, i) => `$${i + 1}`).join(''),
  };
}

/** Capturing groups in a regex (ours never escape `(` other than through regexEscape). */
function countGroups(regex: string): number {
  let count = 0;
  for (let i = 0; i < regex.length; i++) {
    if (regex[i] === '\\') { i++; continue; }
    if (regex[i] === '(' && regex[i + 1] !== '?') count++;
  }
  return count;
}
