import { MeshValidationError } from './errors';

const CIDR4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/([0-9]|[12][0-9]|3[0-2])$/;
const CIDR6 = /^[0-9a-fA-F:]+\/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8])$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

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
    return new NetworkPeer(undefined, [], props.namespaceLabels, props.podLabels);
  }

  /** Pods of one namespace, by name (the `kubernetes.io/metadata.name` label every namespace carries). */
  public static podsInNamespace(namespace: string, podLabels?: { [key: string]: string }): NetworkPeer {
    return NetworkPeer.pods({ namespaceLabels: { 'kubernetes.io/metadata.name': namespace }, podLabels });
  }

  /** An IP range in CIDR notation, minus `except` ranges inside it. */
  public static ipBlock(cidr: string, except: string[] = []): NetworkPeer {
    return new NetworkPeer(cidr, except, undefined, undefined);
  }

  private constructor(
    public readonly cidr: string | undefined,
    public readonly except: readonly string[],
    public readonly namespaceLabels: { readonly [key: string]: string } | undefined,
    public readonly podLabels: { readonly [key: string]: string } | undefined,
  ) {}

  /** Checks the peer and returns it; errors name `field`. */
  public validate(field: string): NetworkPeer {
    if (this.cidr !== undefined) {
      for (const [i, cidr] of [this.cidr, ...this.except].entries()) {
        if (typeof cidr !== 'string' || !(CIDR4.test(cidr) || CIDR6.test(cidr))) {
          throw new MeshValidationError(i === 0 ? `${field}.cidr` : `${field}.except[${i - 1}]`, cidr, 'is not a CIDR range',
            'write it like "10.0.0.0/8" or "fd00::/8"');
        }
      }
      return this;
    }
    for (const [part, labels] of [['namespaceLabels', this.namespaceLabels], ['podLabels', this.podLabels]] as const) {
      for (const [k, v] of Object.entries(labels ?? {})) {
        if (!LABEL_KEY.test(k) || typeof v !== 'string' || !LABEL_VALUE.test(v)) {
          throw new MeshValidationError(`${field}.${part}`, { [k]: v }, 'is not a valid label selector entry',
            'use label keys like "app.kubernetes.io/name" and values of at most 63 letters, digits, "-", "_" or "."');
        }
      }
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
