/** The recommended `app.kubernetes.io/*` labels, one definition for every object the library renders. */

export type Component = 'registry' | 'agent' | 'database';

/** Labels that select a workload's pods. They never change over a workload's life (selectors are immutable). */
export function selectorLabels(component: Component, name: string, instance: string): Record<string, string> {
  return {
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/name': name,
  };
}

/** Selector labels plus the descriptive ones, for metadata. */
export function objectLabels(component: Component, name: string, instance: string, version?: string): Record<string, string> {
  const labels: Record<string, string> = {
    ...selectorLabels(component, name, instance),
    'app.kubernetes.io/managed-by': 'cdk8s-mcp-mesh',
    'app.kubernetes.io/part-of': 'mcp-mesh',
  };
  if (version !== undefined) labels['app.kubernetes.io/version'] = version;
  return labels;
}

/** The version part of an image reference, if it has a tag that is a valid label value. */
export function imageVersion(image: string): string | undefined {
  const at = image.indexOf('@');
  const ref = at >= 0 ? image.slice(0, at) : image;
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  const colon = last.lastIndexOf(':');
  if (colon < 0) return undefined;
  const tag = last.slice(colon + 1);
  return /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(tag) ? tag : undefined;
}

/** Pod label of an agent that provides a capability. */
export function providesLabel(capability: string): string {
  return `provides.mesh.mcp.io/${capability}`;
}

/** Pod label of an agent that calls a capability. */
export function callsLabel(capability: string): string {
  return `calls.mesh.mcp.io/${capability}`;
}

/**
 * The capabilities an agent provides and calls, as pod labels: NetworkPolicies select callers and providers
 * by capability, so each policy stays the same size however many agents share a capability.
 */
export function capabilityLabels(provides: readonly string[], calls: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const c of provides) labels[providesLabel(c)] = 'true';
  for (const c of calls) labels[callsLabel(c)] = 'true';
  return labels;
}
