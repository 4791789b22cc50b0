/**
 * charts/mcp-mesh-agent held to the McpAgent construct, with real helm: for random agent values, the agent is
 * installed (rendered) as a release in a mesh of releases (the registry, its providers, a caller), and either the
 * constructs and the charts both refuse the values, or the mesh's objects are the same (Helm's own labels aside;
 * Istio's AuthorizationPolicies, which the charts split by release, allow the same calls).
 */
import * as fc from 'fast-check';
import { agentCase, constructMeshOfAgent, meshOfAgent } from './agent-values';
import { Helm, Obj } from './helm-run';
import { chartMesh, expectSameMesh } from './mesh-parity';

let helm: Helm;
beforeAll(() => {
  helm = new Helm();
}, 5 * 60 * 1000);
afterAll(() => helm?.cleanup());

function outcome<T>(run: () => T): { ok: true; value: T } | { ok: false; error: string } {
  try {
    return { ok: true, value: run() };
  } catch (e: any) {
    return { ok: false, error: `${e.stderr ?? ''}${e.message ?? e}` };
  }
}

test('helm template and the constructs agree on random agent values: the same objects, or both refuse', () => {
  let rendered = 0;
  let refused = 0;
  const covered = new Set<string>();
  fc.assert(fc.property(agentCase, ({ namespace, values }) => {
    const mesh = meshOfAgent({ namespace, values });
    const chart = outcome(() => chartMesh(helm, mesh));
    const constructs = outcome(() => constructMeshOfAgent(mesh));
    expect({ chartRefused: chart.ok ? undefined : chart.error, constructsRefused: constructs.ok ? undefined : constructs.error })
      .toEqual(chart.ok === constructs.ok ? expect.anything() : { chartRefused: undefined, constructsRefused: undefined });
    if (!chart.ok || !constructs.ok) {
      refused++;
      return;
    }
    rendered++;
    const v = values;
    for (const [feature, on] of Object.entries({
      source: v.agent.source !== undefined, script: v.agent.script !== undefined && v.agent.source === undefined, 'pod-ip': v.agent.advertise === 'pod-ip', autoscaling: v.autoscaling?.enabled === true,
      ingress: v.ingress?.enabled === true, dependencies: v.agent.dependencies.length > 0, 'internet egress': v.networkPolicy.internetEgress === true,
      'no network policy': v.networkPolicy.enabled === false, istio: v.serviceMesh === 'istio', 'istio ingress': v.serviceMesh === 'istio' && v.ingress?.enabled === true, tolerations: (v.tolerations ?? []).length > 0, 'secret env': v.secretEnv.length > 0, 'replicas > 1': v.replicaCount > 1,
    })) if (on) covered.add(feature);
    expectSameMesh(chart.value as Obj[], constructs.value, values.istio?.trustDomain ?? 'cluster.local', [
      { principal: `${values.istio?.trustDomain ?? 'cluster.local'}/ns/ingress-nginx/sa/ingress-nginx`, namespace: 'ingress-nginx' },
      { principal: `${values.istio?.trustDomain ?? 'cluster.local'}/ns/${namespace}/sa/stranger`, namespace },
    ]);
  }), { numRuns: 120, seed: 20261203 });
  // The generator is meant to give mostly valid values: most cases compare objects.
  console.log(`${rendered} cases rendered the same objects, ${refused} were refused by both`);
  expect(rendered).toBeGreaterThan(refused);
  // The objects compared cover every option that adds objects, rules or keys.
  expect([...covered].sort()).toEqual(['autoscaling', 'dependencies', 'ingress', 'internet egress', 'istio', 'istio ingress', 'no network policy', 'pod-ip', 'replicas > 1', 'script', 'secret env', 'source', 'tolerations']);
}, 10 * 60 * 1000);
