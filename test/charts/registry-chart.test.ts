/**
 * charts/mcp-mesh-registry held to the McpRegistry and McpSecurity constructs, with real helm: for random
 * registry values (in a mesh with one agent release), either both refuse them or the mesh's objects are the same
 * (Helm's own labels aside; Istio's AuthorizationPolicies allow the same calls).
 */
import * as fc from 'fast-check';
import { Helm, Obj } from './helm-run';
import { chartMesh, expectSameMesh } from './mesh-parity';
import { constructMeshOfRegistry, meshOfRegistry, registryCase } from './registry-values';

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

test('helm template and the constructs agree on random registry values: the same objects, or both refuse', () => {
  let rendered = 0;
  let refused = 0;
  const covered = new Set<string>();
  fc.assert(fc.property(registryCase, ({ namespace, values }) => {
    const mesh = meshOfRegistry({ namespace, values });
    const chart = outcome(() => chartMesh(helm, mesh));
    const constructs = outcome(() => constructMeshOfRegistry(mesh));
    expect({ chartRefused: chart.ok ? undefined : chart.error, constructsRefused: constructs.ok ? undefined : constructs.error })
      .toEqual(chart.ok === constructs.ok ? expect.anything() : { chartRefused: undefined, constructsRefused: undefined });
    if (!chart.ok || !constructs.ok) {
      refused++;
      return;
    }
    rendered++;
    covered.add(values.storage.type);
    if (values.registry.admin.allowFrom.length > 0) covered.add('admin peers');
    if (values.replicaCount > 1) covered.add('replicas');
    if (values.serviceMesh === 'istio') covered.add(`istio ${values.storage.type}`);
    const trustDomain = values.istio?.trustDomain ?? 'cluster.local';
    expectSameMesh(chart.value as Obj[], constructs.value, trustDomain, [{ principal: `${trustDomain}/ns/${namespace}/sa/stranger`, namespace }]);
  }), { numRuns: 120, seed: 20261203 });
  console.log(`${rendered} cases rendered the same objects, ${refused} were refused by both`);
  expect(rendered).toBeGreaterThan(refused);
  // The objects compared cover every storage and the options that add objects or rules.
  expect([...covered].sort()).toEqual(['admin peers', 'istio postgres', 'istio postgres-in-cluster', 'istio sqlite', 'postgres', 'postgres-in-cluster', 'replicas', 'sqlite']);
}, 10 * 60 * 1000);
