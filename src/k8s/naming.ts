import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { requireDnsLabel } from '../model/validation';

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/** The namespace objects go to: the prop, else the chart's. Undefined means "whatever kubectl targets". */
export function resolveNamespace(scope: IConstruct, field: string, namespace: string | undefined): string | undefined {
  const resolved = namespace ?? Chart.of(scope).namespace;
  return resolved === undefined ? undefined : requireDnsLabel(field, resolved);
}

/**
 * The DNS name of a Service. Fully qualified when the namespace is known (no search-path lookups, and it
 * works from any namespace); the bare name otherwise, which resolves within the same namespace.
 */
export function serviceHost(service: string, namespace: string | undefined, clusterDomain: string): string {
  return namespace === undefined ? service : `${service}.${namespace}.svc.${clusterDomain}`;
}
