/**
 * A corpus of bad values for the charts, generated from their own schemas (every key: wrong types, bounds,
 * fractions, pattern and enum violations, and a misspelt key at every level), each rendered by real helm from a
 * valid, feature-rich base: every case must be refused (none rendered, so nothing a cluster rejects or silently
 * ignores reaches it), and the refusal must name the key.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { Helm, Obj, REPO, withChartDefaults } from './helm-run';

// Helm 4 and Helm 3 validate schemas with different libraries: both must refuse every case.
const helms: Record<string, Helm> = {};
beforeAll(() => {
  helms['helm 4'] = new Helm();
  helms['helm 3'] = new Helm({ helm3: true });
}, 5 * 60 * 1000);
afterAll(() => Object.values(helms).forEach((h) => h.cleanup()));

interface Case { readonly path: (string | number)[]; readonly what: string; readonly values: Obj }

const clone = (o: Obj): Obj => JSON.parse(JSON.stringify(o));
function setAt(values: Obj, at: (string | number)[], value: unknown): Obj {
  const out = clone(values);
  let node: any = out;
  for (const step of at.slice(0, -1)) node = node[step] ??= typeof step === 'number' ? [] : {};
  node[at[at.length - 1]] = value;
  return out;
}
function getAt(values: Obj, at: (string | number)[]): unknown {
  return at.reduce((node: any, step) => node?.[step], values);
}

/** Every mutation of every key the schema describes, from the base's values. */
function corpus(schema: Obj, base: Obj): Case[] {
  const cases: Case[] = [];
  const resolve = (s: Obj): Obj => (s.$ref ? { ...resolve(schema.definitions[s.$ref.replace('#/definitions/', '')]), ...s, $ref: undefined } : s);
  const walk = (raw: Obj, at: (string | number)[]) => {
    const s = resolve(raw);
    const types: string[] = Array.isArray(s.type) ? s.type : [s.type];
    const here = getAt(base, at);
    const add = (what: string, value: unknown) => cases.push({ path: at, what, values: setAt(base, at, value) });
    if (at.length > 0 && at[0] !== 'global') {
      if (!types.includes('string')) add('a string', 'abc');
      if (!types.includes('integer') && !types.includes('number') && !types.includes('object')) add('a number', 12345);
      if (!types.includes('boolean') && !types.includes('object')) add('a boolean', true);
      if (!types.includes('array') && !types.includes('object')) add('a list', ['x']);
      if (!types.includes('object') && !types.includes('array')) add('a map', { x: 1 });
      if (types.includes('integer')) {
        add('a fraction', 1.5);
        if (s.minimum !== undefined) add('below the minimum', s.minimum - 1);
        if (s.maximum !== undefined) add('above the maximum', s.maximum + 1);
      }
      if (types.includes('string') && s.pattern !== undefined && !new RegExp(s.pattern).test('Bad Value!')) add('a value its pattern refuses', 'Bad Value!');
      if (s.enum !== undefined) add('a value not in its list', 'not-an-option');
      if (types.includes('string') && s.maxLength !== undefined && s.maxLength < 100000) add('a value over its length', 'a'.repeat(s.maxLength + 1));
    }
    const dotted = at.join('.');
    for (const domain of DOMAINS) if (domain.match(dotted)) for (const value of domain.values) add(`the library refuses ${JSON.stringify(value).slice(0, 30)}`, value);
    if (s.properties !== undefined && s.additionalProperties === false && at[0] !== 'global') {
      const keys = Object.keys(s.properties);
      const typo = keys.find((k) => k.length > 3) ?? keys[0];
      cases.push({ path: [...at, `${typo}x`], what: `a misspelt key (${typo}x)`, values: setAt(base, [...at, `${typo}x`], getAt(base, [...at, typo]) ?? 1) });
      for (const [key, child] of Object.entries<Obj>(s.properties)) {
        if (here !== undefined || at.length === 0) walk(child, [...at, key]);
      }
    }
    if (s.items !== undefined && Array.isArray(here) && here.length > 0) walk(s.items, [...at, 0]);
  };
  walk(schema, []);
  return cases;
}

/**
 * Values the library refuses whatever the schema says (the constructs' own domains: names, ports, images,
 * capability names and versions, quantities, env names, CIDR ranges, hosts and paths), by key: these hold the
 * schema's bounds to the library's, where the mutations above only hold the chart to its own schema.
 */
const BAD_NAMES = ['Bad_Name', 'UPPER', '-lead', 'trail-', 'a b', '', 'x'.repeat(64), '1abc'];
const DOMAINS: Array<{ match: (at: string) => boolean; values: unknown[] }> = [
  { match: (at) => /^(agent\.name|registry\.(name|host)|mesh\.name)$/.test(at), values: BAD_NAMES },
  { match: (at) => /^(agent\.port|registry\.port|registry\.admin\.port)$/.test(at), values: [0, 80, 1023, 65536, -8080, 8080.5] },
  { match: (at) => /(^|\.)image\.tag$/.test(at), values: ['latest', '', 'a b', `v${'1'.repeat(128)}`] },
  { match: (at) => /(^|\.)image\.repository$/.test(at), values: ['Upper/agent', 'a b', 'example.com/agent:1.0', ''] },
  { match: (at) => /^agent\.(capabilities|dependencies)\.0\.name$/.test(at), values: ['1cap', 'a b', '', 'x'.repeat(64), 'cap-', 'ca/p'] },
  { match: (at) => at === 'agent.capabilities.0.version', values: ['1', 'v1.0.0', '1.0', '', '01.0.0'] },
  { match: (at) => /resources\.(requests|limits)\.(cpu|memory|ephemeral-storage)$/.test(at) || /\.size$/.test(at), values: ['abc', '-1Gi', '1.5.5', '10XB', ' 1Gi', '1Yi'] },
  { match: (at) => /^(env|secretEnv)\.0\.name$/.test(at), values: ['1X', 'A-B', '', 'A B', 'MCP_MESH_HTTP_PORT', 'HOST', 'MCP_MESH_REGISTRY_URL'] },
  { match: (at) => at === 'storage.postgres.endpoint.cidr' || /ipBlock\.(cidr|except\.0)$/.test(at), values: ['10.0.0.0/33', 'abc', '300.1.1.1/8', '10.0.0.1/8', '010.0.0.0/8'] },
  { match: (at) => at === 'networkPolicy.clusterCidrs.0', values: ['10.0.0.0/33', 'abc', '10.0.0.0', '300.1.1.1/8', '10.0.0.1/8', '0.0.0.0/0', '010.0.0.0/8'] },
  { match: (at) => at === 'ingress.host', values: ['Weather.Example.com', 'https://weather.example.com', 'a b.example.com', 'weather', 'weather.example.com:443'] },
  { match: (at) => at === 'ingress.path', values: ['weather', '/a b', '/a?b', '//x', '/a/../b', '/a/.'] },
  { match: (at) => /(^|\.)(className|tlsSecretName|storageClassName|secretName|credentialsSecret\.name|urlSecret\.name)$/.test(at), values: ['Nginx', 'a_b', '-x', 'x'.repeat(254)] },
];

/** What the refusal must name: the key as the schemas' messages write it (/a/0/b, a.0.b) or as the templates' do (a[0].b). */
function named(output: string, at: (string | number)[]): boolean {
  const slash = `/${at.join('/')}`;
  const dotted = at.reduce<string>((s, step) => (typeof step === 'number' ? `${s}[${step}]` : s === '' ? step : `${s}.${step}`), '');
  const last = String([...at].reverse().find((s) => typeof s === 'string'));
  // Helm 4's schema errors say `at '/agent/port'` and `additional properties 'portx'`; Helm 3's `agent.port:` and
  // `Additional property portx is not allowed`; the templates' own, `agent.port:` or `env[0].name:`.
  return output.includes(slash) || output.includes(dotted) || output.includes(`${at.join('.')}:`) || output.includes(`'${last}'`)
    || output.includes(`Additional property ${last} is not allowed`);
}

const charts: Array<[string, string[], string]> = ['helm 4', 'helm 3'].flatMap((h): Array<[string, string[], string]> => [
  ['mcp-mesh-agent', ['agent-image.yaml'], h],
  ['mcp-mesh-registry', ['registry-postgres.yaml'], h],
  ['mcp-mesh-registry', ['registry-postgres-in-cluster.yaml'], h],
]);

describe.each(charts)('bad values for %s (base: the defaults and examples/helm/%s), %s', (chart, files, which) => {
  const schema = JSON.parse(fs.readFileSync(path.join(REPO, 'charts', chart, 'values.schema.json'), 'utf8'));
  // The chart's defaults with the example's values over them: every key of the chart is in the base.
  const defaults = parse(fs.readFileSync(path.join(REPO, 'charts', chart, 'values.yaml'), 'utf8'));
  const base: Obj = files.reduce((b, f) => withChartDefaults(parse(fs.readFileSync(path.join(REPO, 'examples', 'helm', f), 'utf8')), b), defaults);
  const cases = corpus(schema, base);

  test('the base renders, and the corpus reaches every key of the base', () => {
    expect(helms[which].template(chart, base).length).toBeGreaterThan(5);
    expect(cases.length).toBeGreaterThan(200);
  });

  test('every bad value is refused, naming the key', () => {
    const accepted: string[] = [];
    const unnamed: string[] = [];
    for (const c of cases) {
      let output: string;
      try {
        helms[which].template(chart, c.values);
        accepted.push(`${c.path.join('.')}: ${c.what}`);
        continue;
      } catch (e: any) {
        output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
      }
      if (!named(output, c.path)) unnamed.push(`${c.path.join('.')}: ${c.what}: ${output.trim().split('\n').slice(0, 3).join(' | ')}`);
    }
    console.log(`${chart} (${which}): ${cases.length} bad values, ${cases.length - accepted.length - unnamed.length} refused naming the key`);
    expect({ accepted, unnamed }).toEqual({ accepted: [], unnamed: [] });
  }, 10 * 60 * 1000);
});
