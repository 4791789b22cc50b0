/** The service mesh (sidecar proxies) the agents run in, if any. */
export enum ServiceMesh {
  /** No service mesh: plain Kubernetes networking; the runtime's own timeouts apply. */
  NONE = 'none',
  /** Istio with sidecars. */
  ISTIO = 'istio',
  /** Linkerd. */
  LINKERD = 'linkerd',
}
