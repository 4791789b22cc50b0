/**
 * charts/mcp-mesh-agent held to the McpAgent construct, with real helm: for random agent values, either both
 * refuse them or `helm template` gives the objects the constructs render for the same agent (Helm's own
 * labels aside).
 */
import * as fc from 'fast-check';
import { agentCase, constructObjects } from './agent-values';
import { byKey, Helm, Obj, withoutHelmLabels } from './helm-run';

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
    const chart = outcome(() => helm.template('mcp-mesh-agent', values, { namespace }).map(withoutHelmLabels));
    const constructs = outcome(() => constructObjects(values, namespace));
    expect({ chartRefused: chart.ok ? undefined : chart.error, constructsRefused: constructs.ok ? undefined : constructs.error })
      .toEqual(chart.ok === constructs.ok ? expect.anything() : { chartRefused: undefined, constructsRefused: undefined });
    if (!chart.ok || !constructs.ok) {
      refused++;
      return;
    }
    rendered++;
    const v = values;
    for (const [feature, on] of Object.entries({
      source: v.agent.source !== undefined, script: v.agent.script !== undefined, 'pod-ip': v.agent.advertise === 'pod-ip', autoscaling: v.autoscaling?.enabled === true,
      ingress: v.ingress?.enabled === true, dependencies: v.agent.dependencies.length > 0, 'internet egress': v.networkPolicy.internetEgress === true,
      'no network policy': v.networkPolicy.enabled === false, tolerations: (v.tolerations ?? []).length > 0, 'secret env': v.secretEnv.length > 0, 'replicas > 1': v.replicaCount > 1,
    })) if (on) covered.add(feature);
    const fromChart = byKey(chart.value as Obj[]);
    const fromConstructs = byKey(constructs.value);
    expect(Object.keys(fromChart).sort()).toEqual(Object.keys(fromConstructs).sort());
    for (const key of Object.keys(fromConstructs)) expect({ key, object: fromChart[key] }).toEqual({ key, object: fromConstructs[key] });
  }), { numRuns: 150, seed: 20261203 });
  // The generator is meant to give mostly valid values: most cases compare objects.
  console.log(`${rendered} cases rendered the same objects, ${refused} were refused by both`);
  expect(rendered).toBeGreaterThan(refused);
  // The objects compared cover every option that adds objects, rules or keys.
  expect([...covered].sort()).toEqual(['autoscaling', 'dependencies', 'ingress', 'internet egress', 'no network policy', 'pod-ip', 'replicas > 1', 'script', 'secret env', 'source', 'tolerations']);
}, 10 * 60 * 1000);
