import { MeshValidationError } from '../model/errors';
import { ServiceMesh } from '../model/service-mesh';

export interface PodMetadata {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/**
 * Pod labels and annotations that put a workload in the service mesh: the proxy is injected per pod, so
 * a namespace the library does not own needs no label.
 */
export function serviceMeshPodMetadata(field: string, mesh: ServiceMesh | undefined): PodMetadata {
  switch (mesh ?? ServiceMesh.NONE) {
    case ServiceMesh.NONE:
      return { labels: {}, annotations: {} };
    case ServiceMesh.ISTIO:
      return {
        labels: { 'sidecar.istio.io/inject': 'true' },
        // Start the agent only once its proxy is up: it registers with the registry through it at startup.
        annotations: { 'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts":true}' },
      };
    case ServiceMesh.LINKERD:
      return { labels: {}, annotations: { 'linkerd.io/inject': 'enabled' } };
    default:
      throw new MeshValidationError(field, mesh, 'is not a service mesh', 'use ServiceMesh.NONE, ServiceMesh.ISTIO or ServiceMesh.LINKERD');
  }
}

/** Pod template metadata: the workload's labels and annotations, plus what joins it to the service mesh. */
export function podTemplateMetadata(labels: Record<string, string>, mesh: PodMetadata, annotations: Record<string, string> = {}): Record<string, unknown> {
  const allAnnotations = { ...annotations, ...mesh.annotations };
  return {
    ...(Object.keys(allAnnotations).length > 0 ? { annotations: allAnnotations } : {}),
    labels: { ...labels, ...mesh.labels },
  };
}
