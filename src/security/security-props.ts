import { MeshModel } from '../model/mesh-model';
import { NetworkPeer } from '../model/network-peer';
import { ServiceMesh } from '../model/service-mesh';

/*
 * The props of the zero-trust policies: what a user writes. The resolve step (../resolve/resolve-security.ts)
 * checks them; McpSecurity renders.
 */

/** A ServiceAccount, by name and namespace. */
export interface ServiceAccountReference {
  readonly name: string;
  readonly namespace: string;
}

/** Security settings a mesh passes through. */
export interface McpSecurityOptions {
  /**
   * Render the zero-trust NetworkPolicies: default deny for every mesh pod, then only the flows the mesh graph
   * needs.
   * @default true
   */
  readonly networkPolicies?: boolean;
  /**
   * The cluster DNS pods, reached on UDP and TCP 53.
   * @default NetworkPeer.podsInNamespace('kube-system', { 'k8s-app': 'kube-dns' }) (CoreDNS and kube-dns both carry it)
   */
  readonly dns?: NetworkPeer;
  /**
   * Prometheus pods, admitted to the agents' HTTP port (where `/metrics` is served).
   * @default - no scraping is admitted
   */
  readonly prometheus?: NetworkPeer;
  /**
   * The ingress controller (or gateway) pods, admitted to agents that set `exposed: true`.
   * @default - none: exposing an agent without it fails synth
   */
  readonly ingressController?: NetworkPeer;
  /**
   * The ingress controller's ServiceAccount, when the controller is in the service mesh: Istio then admits its
   * identity (instead of any workload of its namespace), and Linkerd, whose authorization is by identity,
   * needs it to admit the controller to exposed agents at all.
   * @default - Istio admits the controller's namespace; Linkerd refuses exposed agents
   */
  readonly ingressServiceAccount?: ServiceAccountReference;
  /**
   * Ranges that are inside the cluster (pods, services, nodes) and so never count as "the internet" for
   * agents with `internetEgress`.
   * @default ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"]
   */
  readonly clusterCidrs?: string[];
  /**
   * The service mesh's control plane, which every proxied pod must reach (Istio: istiod on 15012; Linkerd:
   * identity 8080, destination 8086, policy 8090).
   * @default - istiod in istio-system, or every pod of the linkerd namespace
   */
  readonly controlPlane?: NetworkPeer;
  /**
   * Istio's trust domain, for the principals AuthorizationPolicies allow.
   * @default "cluster.local"
   */
  readonly trustDomain?: string;
  /**
   * Let the registry call agents (its `/proxy/*` endpoint, used by meshctl and the UI). The registry does not
   * need it to track agents: they heartbeat to it.
   * @default false
   */
  readonly allowRegistryProxy?: boolean;
}

export interface McpSecurityProps extends McpSecurityOptions {
  /** The mesh, as data. */
  readonly model: MeshModel;
  /** The mesh's `app.kubernetes.io/instance` label. */
  readonly instance: string;
  readonly namespace: string;
  /**
   * The service mesh that provides mTLS; its authorization follows the same graph as the NetworkPolicies.
   * @default ServiceMesh.NONE
   */
  readonly serviceMesh?: ServiceMesh;
}

/** Private, shared and link-local ranges: inside the cluster unless the cluster says otherwise. */
export const DEFAULT_CLUSTER_CIDRS: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'];
