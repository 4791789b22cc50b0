import { Duration } from 'cdk8s';

/*
 * The props of the runtime's own TLS (no service mesh): what a user writes. The resolve step
 * (../resolve/resolve-tls.ts) checks them; the registry and agents render certificates, mounts and env from it.
 */

/** How strict the runtime's TLS is. */
export enum TlsMode {
  /** TLS, and a client certificate from the mesh's CA on every request (the registry's /health too). */
  STRICT = 'strict',
  /** TLS; a client certificate is checked when one is presented (the registry serves requests without one). */
  AUTO = 'auto',
}

/** A cert-manager issuer. */
export interface CertificateIssuer {
  readonly name: string;
  /** "Issuer" (in the mesh's namespace) or "ClusterIssuer". @default "ClusterIssuer" */
  readonly kind?: string;
  /** @default "cert-manager.io" */
  readonly group?: string;
}

/**
 * The runtime's own mutual TLS, for a mesh without Istio or Linkerd: every workload gets a certificate from a
 * cert-manager issuer (a `Certificate` per workload, its Secret mounted), serves TLS, presents its certificate
 * when it calls, and the registry trusts the issuer's CA (its `filestore` trust backend).
 */
export interface MeshTlsOptions {
  /** The issuer that signs every workload's certificate: one CA for the whole mesh (a CA or Vault issuer, not ACME). */
  readonly issuer: CertificateIssuer;
  /** @default TlsMode.STRICT */
  readonly mode?: TlsMode;
  /** Lifetime of each certificate. @default Duration.days(90) */
  readonly duration?: Duration;
  /** How long before expiry cert-manager renews it. @default Duration.days(30) */
  readonly renewBefore?: Duration;
}
