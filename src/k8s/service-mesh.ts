import { MeshValidationError } from '../model/errors';
import { ServiceMesh } from '../model/service-mesh';

export interface PodMetadata {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/**
 * Pod labels and annotations that put a workload in the service mesh: the proxy is injected per pod, so
 * a namespace the library does not own needs no label.
 *
 * `proxyLifetimeSeconds` keeps the proxy serving that long after the pod is told to stop: the app's preStop
 * pause plus its drain, during which it still answers calls in flight and calls the registry to unregister.
 * A classic sidecar gets SIGTERM with the app and would otherwise stop first (Istio drains 5 s by default;
 * Linkerd exits at once). Istio: `terminationDrainDuration` in the proxy config; Linkerd: the proxy's own
 * preStop wait (`config.alpha.linkerd.io/proxy-wait-before-exit-seconds`).
 */
export function serviceMeshPodMetadata(field: string, mesh: ServiceMesh | undefined, proxyLifetimeSeconds?: number): PodMetadata {
  switch (mesh ?? ServiceMesh.NONE) {
    case ServiceMesh.NONE:
      return { labels: {}, annotations: {} };
    case ServiceMesh.ISTIO:
      return {
        labels: { 'sidecar.istio.io/inject': 'true' },
        // Start the agent only once its proxy is up: it registers with the registry through it at startup.
        annotations: {
          'proxy.istio.io/config': JSON.stringify({
            holdApplicationUntilProxyStarts: true,
            ...(proxyLifetimeSeconds !== undefined ? { terminationDrainDuration: `${proxyLifetimeSeconds}s` } : {}),
          }),
        },
      };
    case ServiceMesh.LINKERD:
      return {
        labels: {},
        annotations: {
          'linkerd.io/inject': 'enabled',
          ...(proxyLifetimeSeconds !== undefined ? { 'config.alpha.linkerd.io/proxy-wait-before-exit-seconds': String(proxyLifetimeSeconds) } : {}),
        },
      };
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

/** Ports the service mesh's proxy takes in every pod it joins (Istio 15000-15090, Linkerd 4140-4191). */
const PROXY_PORTS: Readonly<Record<string, readonly [number, number]>> = {
  [ServiceMesh.ISTIO]: [15000, 15090],
  [ServiceMesh.LINKERD]: [4140, 4191],
};

/** Refuses a container port the service mesh's proxy takes in the same pod (the app and the proxy would fight for it). */
export function requireFreeOfProxy(field: string, port: number, mesh: ServiceMesh | undefined): number {
  const range = mesh === undefined ? undefined : PROXY_PORTS[mesh];
  if (range !== undefined && port >= range[0] && port <= range[1]) {
    throw new MeshValidationError(field, port, `is in the ports ${range[0]}-${range[1]} the ${mesh} proxy takes in every pod it joins, so the app and the proxy would fight over it`,
      `use a port outside ${range[0]}-${range[1]}, e.g. 8080`);
  }
  return port;
}
