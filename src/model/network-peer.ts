import { canonicalCidr, isStrictSubset, parseCidr } from './cidr';
import { MeshValidationError } from './errors';
import { requireInteger, requireLabels } from './validation';
import { brand } from '../schema/brand';


/** Pods, by namespace labels and pod labels; an omitted selector means "any". */
export interface PodPeerProps {
  /**
   * Labels of the namespaces the pods run in, e.g. `{ 'kubernetes.io/metadata.name': 'monitoring' }`.
   * @default - the mesh's own namespace
   */
  readonly namespaceLabels?: { [key: string]: string };
  /**
   * Labels of the pods.
   * @default - every pod of the selected namespaces
   */
  readonly podLabels?: { [key: string]: string };
}

/**
 * Something outside the mesh that mesh pods talk to or hear from: pods picked by labels, or an IP range.
 * Used for DNS, Prometheus, ingress controllers, databases and other backends.
 */
export class NetworkPeer {
  /** Pods picked by namespace and pod labels. */
  public static pods(props: PodPeerProps): NetworkPeer {
    return brand(new NetworkPeer(undefined, [], props?.namespaceLabels, props?.podLabels), { className: 'NetworkPeer', factory: 'pods', definition: 'PodPeerProps', props });
  }

  /** Pods of one namespace, by name (the `kubernetes.io/metadata.name` label every namespace carries). */
  public static podsInNamespace(namespace: string, podLabels?: { [key: string]: string }): NetworkPeer {
    return brand(NetworkPeer.pods({ namespaceLabels: { 'kubernetes.io/metadata.name': namespace }, podLabels }), { className: 'NetworkPeer', factory: 'podsInNamespace' });
  }

  /**
   * An IP range in CIDR notation, minus `except` ranges inside it. Written in the form the API server keeps
   * without a warning ("FD00:0::/8" as "fd00::/8").
   */
  public static ipBlock(cidr: string, except: string[] = []): NetworkPeer {
    const canonical = (c: string) => (typeof c === 'string' ? canonicalCidr(c) ?? c : c);
    return brand(new NetworkPeer(canonical(cidr), Array.isArray(except) ? except.map(canonical) : except, undefined, undefined), { className: 'NetworkPeer', factory: 'ipBlock' });
  }

  private constructor(
    public readonly cidr: string | undefined,
    public readonly except: string[],
    public readonly namespaceLabels: { readonly [key: string]: string } | undefined,
    public readonly podLabels: { readonly [key: string]: string } | undefined,
  ) {}

  /**
   * Checks the peer and returns it; errors name `field`.
   * @internal
   */
  public _validate(field: string): NetworkPeer {
    if (this.cidr !== undefined) {
      const range = parseCidr(`${field}.cidr`, this.cidr);
      if (!Array.isArray(this.except)) throw new MeshValidationError(`${field}.except`, this.except, 'is not a list', 'pass a list of CIDR ranges');
      this.except.forEach((e, i) => {
        const hole = parseCidr(`${field}.except[${i}]`, e);
        // The API server rejects an except entry that is not strictly inside the range.
        if (!isStrictSubset(hole, range)) {
          throw new MeshValidationError(`${field}.except[${i}]`, e, `is not strictly inside ${range.text}`, `leave out ranges outside ${range.text} (and ${range.text} itself)`);
        }
      });
      return this;
    }
    for (const [part, labels] of [['namespaceLabels', this.namespaceLabels], ['podLabels', this.podLabels]] as const) {
      if (labels !== undefined) requireLabels(`${field}.${part}`, labels);
    }
    return this;
  }
}

/** A backend outside the mesh's pods that a mesh workload connects to. */
export interface BackendEndpoint {
  /** Where it is. */
  readonly peer: NetworkPeer;
  /** TCP port. */
  readonly port: number;
}

/** Checks an endpoint (its peer, and a TCP port from 1 to 65535) and returns it; errors name `field`. */
export function validateEndpoint(field: string, endpoint: BackendEndpoint): BackendEndpoint {
  if (typeof endpoint !== 'object' || endpoint === null || !(endpoint.peer instanceof NetworkPeer)) {
    throw new MeshValidationError(`${field}.peer`, endpoint?.peer, 'is not a NetworkPeer', 'pass NetworkPeer.pods(...), NetworkPeer.podsInNamespace(...) or NetworkPeer.ipBlock(...)');
  }
  endpoint.peer._validate(`${field}.peer`);
  requireInteger(`${field}.port`, endpoint.port, 1, 65535, 'use the TCP port the backend listens on, from 1 to 65535');
  return endpoint;
}
