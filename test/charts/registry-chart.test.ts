/**
 * charts/mcp-mesh-registry held to the McpRegistry and McpSecurity constructs, with real helm: for random
 * registry values, either both refuse them or `helm template` gives the objects the constructs render for the
 * registry and the mesh-wide policies (Helm's own labels aside).
 */
import * as fc from 'fast-check';
import { byKey, Helm, Obj, withoutHelmLabels } from './helm-run';
import { registryCase, constructObjects } from './registry-values';

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
    const chart = outcome(() => helm.template('mcp-mesh-registry', values, { namespace }).map(withoutHelmLabels));
    const constructs = outcome(() => constructObjects(values, namespace));
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
    const fromChart = byKey(chart.value as Obj[]);
    const fromConstructs = byKey(constructs.value);
    expect(Object.keys(fromChart).sort()).toEqual(Object.keys(fromConstructs).sort());
    for (const key of Object.keys(fromConstructs)) expect({ key, object: fromChart[key] }).toEqual({ key, object: fromConstructs[key] });
  }), { numRuns: 120, seed: 20261203 });
  console.log(`${rendered} cases rendered the same objects, ${refused} were refused by both`);
  expect(rendered).toBeGreaterThan(refused);
  // The objects compared cover every storage and the options that add objects or rules.
  expect([...covered].sort()).toEqual(['admin peers', 'postgres', 'postgres-in-cluster', 'replicas', 'sqlite']);
}, 10 * 60 * 1000);
