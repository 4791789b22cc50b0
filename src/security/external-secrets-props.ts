import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';

/*
 * The props of the Secrets the External Secrets Operator delivers: what a user writes. The resolve step
 * (../resolve/resolve-external-secrets.ts) checks them; McpExternalSecrets renders.
 */

/** The kind of External Secrets Operator store the values are read from. */
export enum SecretStoreKind {
  /** A `SecretStore` in the mesh's namespace. */
  SECRET_STORE = 'SecretStore',
  /** A cluster-wide `ClusterSecretStore`. */
  CLUSTER_SECRET_STORE = 'ClusterSecretStore',
}

/** One key of a delivered Secret and where its value lives in the external store. */
export interface ExternalSecretKey {
  /** The key in the Kubernetes Secret, e.g. "anthropic" (what `SecretValue.fromSecretKey(secret, key)` names). */
  readonly key: string;
  /** The value's key (path) in the external store, e.g. "prod/llm/anthropic" or a Vault KV path. */
  readonly remoteKey: string;
  /**
   * A property inside the remote value, for stores that hold JSON documents or maps (Vault KV, AWS Secrets
   * Manager JSON secrets).
   * @default - the whole value
   */
  readonly property?: string;
  /**
   * The version of the remote value.
   * @default - the latest
   */
  readonly version?: string;
}

/** A Secret the operator creates in the mesh's namespace, by the name the mesh's workloads reference it. */
export interface ExternalSecretSource {
  /** The Kubernetes Secret's name, e.g. "llm-keys". */
  readonly secretName: string;
  /** Its keys. */
  readonly data: ExternalSecretKey[];
}

/**
 * Secrets delivered by the External Secrets Operator (external-secrets.io/v1) from an external store (Vault,
 * AWS/GCP/Azure secret managers, ...), so that no secret value is ever in the synthesized YAML or in Git.
 */
export interface ExternalSecretsOptions {
  /** The name of the store to read from. It must exist: the operator's install, not this library, creates it. */
  readonly storeName: string;
  /**
   * Whether `storeName` is a cluster-wide store or one in the mesh's namespace.
   * @default SecretStoreKind.CLUSTER_SECRET_STORE
   */
  readonly storeKind?: SecretStoreKind;
  /**
   * How often the operator reads the store again and updates the Secrets. Pods read their environment when they
   * start, so a rotated value reaches them at their next restart or rollout.
   * @default Duration.hours(1)
   */
  readonly refreshInterval?: Duration;
  /** The Secrets to deliver. */
  readonly secrets: ExternalSecretSource[];
}

export interface McpExternalSecretsProps extends ExternalSecretsOptions {
  readonly namespace: string;
  readonly instance: string;
  /**
   * The construct whose workloads read these Secrets: every Secret key they reference is checked against
   * `secrets` at synth.
   * @default - none: no check at synth (a mesh checks its own workloads when it resolves)
   */
  readonly consumers?: IConstruct;
  /** Field prefix for errors. @default "externalSecrets" */
  readonly field?: string;
}
