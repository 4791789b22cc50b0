import { MeshValidationError } from './errors';
import { LogLevel } from './runtime';

/** RFC 1123 label, as Kubernetes uses for Service and most object names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 1035 label: Service names (they become DNS names, which must start with a letter). */
export const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** Kubernetes resource quantity (a subset that covers everything a user writes by hand). */
const QUANTITY = /^([0-9]+(\.[0-9]+)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
/** Capability names travel through the registry and into tool calls: keep them to identifier-like text. */
/** Capability names also become pod label names (calls.mesh.mcp.io/<capability>): a letter first, a letter or digit last. */
const CAPABILITY = /^[A-Za-z]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A key inside a Secret. */
export function requireSecretKey(field: string, key: unknown): string {
  // The API server's rule for Secret and ConfigMap keys (they become file names in volumes).
  if (typeof key !== 'string' || key.length > 253 || !/^[-._a-zA-Z0-9]+$/.test(key) || key === '.' || key === '..' || key.startsWith('..')) {
    throw new MeshValidationError(field, key, 'is not a valid Secret key',
      'use at most 253 letters, digits, "-", "_" or ".", not "." or ".." and not starting with ".."');
  }
  return key;
}

/** A DNS-1123 subdomain (names of Secrets, ConfigMaps, StorageClasses). */
export function requireDnsSubdomain(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 253
    || !value.split('.').every((part) => DNS_LABEL.test(part))) {
    throw new MeshValidationError(field, value, 'is not a valid DNS-1123 subdomain',
      'use lowercase letters, digits, "-" and ".", e.g. "registry-db"');
  }
  return value;
}

/** The name part of a label or annotation key, and a label value (which may also be empty). */
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A label or annotation key: an optional DNS subdomain prefix and "/", then a name of at most 63 characters. */
export function requireLabelKey(field: string, key: unknown): string {
  const slash = typeof key === 'string' ? key.indexOf('/') : -1;
  const prefix = slash >= 0 ? (key as string).slice(0, slash) : undefined;
  const name = slash >= 0 ? (key as string).slice(slash + 1) : key;
  if (typeof key !== 'string' || typeof name !== 'string' || !LABEL_NAME.test(name)
    || (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)))) {
    throw new MeshValidationError(field, key, 'is not a valid label or annotation key',
      'use an optional DNS prefix and "/", then at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit, e.g. "app.kubernetes.io/name"');
  }
  return key;
}

/** A label value as the API server accepts it: empty, or at most 63 letters, digits, "-", "_", "." with an alphanumeric at each end. */
export function isLabelValue(value: unknown): boolean {
  return typeof value === 'string' && (value === '' || LABEL_NAME.test(value));
}

/** A map of labels (keys and values checked as the API server checks them). */
export function requireLabels(field: string, labels: unknown): Record<string, string> {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw new MeshValidationError(field, labels, 'is not a map of labels', 'pass an object such as { "app.kubernetes.io/name": "prometheus" }');
  }
  for (const [key, value] of Object.entries(labels)) {
    requireLabelKey(field, key);
    requireLabelValue(`${field}.${key}`, value);
  }
  return labels as Record<string, string>;
}

/** A label value (or a value the API server checks as one, such as a toleration's). */
export function requireLabelValue(field: string, value: unknown): string {
  if (!isLabelValue(value)) {
    throw new MeshValidationError(field, value, 'is not a valid label value',
      'use at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit (or the empty string)');
  }
  return value as string;
}

/** A DNS-1123 label of at most `maxLength` characters (names of Services are limited to 63). */
export function requireDnsLabel(field: string, value: unknown, maxLength = 63): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new MeshValidationError(field, value, 'is not a name', 'use lowercase letters, digits and "-", e.g. "weather-agent"');
  }
  if (value.length > maxLength) {
    throw new MeshValidationError(field, value, `is ${value.length} characters long, more than the ${maxLength} allowed here`,
      `shorten it to at most ${maxLength} characters (names of generated objects add suffixes to it)`);
  }
  if (!DNS_LABEL.test(value)) {
    const suggestion = value.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'agent';
    throw new MeshValidationError(field, value, 'is not a valid DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit)',
      `use a name such as "${suggestion.slice(0, maxLength).replace(/-+$/, '')}"`);
  }
  return value;
}

/**
 * The name of an object that is also a Service name (agents, the registry): a DNS-1123 label that starts with
 * a letter (RFC 1035), since the API server refuses Service names that start with a digit.
 */
export function requireServiceName(field: string, value: unknown, maxLength = 63): string {
  const name = requireDnsLabel(field, value, maxLength);
  if (!DNS_1035_LABEL.test(name)) {
    throw new MeshValidationError(field, value, 'starts with a digit, and it names a Service, whose name must start with a letter',
      `put a letter first, e.g. "${`a${name}`.slice(0, maxLength).replace(/-+$/, '')}"`);
  }
  return name;
}

export function requireInteger(field: string, value: unknown, min: number, max: number, fix?: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new MeshValidationError(field, value, `is not a whole number between ${min} and ${max}`,
      fix ?? `set a whole number from ${min} to ${max}`);
  }
  return value;
}

export function requirePort(field: string, value: unknown): number {
  // Mesh pods drop every Linux capability, so they cannot bind ports below 1024.
  return requireInteger(field, value, 1024, 65535,
    'use a port from 1024 to 65535: mesh containers run as non-root without NET_BIND_SERVICE and cannot bind lower ports');
}

/**
 * A quantity in the form the API server keeps it, so that what is applied is what is read back (GitOps tools
 * otherwise report the object out of sync forever, e.g. "0.5" is kept as "500m", "1024Mi" as "1Gi").
 */
export function requireQuantity(field: string, value: unknown): string {
  if (typeof value !== 'string' || !QUANTITY.test(value)) {
    throw new MeshValidationError(field, value, 'is not a Kubernetes quantity', 'write it like "250m", "1", "512Mi" or "2Gi"');
  }
  const canonical = canonicalQuantity(value);
  if (canonical === undefined) {
    throw new MeshValidationError(field, value, 'is larger than a quantity the library writes (below 2^63 thousandths of a unit)', 'use a smaller value, e.g. "512Gi"');
  }
  return canonical;
}

const DECIMAL_SUFFIXES: ReadonlyArray<readonly [string, number]> = [['E', 18], ['P', 15], ['T', 12], ['G', 9], ['M', 6], ['k', 3], ['', 0], ['m', -3]];
const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const MAX_MILLIS = 2n ** 63n;

/**
 * Kubernetes' canonical form of a quantity that QUANTITY accepts (resource.Quantity as the API server
 * serializes it; checked against a real kube-apiserver by the conformance suite): the value rounded up to
 * thousandths; binary suffixes kept when the value is a whole number of at least 1024, with the largest
 * suffix that keeps it whole; otherwise a decimal suffix, the largest that keeps the number whole.
 * undefined when the value is too large for the API server to keep as written.
 */
export function canonicalQuantity(quantity: string): string | undefined {
  if (canonicalQuantities.has(quantity)) return canonicalQuantities.get(quantity);
  const canonical = computeCanonicalQuantity(quantity);
  // A mesh repeats a few quantities over every agent; the cache stays small whatever the input.
  if (canonicalQuantities.size < 1024) canonicalQuantities.set(quantity, canonical);
  return canonical;
}

const canonicalQuantities = new Map<string, string | undefined>();

function computeCanonicalQuantity(quantity: string): string | undefined {
  const match = QUANTITY.exec(quantity);
  if (match === null) throw new Error(`not a quantity: ${quantity}`);
  const [whole, fraction = ''] = match[1].split('.');
  const suffix = match[3] ?? '';
  const binary = suffix === '' ? 0 : BINARY_SUFFIXES.indexOf(suffix); // 0: a decimal quantity
  const exponent = binary > 0 ? 0 : DECIMAL_SUFFIXES.find(([s]) => s === suffix)![1];
  // value = digits / 10^fraction * 1024^binary * 10^exponent, in thousandths, rounded up
  let numerator = BigInt(`${whole || '0'}${fraction}`) * 1000n * (binary > 0 ? 1024n ** BigInt(binary) : 1n);
  let denominator = 10n ** BigInt(fraction.length);
  if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
  else denominator *= 10n ** BigInt(-exponent);
  const millis = (numerator + denominator - 1n) / denominator;
  if (millis >= MAX_MILLIS) return undefined;
  if (millis === 0n) return '0';
  if (binary > 0 && millis % 1000n === 0n && millis >= 1024n * 1000n) {
    let units = millis / 1000n;
    let power = 0;
    while (units % 1024n === 0n && power < BINARY_SUFFIXES.length - 1) {
      units /= 1024n;
      power++;
    }
    return `${units}${BINARY_SUFFIXES[power]}`;
  }
  for (const [name, exp] of DECIMAL_SUFFIXES) {
    const unit = 10n ** BigInt(exp + 3);
    if (millis % unit === 0n) return `${millis / unit}${name}`;
  }
  throw new Error('unreachable: every value is a whole number of thousandths');
}

export function requireCapabilityName(field: string, value: unknown): string {
  if (typeof value !== 'string' || !CAPABILITY.test(value)) {
    throw new MeshValidationError(field, value, 'is not a valid capability name',
      'start with a letter, end with a letter or digit, and use only letters, digits, "_", "." or "-" (at most 63 characters), e.g. "weather_forecast"');
  }
  return value;
}

export function requireSemver(field: string, value: unknown): string {
  if (typeof value !== 'string' || !SEMVER.test(value)) {
    throw new MeshValidationError(field, value, 'is not a semantic version', 'write it as MAJOR.MINOR.PATCH, e.g. "1.0.0"');
  }
  return value;
}

export function requireEnvName(field: string, value: unknown): string {
  if (typeof value !== 'string' || !ENV_NAME.test(value)) {
    throw new MeshValidationError(field, value, 'is not a valid environment variable name',
      'use letters, digits and "_", not starting with a digit, e.g. "ANTHROPIC_API_KEY"');
  }
  return value;
}

/** distribution/reference's grammar (what container runtimes parse), pieces by name. */
const IMAGE_DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const IMAGE_DOMAIN = new RegExp(`^(?:${IMAGE_DOMAIN_COMPONENT}(?:\\.${IMAGE_DOMAIN_COMPONENT})*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]+)?$`);
const IMAGE_PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** The digests a runtime can verify (go-digest's algorithms): the algorithm, and the hash's lowercase hex. */
const IMAGE_DIGEST = /^(?:sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;

/** The parts of an image reference, or the first thing wrong with it. */
export function parseImageReference(value: string): { name: string; tag?: string; digest?: string } | { problem: string } {
  if (value.length > 1024) return { problem: 'is longer than any image reference' };
  const at = value.indexOf('@');
  const digest = at >= 0 ? value.slice(at + 1) : undefined;
  const rest = at >= 0 ? value.slice(0, at) : value;
  if (digest !== undefined && !IMAGE_DIGEST.test(digest)) return { problem: `has a digest "${digest}" that no runtime verifies (sha256: and 64 lowercase hex digits, or sha384/sha512)` };
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  const tag = colon > slash ? rest.slice(colon + 1) : undefined;
  const name = colon > slash ? rest.slice(0, colon) : rest;
  if (tag !== undefined && !IMAGE_TAG.test(tag)) return { problem: `has an invalid tag "${tag}" (letters, digits, "_", "." and "-", at most 128, not starting with "." or "-")` };
  if (name.length === 0 || name.length > 255) return { problem: 'has no repository name, or one longer than 255 characters' };
  const parts = name.split('/');
  // The first part is a registry host when it looks like one (a dot, a port, localhost, or capitals).
  const first = parts[0];
  const hasDomain = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  // A first part that is no valid host may still be a path component ("a_b.io"): the grammar reads it so.
  const isHost = hasDomain && IMAGE_DOMAIN.test(first);
  if (hasDomain && !isHost && !IMAGE_PATH_COMPONENT.test(first)) return { problem: `has an invalid registry host "${first}"` };
  const path = isHost ? parts.slice(1) : parts;
  const bad = path.find((part) => !IMAGE_PATH_COMPONENT.test(part));
  if (bad !== undefined) return { problem: `has an invalid repository path component "${bad}" (lowercase letters and digits, separated by ".", "_", "__" or "-")` };
  return { name, tag, digest };
}

/**
 * Images must be valid references (the grammar container runtimes parse) and pinned, so that a synthesized
 * manifest means the same thing tomorrow: a tag other than `latest`, or a digest.
 */
export function requirePinnedImage(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new MeshValidationError(field, value, 'is not a container image reference', 'write it as "repository:tag", e.g. "mcpmesh/python-runtime:3.8.0"');
  }
  const parsed = parseImageReference(value);
  if ('problem' in parsed) {
    throw new MeshValidationError(field, value, `is not a valid image reference: it ${parsed.problem}`,
      'write it as "[registry/]repository:tag" or "...@sha256:<digest>", repository in lowercase, e.g. "ghcr.io/example/weather:1.0.0"');
  }
  if (parsed.digest === undefined && (parsed.tag === undefined || parsed.tag === 'latest')) {
    throw new MeshValidationError(field, value, 'is not pinned to a version (no tag, or "latest")',
      'pin a version tag such as ":3.8.0" or a digest "@sha256:…", so that the same YAML always runs the same code');
  }
  return value;
}

/** A DNS domain such as a cluster domain or an identity trust domain: lowercase labels separated by dots. */
export function requireDnsDomain(field: string, value: unknown, example: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 253 || !value.split('.').every((part) => part.length <= 63 && DNS_LABEL.test(part))) {
    throw new MeshValidationError(field, value, 'is not a DNS domain (lowercase labels of letters, digits and "-", separated by dots)', `use the cluster's domain, usually "${example}"`);
  }
  return value;
}

/** Seconds from a duration, as a whole number at least `min`. */
export function requireSeconds(field: string, seconds: number, min: number, max = 86400): number {
  if (!Number.isFinite(seconds) || !Number.isInteger(seconds) || seconds < min || seconds > max) {
    throw new MeshValidationError(field, `${seconds}s`, `is not a whole number of seconds from ${min} to ${max}`,
      `use Duration.seconds(n) with n from ${min} to ${max}`);
  }
  return seconds;
}

/** A duration prop as whole seconds, validated. */
export function durationSeconds(field: string, duration: { toSeconds(opts?: { integral?: boolean }): number }, min: number, max = 86400): number {
  return requireSeconds(field, duration.toSeconds({ integral: false }), min, max);
}

/** Whole seconds as a Go duration (`time.ParseDuration`): "24h", "1h30m", "45s", "0". */
export function goDuration(seconds: number): string {
  if (seconds === 0) return '0';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 ? `${s}s` : ''}`;
}

export function requireLogLevel(field: string, value: unknown): LogLevel {
  if (!Object.values(LogLevel).includes(value as LogLevel)) {
    throw new MeshValidationError(field, value, 'is not a log level the runtime knows', `use one of ${Object.values(LogLevel).join(', ')}`);
  }
  return value as LogLevel;
}

/** Names of variables and keys that hold secrets by convention: API keys, tokens, passwords, credentials. */
const SECRET_NAME = /(^|[_.-])(API_?KEY|KEY|TOKEN|PASSWORD|PASSWD|PASSPHRASE|SECRET|CREDENTIALS?|BEARER)([_.-]|$)|[_.-]AUTH$/i;

export function looksLikeSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** An absolute URL path, as an HTTP probe or a route sends it: no spaces, no query or fragment. */
export function isUrlPath(path: unknown): path is string {
  return typeof path === 'string' && path.length <= 1024 && /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/.test(path);
}

/**
 * What a routing path may not hold on top of `isUrlPath`: the API server refuses an Ingress `Prefix` path, and
 * the Gateway API an HTTPRoute `PathPrefix`, with a directory-traversal sequence or suffix. Returns the
 * offending piece, or undefined.
 */
export function routePathTraversal(path: string): string | undefined {
  return ['//', '/./', '/../', '%2f', '%2F'].find((s) => path.includes(s)) ?? ['/..', '/.'].find((s) => path.endsWith(s));
}

/**
 * An absolute path of a file: what a variable such as `MCP_MESH_TLS_KEY` holds, naming where a mounted secret
 * is rather than holding it.
 */
export function isFilePath(value: string): boolean {
  return value.length <= 4096 && /^\/[A-Za-z0-9._/-]+$/.test(value);
}

/** An environment variable that holds a secret: named like one (unless it names a file), or valued like one. */
export function looksLikeSecretVariable(name: string, value: string): boolean {
  return (looksLikeSecretName(name) && !isFilePath(value)) || looksLikeSecretValue(value);
}

/**
 * Values that are credentials whatever they are called: vendor key formats, private keys. Each pattern is
 * linear in the length of the value (no nested or overlapping repetition), so a megabyte of text is checked
 * in milliseconds.
 */
const SECRET_VALUE = [
  /\bsk-(ant-)?[A-Za-z0-9_-]{20,}/, // OpenAI, Anthropic
  /\bAIza[0-9A-Za-z_-]{35}\b/, // Google
  /\bAKIA[0-9A-Z]{16}\b/, // AWS access key id
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/, // GitHub tokens
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\bBearer\s+[A-Za-z0-9._~+/-]{20,}/, // an Authorization header value
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/, // Slack
  /\b[sr]k_live_[A-Za-z0-9]{16,}/, // Stripe
  /\bgithub_pat_[A-Za-z0-9_]{22,}/, // GitHub fine-grained tokens
];

/** The patterns as one alternation: one scan of the value instead of one per pattern (same matches). */
const ANY_SECRET_VALUE = new RegExp(SECRET_VALUE.map((pattern) => `(?:${pattern.source})`).join('|'));

export function looksLikeSecretValue(value: string): boolean {
  return ANY_SECRET_VALUE.test(value) || hasUrlPassword(value);
}

const SCHEME_CHAR = /[A-Za-z0-9+.-]/;
const LETTER = /[A-Za-z]/;
const SPACE = /\s/;

/**
 * Whether the text holds `scheme://user:password@` (a password in a URL), but not `user:$(VAR)@` (a
 * Kubernetes variable reference). Scanned by hand in one pass: the regular expression that says the same
 * backtracks quadratically on long runs of letters (a 100 KB description took 14 s).
 */
export function hasUrlPassword(text: string): boolean {
  // Most values hold no "://" at all: one native search rules them out before the scan by hand.
  if (!text.includes('://')) return false;
  let runHasLetter = false;
  let runLength = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === ':' && text.startsWith('//', i + 1) && runLength > 0 && runHasLetter && urlHasPassword(text, i + 3)) return true;
    if (SCHEME_CHAR.test(c)) {
      runLength++;
      runHasLetter = runHasLetter || LETTER.test(c);
    } else {
      runLength = 0;
      runHasLetter = false;
    }
  }
  return false;
}

/** From just after `://`: `user:password@`, where user has no `/`, `:`, `@` or space and the password no `/`, `@` or space. */
function urlHasPassword(text: string, start: number): boolean {
  let j = start;
  while (j < text.length && text[j] !== '/' && text[j] !== ':' && text[j] !== '@' && !SPACE.test(text[j])) j++;
  if (j === start || text[j] !== ':' || text.startsWith('$(', j + 1)) return false;
  let k = j + 1;
  while (k < text.length && text[k] !== '/' && text[k] !== '@' && !SPACE.test(text[k])) k++;
  return k > j + 1 && text[k] === '@';
}
