/**
 * A whole mesh two ways: chart releases (the registry chart and one agent chart release per agent, rendered by
 * real helm) and the McpMesh construct with the props that mean the same. Every object must be equal (Helm's own
 * labels aside) but Istio's AuthorizationPolicies, which the charts split by release (each release writes the
 * policies of the calls it makes): those are compared by what they allow, every workload identity against every
 * workload port.
 */
import * as fc from 'fast-check';
import { App, Chart, Duration } from 'cdk8s';
import { McpMesh, McpMeshAgentProps, McpRegistryOptions, McpSecurityOptions, NetworkPeer, ownedObjectsOf, ServiceMesh } from '../../src';
import { byKey, Helm, Obj, withoutHelmLabels } from './helm-run';

export interface MeshCase {
  readonly namespace: string;
  /** The registry chart's values. */
  readonly registry: Obj;
  /** Each agent's agent chart values (mesh, registry and service mesh as the registry's). */
  readonly agents: readonly Obj[];
}

/** Every object of the mesh's releases, Helm's own labels removed. */
export function chartMesh(helm: Helm, c: MeshCase): Obj[] {
  const render = (release: string, chart: string, values: Obj) => helm.template(chart, values, { release, namespace: c.namespace });
  return [
    ...render('registry', 'mcp-mesh-registry', c.registry),
    ...c.agents.flatMap((a) => render(a.agent.name, 'mcp-mesh-agent', a)),
  ].map(withoutHelmLabels);
}

/** The McpMesh of the same settings; `agentProps` maps an agent chart's values to props, `registry` the registry chart's. */
export function constructMesh(c: MeshCase, registry: McpRegistryOptions, agentProps: (values: Obj) => McpMeshAgentProps, security: McpSecurityOptions, policyCheck: boolean): Obj[] {
  const app = new App();
  const chart = new Chart(app, 'mesh', { disableResourceNameHashes: true });
  new McpMesh(chart, 'Mesh', {
    name: c.registry.mesh?.name ?? 'mcp-mesh',
    namespace: c.namespace,
    ...(c.registry.mesh?.clusterDomain !== undefined ? { clusterDomain: c.registry.mesh.clusterDomain } : {}),
    serviceMesh: c.registry.serviceMesh === 'istio' ? ServiceMesh.ISTIO : ServiceMesh.NONE,
    // The capability router lists every capability of the mesh in one object: no release can write it.
    capabilityRouting: false,
    registry,
    agents: c.agents.map(agentProps),
    security: {
      ...security,
      ...(c.registry.istio?.trustDomain !== undefined ? { trustDomain: c.registry.istio.trustDomain } : {}),
    },
    ...(policyCheck ? {} : { policyCheck: false }),
  });
  return ownedObjectsOf(app).map((o) => o.object);
}

export const seconds = (n: number) => Duration.seconds(n);

/** A NetworkPolicy-style peer of chart values as a NetworkPeer. */
export function networkPeer(p: Obj): NetworkPeer {
  if (p.ipBlock !== undefined) return NetworkPeer.ipBlock(p.ipBlock.cidr, p.ipBlock.except ?? []);
  return NetworkPeer.pods({ namespaceLabels: p.namespaceSelector?.matchLabels, podLabels: p.podSelector?.matchLabels });
}

interface Workload { namespace: string; labels: Record<string, string>; ports: number[]; serviceAccount: string }

function workloads(objects: Obj[]): Workload[] {
  return objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet').map((w) => ({
    namespace: w.metadata.namespace,
    labels: w.spec.template.metadata.labels,
    ports: w.spec.template.spec.containers.flatMap((c: Obj) => (c.ports ?? []).map((p: Obj) => p.containerPort)),
    serviceAccount: w.spec.template.spec.serviceAccountName,
  }));
}

const selects = (selector: Obj | undefined, labels: Record<string, string>) => Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

/** Istio's verdict for ALLOW policies: no policy selecting the workload allows all; else some rule must match. */
export function istioAllows(policies: Obj[], from: { principal: string; namespace: string }, to: { namespace: string; labels: Record<string, string> }, port: number): boolean {
  const applicable = policies.filter((p) => p.metadata.namespace === to.namespace && selects(p.spec.selector, to.labels));
  if (applicable.length === 0) return true;
  return applicable.some((p) => (p.spec.rules ?? []).some((rule: Obj) =>
    (rule.from === undefined || rule.from.some((f: Obj) => (f.source.principals ?? []).includes(from.principal) || (f.source.namespaces ?? []).includes(from.namespace)))
    && (rule.to === undefined || rule.to.some((t: Obj) => (t.operation.ports ?? []).includes(String(port))))));
}

/** Every (identity, workload, port) the policies allow, for the identities of the mesh's workloads and a few outsiders. */
export function istioVerdicts(objects: Obj[], trustDomain: string, outsiders: Array<{ principal: string; namespace: string }>): string[] {
  const policies = objects.filter((o) => o.kind === 'AuthorizationPolicy');
  const all = workloads(objects);
  const sources = [
    ...all.map((w) => ({ principal: `${trustDomain}/ns/${w.namespace}/sa/${w.serviceAccount}`, namespace: w.namespace })),
    ...outsiders,
  ];
  const allowed: string[] = [];
  for (const from of sources) {
    for (const to of all) {
      for (const port of to.ports) if (istioAllows(policies, from, to, port)) allowed.push(`${from.principal} -> ${to.serviceAccount}:${port}`);
    }
  }
  return allowed.sort();
}

/** Compares the two meshes: every object equal but AuthorizationPolicies, which must allow the same calls. */
export function expectSameMesh(fromCharts: Obj[], fromConstructs: Obj[], trustDomain: string, outsiders: Array<{ principal: string; namespace: string }>): void {
  const charts = byKey(fromCharts.filter((o) => o.kind !== 'AuthorizationPolicy'));
  const constructs = byKey(fromConstructs.filter((o) => o.kind !== 'AuthorizationPolicy'));
  expect(Object.keys(charts).sort()).toEqual(Object.keys(constructs).sort());
  for (const key of Object.keys(constructs)) expect({ key, object: charts[key] }).toEqual({ key, object: constructs[key] });
  expect(istioVerdicts(fromCharts, trustDomain, outsiders)).toEqual(istioVerdicts(fromConstructs, trustDomain, outsiders));
}


function outcome<T>(run: () => T): { ok: true; value: T } | { ok: false; error: string } {
  try {
    return { ok: true, value: run() };
  } catch (e: any) {
    return { ok: false, error: `${e.stderr ?? ''}${e.message ?? e}` };
  }
}

export interface ParityOptions<C> {
  /** The mesh of releases a generated case stands for. */
  readonly mesh: (c: C) => MeshCase;
  /** What the constructs render for it. */
  readonly constructs: (mesh: MeshCase) => Obj[];
  /** The features a compared case exercises, to show what the objects compared covered. */
  readonly features: (c: C) => Record<string, boolean>;
  readonly numRuns: number;
}

/**
 * The parity property: for every generated case, either the charts (helm) and the constructs both refuse it, or
 * the two meshes are the same (`expectSameMesh`, with the ingress controller's identity and a stranger as
 * outsiders). Returns how many cases compared objects, how many both refused, and the features compared cases
 * covered.
 */
export function checkMeshParity<C>(helm: Helm, cases: fc.Arbitrary<C>, o: ParityOptions<C>): { rendered: number; refused: number; covered: string[] } {
  let rendered = 0;
  let refused = 0;
  const covered = new Set<string>();
  fc.assert(fc.property(cases, (c) => {
    const mesh = o.mesh(c);
    const chart = outcome(() => chartMesh(helm, mesh));
    const constructs = outcome(() => o.constructs(mesh));
    expect({ chartRefused: chart.ok ? undefined : chart.error, constructsRefused: constructs.ok ? undefined : constructs.error })
      .toEqual(chart.ok === constructs.ok ? expect.anything() : { chartRefused: undefined, constructsRefused: undefined });
    if (!chart.ok || !constructs.ok) {
      refused++;
      return;
    }
    rendered++;
    for (const [feature, on] of Object.entries(o.features(c))) if (on) covered.add(feature);
    const trustDomain = mesh.registry.istio?.trustDomain ?? 'cluster.local';
    expectSameMesh(chart.value, constructs.value, trustDomain, [
      { principal: `${trustDomain}/ns/ingress-nginx/sa/ingress-nginx`, namespace: 'ingress-nginx' },
      { principal: `${trustDomain}/ns/${mesh.namespace}/sa/stranger`, namespace: mesh.namespace },
    ]);
  }), { numRuns: o.numRuns, seed: 20261203 });
  console.log(`${rendered} cases rendered the same objects, ${refused} were refused by both`);
  return { rendered, refused, covered: [...covered].sort() };
}
