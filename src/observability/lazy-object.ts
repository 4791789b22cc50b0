import { ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { MeshObject } from '../k8s/mesh-object';

export interface LazyMeshObjectProps {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ApiObjectMetadata;
  /** Top-level fields (`spec`, `data`, …), each produced at synth time from plain JSON data. */
  readonly fields: Record<string, () => unknown>;
}

/**
 * A MeshObject whose top-level fields are computed when the app is synthesized, not when the construct is
 * created: the observability objects read the mesh model, and agents added after them must still be
 * covered. The fields are getters, which MeshObject reads at synthesis (and cdk8s's own path too, for JSON
 * patches).
 */
export function lazyMeshObject(scope: Construct, id: string, props: LazyMeshObjectProps): MeshObject {
  const body: Record<string, unknown> = { apiVersion: props.apiVersion, kind: props.kind, metadata: props.metadata };
  for (const [key, produce] of Object.entries(props.fields)) {
    Object.defineProperty(body, key, { enumerable: true, get: produce });
  }
  return new MeshObject(scope, id, body as any);
}
