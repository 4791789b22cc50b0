import { MeshValidationError } from './errors';

/** An IP range, parsed. */
export interface Cidr {
  readonly family: 4 | 6;
  /** The network address as a number (host bits zero). */
  readonly network: bigint;
  readonly prefix: number;
  /** The form the API server keeps without a warning: dotted decimal, or RFC 5952 for IPv6 ("fd00::/8"). */
  readonly text: string;
}

const EXAMPLE = 'write it like "10.0.0.0/8" or "fd00::/8"';

/**
 * Parses a CIDR range the way kube-apiserver 1.35 accepts it without a warning (checked against it by the
 * conformance suite), and returns its canonical text. Refused: anything the API server rejects, leading
 * zeros ("010.0.0.0/8", which some parsers read as octal), host bits set ("10.0.0.1/8": the network or the
 * one address?) and IPv4-mapped IPv6 ranges. Upper case and uncompressed IPv6 are accepted and written
 * in canonical form.
 */
export function parseCidr(field: string, value: unknown): Cidr {
  if (typeof value !== 'string') throw new MeshValidationError(field, value, 'is not a CIDR range', EXAMPLE);
  const slash = value.indexOf('/');
  const address = slash < 0 ? value : value.slice(0, slash);
  const prefixText = slash < 0 ? '' : value.slice(slash + 1);
  const family = address.includes(':') ? 6 : 4;
  const bits = family === 4 ? 32 : 128;
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > bits) {
    throw new MeshValidationError(field, value, `has no prefix length from 0 to ${bits} after "/"`, EXAMPLE);
  }
  const prefix = Number(prefixText);
  const parsed = family === 4 ? parseIpv4(address) : parseIpv6(address);
  if (typeof parsed === 'string') throw new MeshValidationError(field, value, parsed, EXAMPLE);
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  const network = parsed & ~hostMask;
  if (network !== parsed) {
    throw new MeshValidationError(field, value, 'has host bits set, so it is ambiguous', `write the network "${format(family, network)}/${prefix}", or "${format(family, parsed)}/${bits}" for the one address`);
  }
  return { family, network, prefix, text: `${format(family, network)}/${prefix}` };
}

/** The canonical text of a valid CIDR range, or undefined when `parseCidr` would refuse it. */
export function canonicalCidr(value: string): string | undefined {
  try {
    return parseCidr('', value).text;
  } catch {
    return undefined;
  }
}

/** `inner` lies inside `outer` and is smaller (what NetworkPolicy `ipBlock.except` entries must be). */
export function isStrictSubset(inner: Cidr, outer: Cidr): boolean {
  if (inner.family !== outer.family || inner.prefix <= outer.prefix) return false;
  const bits = inner.family === 4 ? 32 : 128;
  const outerMask = ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - outer.prefix)) - 1n);
  return (inner.network & outerMask) === outer.network;
}

function parseIpv4(address: string): bigint | string {
  const parts = address.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)) {
    return /(^|\.)0[0-9]/.test(address) ? 'has a leading zero in an IPv4 address (octal to some parsers)' : 'is not a CIDR range';
  }
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
}

function parseIpv6(address: string): bigint | string {
  if (address.includes('.')) return 'is an IPv4-mapped or -embedded IPv6 range: write the IPv4 range instead';
  const halves = address.split('::');
  if (halves.length > 2) return 'is not a CIDR range';
  const groups = (text: string) => (text === '' ? [] : text.split(':'));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return 'is not a CIDR range';
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return 'is not a CIDR range';
  return all.reduce((acc, g) => (acc << 16n) | BigInt(`0x${g}`), 0n);
}

function format(family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => ((value >> s) & 0xffffn).toString(16));
  // RFC 5952: the longest run of two or more zero groups (the first of equal runs) becomes "::".
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.length).join(':')}`;
}
