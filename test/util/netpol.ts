/**
 * A NetworkPolicy evaluator written from the Kubernetes API's rules alone (networking.k8s.io/v1), used to
 * check the synthesized policies independently of the library's own model:
 * - a pod is isolated for ingress (egress) when some policy in its namespace selects it with that policy type;
 * - traffic is allowed when the source's egress AND the destination's ingress allow it; a non-isolated side
 *   allows everything;
 * - a rule with no ports matches every port; a rule with no peers (`to`/`from` absent or empty) matches every
 *   peer; a peer with only podSelector means pods of the policy's namespace; namespaceSelector picks
 *   namespaces (with podSelector: pods there); ipBlock matches addresses (here: external ones only, since
 *   pod IPs are implementation-defined for ipBlock).
 */

export interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

export interface Pod {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** Named container ports, for policies that name ports. */
  readonly ports?: Record<string, number>;
}

export interface External {
  readonly ip: string;
}

export type Endpoint = Pod | External;

export interface Policy {
  metadata: { name: string; namespace: string };
  spec: {
    podSelector: Selector;
    policyTypes?: string[];
    ingress?: Array<{ from?: Peer[]; ports?: PortRule[] }>;
    egress?: Array<{ to?: Peer[]; ports?: PortRule[] }>;
  };
}

interface Peer { podSelector?: Selector; namespaceSelector?: Selector; ipBlock?: { cidr: string; except?: string[] } }
interface PortRule { port?: number | string; endPort?: number; protocol?: string }

export function selects(selector: Selector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    if (e.operator === 'In' && !(has && (e.values ?? []).includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && (e.values ?? []).includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function isPod(e: Endpoint): e is Pod {
  return (e as Pod).namespace !== undefined;
}

function ipToBigInt(ip: string): { value: bigint; bits: number } {
  if (ip.includes(':')) {
    const [head, tail = ''] = ip.split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
    return { value: groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g || '0', 16)), 0n), bits: 128 };
  }
  return { value: ip.split('.').reduce((acc, o) => (acc << 8n) + BigInt(Number(o)), 0n), bits: 32 };
}

export function inCidr(ip: string, cidr: string): boolean {
  const [base, len] = cidr.split('/');
  const a = ipToBigInt(ip);
  const b = ipToBigInt(base);
  if (a.bits !== b.bits) return false;
  const shift = BigInt(a.bits - Number(len));
  return (a.value >> shift) === (b.value >> shift);
}

export class Cluster {
  constructor(
    private readonly policies: Policy[],
    private readonly namespaceLabels: (namespace: string) => Record<string, string>,
  ) {}

  private policiesFor(pod: Pod, type: 'Ingress' | 'Egress'): Policy[] {
    return this.policies.filter((p) => p.metadata.namespace === pod.namespace && selects(p.spec.podSelector, pod.labels)
      && (p.spec.policyTypes ?? (type === 'Ingress' ? ['Ingress'] : (p.spec.egress ? ['Egress'] : []))).includes(type));
  }

  private peerMatches(peer: Peer, policyNamespace: string, other: Endpoint): boolean {
    if (peer.ipBlock) {
      if (isPod(other)) return false;
      return inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip, c));
    }
    if (!isPod(other)) return false;
    if (peer.namespaceSelector) {
      if (!selects(peer.namespaceSelector, this.namespaceLabels(other.namespace))) return false;
    } else if (other.namespace !== policyNamespace) {
      return false;
    }
    return peer.podSelector ? selects(peer.podSelector, other.labels) : true;
  }

  private portMatches(rules: PortRule[] | undefined, port: number, protocol: string, target: Endpoint): boolean {
    if (!rules || rules.length === 0) return true;
    return rules.some((r) => {
      if ((r.protocol ?? 'TCP') !== protocol) return false;
      if (r.port === undefined) return true;
      const number = typeof r.port === 'number' ? r.port : (isPod(target) ? target.ports?.[r.port] : undefined);
      if (number === undefined) return false;
      return r.endPort !== undefined ? port >= number && port <= r.endPort : port === number;
    });
  }

  /** Whether `src` may open a connection to `dst` on `port`/`protocol`. */
  public allowed(src: Endpoint, dst: Endpoint, port: number, protocol = 'TCP'): boolean {
    if (isPod(src)) {
      const egress = this.policiesFor(src, 'Egress');
      if (egress.length > 0 && !egress.some((p) => (p.spec.egress ?? []).some((rule) =>
        this.portMatches(rule.ports, port, protocol, dst)
        && (!rule.to || rule.to.length === 0 || rule.to.some((peer) => this.peerMatches(peer, p.metadata.namespace, dst)))))) {
        return false;
      }
    }
    if (isPod(dst)) {
      const ingress = this.policiesFor(dst, 'Ingress');
      if (ingress.length > 0 && !ingress.some((p) => (p.spec.ingress ?? []).some((rule) =>
        this.portMatches(rule.ports, port, protocol, dst)
        && (!rule.from || rule.from.length === 0 || rule.from.some((peer) => this.peerMatches(peer, p.metadata.namespace, src)))))) {
        return false;
      }
    }
    return true;
  }
}
