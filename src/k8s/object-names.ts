/**
 * The API server's rules for object names and label values, applied to every object a mesh renders, so that
 * a name derived from a user's name (`<mesh>-overview-dashboard`, `<registry>-postgres-headless`) fails synth
 * with the user's field named, instead of failing at apply time or, for a StatefulSet, when its controller
 * labels its pods.
 */
import { MeshValidationError } from '../model/errors';
import { DNS_1035_LABEL, DNS_LABEL, DNS_SUBDOMAIN, isLabelValue } from '../model/validation';

/** An object as the check reads it. */
export interface NamedObject {
  readonly kind: string;
  readonly name: string;
  /** As held: in any key order; a null or undefined value is no label. */
  readonly labels: { readonly [key: string]: string | null | undefined };
}

/** A name the user gave, from which object names are derived. */
export interface NameSource {
  /** The prop, e.g. `agents.weather.name`. */
  readonly field: string;
  readonly value: string;
}


/**
 * A StatefulSet's pods carry `controller-revision-hash: <name>-<hash>`, a label value of at most 63
 * characters with a hash of up to 10: the controller fails to create pods of a longer name.
 */
export const MAX_STATEFULSET_NAME = 52;

interface NameRule {
  readonly max: number;
  readonly pattern: RegExp;
  readonly what: string;
}

const SUBDOMAIN: NameRule = { max: 253, pattern: DNS_SUBDOMAIN, what: 'a DNS-1123 subdomain' };
const RULES: Readonly<Record<string, NameRule>> = {
  Service: { max: 63, pattern: DNS_1035_LABEL, what: 'an RFC 1035 label (a letter first)' },
  Namespace: { max: 63, pattern: DNS_LABEL, what: 'a DNS-1123 label' },
  StatefulSet: { max: MAX_STATEFULSET_NAME, pattern: DNS_LABEL, what: `a DNS-1123 label of at most ${MAX_STATEFULSET_NAME} characters (its pods' controller-revision-hash label adds 11)` },
};

/** The name rule of a kind. */
export function nameRule(kind: string): NameRule {
  return RULES[kind] ?? SUBDOMAIN;
}

/**
 * Every name and label value of `objects` the API server (or a controller) would refuse, one error per user
 * name they derive from, with the longest that name may be.
 */
export function objectNameProblems(objects: Iterable<NamedObject>, sources: readonly NameSource[]): MeshValidationError[] {
  // The longest user name an object name starts with is the one it derives from.
  const ordered = [...sources].sort((a, b) => b.value.length - a.value.length);
  const sourceOf = (name: string) => ordered.find((s) => name === s.value || name.startsWith(`${s.value}-`));
  const found = new Map<string, { source?: NameSource; first: string; count: number; maxLength?: number; name: string }>();
  const report = (name: string, what: string, limit: number) => {
    const source = sourceOf(name);
    const key = source?.field ?? name;
    const tooLong = name.length > limit;
    const allowed = source !== undefined && tooLong ? limit - (name.length - source.value.length) : undefined;
    const entry = found.get(key);
    if (entry === undefined) {
      found.set(key, { source, first: what, count: 1, maxLength: allowed, name });
    } else {
      entry.count++;
      if (allowed !== undefined) entry.maxLength = Math.min(entry.maxLength ?? allowed, allowed);
    }
  };
  for (const o of objects) {
    const rule = nameRule(o.kind);
    if (o.name.length > rule.max || !rule.pattern.test(o.name)) {
      report(o.name, `the ${o.kind} name "${o.name}" (${o.name.length} characters), which must be ${rule.what} of at most ${rule.max} characters`, rule.max);
    }
    let bad: string[] | undefined;
    for (const key in o.labels) {
      const value = o.labels[key];
      if (value !== undefined && value !== null && !validLabelValue(value)) (bad ??= []).push(key);
    }
    // In the order the labels render (keys sorted), so that the first one reported is the same however they were given.
    for (const key of inRenderedOrder(bad ?? [])) {
      const value = o.labels[key]!;
      report(value, `the label ${key}="${value}" of ${o.kind} "${o.name}" (${value.length} characters; label values are at most 63)`, 63);
    }
  }
  return [...found.values()].map(({ source, first, count, maxLength, name }) => {
    const more = count > 1 ? ` and ${count - 1} more name(s) or label(s) like it` : '';
    const fix = source === undefined ? 'shorten the names it is made of'
      : maxLength !== undefined ? `shorten ${source.field} to at most ${Math.max(1, maxLength)} characters`
        : `change ${source.field} so that "${name}" is valid (lowercase letters, digits and "-", a letter first)`;
    return new MeshValidationError(source?.field ?? 'name', source?.value ?? name, `makes ${first}${more}`, fix);
  });
}

/**
 * Keys in the order an object rendered by cdk8s enumerates them: sorted, then as JavaScript enumerates an
 * object's keys (integer-like keys first, in numeric order). For messages that list entries as written.
 */
export function inRenderedOrder(keys: readonly string[]): string[] {
  const ordered: Record<string, true> = {};
  for (const key of [...keys].sort()) ordered[key] = true;
  return Object.keys(ordered);
}

// A mesh repeats a few label values on thousands of objects: each is checked once.
const VALID_LABEL_VALUES = new Set<string>();

function validLabelValue(value: string): boolean {
  if (VALID_LABEL_VALUES.has(value)) return true;
  if (!isLabelValue(value)) return false;
  if (VALID_LABEL_VALUES.size < 10_000) VALID_LABEL_VALUES.add(value);
  return true;
}

/** An object's identity in a cluster: API version, kind, namespace and name (two with the same key are one object). */
export function objectKey(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  return `${apiVersion}/${kind}/${namespace ?? ''}/${name}`;
}
