/**
 * The CRDs are generated from the props types: the committed files equal a fresh generation, every prop of the
 * construct props is in a spec, a prop added to the sources reaches the schema (or fails generation when it has
 * no declarative form), the schemas are structural, and the CLI's validator understands every keyword.
 * The bindings in imports/ are what `cdk8s import` makes of the committed CRDs, and they type-check.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { CrdGenerationError, GeneratedCrds, generateCrds } from '../../src/declarative/crd-generator';
import { JsonSchema, MCP_AGENT, MCP_MESH, crdFileName, loadCrd } from '../../src/declarative/resources';
import { PROPS_KEYWORDS, SUPPORTED_KEYWORDS, keywordsOf } from '../../src/schema/validate';
import { PROPS_DEFINITIONS } from '../../src/schema/props-schema.generated';
import * as bindings from '../../imports/mesh.mcp.io';

const ROOT = path.resolve(__dirname, '..', '..');
const REGENERATE = 'npm run build && node scripts/generate-crd.js';
let fresh: GeneratedCrds;

beforeAll(() => {
  fresh = generateCrds({ root: ROOT });
}, 60_000);

describe('drift', () => {
  test.each([MCP_AGENT, MCP_MESH])('crds/ holds a fresh generation of $plural', (names) => {
    const generated = fresh.crds.find((c) => c.names.kind === names.kind)!;
    const committed = fs.readFileSync(path.join(ROOT, crdFileName(names)), 'utf8');
    if (committed !== generated.text) {
      throw new Error(`${crdFileName(names)} differs from a fresh generation from the props types. Run: ${REGENERATE}`);
    }
  });

  test('imports/ holds what cdk8s import makes of the committed CRDs', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'crd-import-'));
    try {
      const combined = path.join(work, 'mesh.mcp.io.yaml');
      fs.writeFileSync(combined, [MCP_AGENT, MCP_MESH].map((n) => fs.readFileSync(path.join(ROOT, crdFileName(n)), 'utf8')).join('---\n'));
      execFileSync(path.join(ROOT, 'node_modules', '.bin', 'cdk8s'), ['import', combined, '--language', 'typescript', '--no-check-upgrade', '--output', path.join(work, 'out')],
        { cwd: work, stdio: 'pipe' });
      expect(fs.readdirSync(path.join(work, 'out'))).toEqual(['mesh.mcp.io.ts']);
      if (fs.readFileSync(path.join(work, 'out', 'mesh.mcp.io.ts'), 'utf8') !== fs.readFileSync(path.join(ROOT, 'imports', 'mesh.mcp.io.ts'), 'utf8')) {
        throw new Error(`imports/mesh.mcp.io.ts differs from cdk8s import of the committed CRDs. Run: ${REGENERATE}`);
      }
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('coverage: every prop of the construct props is declared', () => {
  const specProps = (names: typeof MCP_AGENT) => Object.keys(loadCrd(names, ROOT).schema.properties!.spec.properties!);

  test('McpAgentOptions and McpMeshAgentProps: each prop is in the committed MCPAgent spec, but name (metadata.name)', () => {
    const inCrd = specProps(MCP_AGENT);
    for (const source of ['McpAgentOptions', 'McpMeshAgentProps'] as const) {
      const missing = fresh.sources[source].filter((p) => p !== 'name' && !inCrd.includes(p));
      expect({ source, missing, hint: missing.length > 0 ? `not in ${crdFileName(MCP_AGENT)}: run ${REGENERATE}` : undefined }).toEqual({ source, missing: [], hint: undefined });
    }
    expect(fresh.sources.McpAgentOptions).toContain('runtime');
    expect(inCrd).not.toContain('name');
  });

  test('McpMeshProps: each prop is in the committed MCPMesh spec, but name (metadata.name) and agents (the MCPAgent documents)', () => {
    const inCrd = specProps(MCP_MESH);
    const missing = fresh.sources.McpMeshProps.filter((p) => !['name', 'agents'].includes(p) && !inCrd.includes(p));
    expect(missing).toEqual([]);
    // The one prop a file adds: per-environment overrides.
    expect(inCrd.filter((p) => !fresh.sources.McpMeshProps.includes(p))).toEqual(['environments']);
  });

  test('every interface under the specs was read, so nested props are covered too', () => {
    expect(Object.keys(fresh.interfaces)).toEqual(expect.arrayContaining([
      'CapabilityProps', 'AgentAutoscaling', 'TrafficPolicyOptions', 'ResourceProps', 'EnvVar', 'SecretEnvVar', 'CustomRuntimeProps',
      'DeclarativePythonRuntimeProps', 'McpRegistryOptions', 'SqliteStorageProps', 'PostgresStorageProps', 'PostgresPartsProps',
      'PostgresInClusterProps', 'PodPeerProps', 'McpSecurityOptions', 'PolicySuppression',
    ]));
    const agent = loadCrd(MCP_AGENT, ROOT).schema.properties!.spec.properties!;
    expect(Object.keys(agent.capabilities.items!.properties!).sort()).toEqual(fresh.interfaces.CapabilityProps);
    expect(Object.keys(agent.traffic.properties!).sort()).toEqual(fresh.interfaces.TrafficPolicyOptions);
  });
});

describe('a change to the props types reaches the schema', () => {
  const AGENT_FILE = path.join('src', 'agent', 'agent-props.ts');
  const RUNTIME_FILE = path.join('src', 'agent', 'agent-runtime.ts');
  const withProp = (prop: string) => {
    const text = fs.readFileSync(path.join(ROOT, AGENT_FILE), 'utf8');
    const anchor = 'export interface McpAgentCommonOptions extends PodPlacementProps {\n';
    expect(text).toContain(anchor);
    return { [AGENT_FILE]: text.replace(anchor, `${anchor}${prop}\n`) };
  };

  test('a new plain prop of McpAgentOptions is in a fresh schema, so the drift test fails until crds/ is regenerated', () => {
    const changed = generateCrds({ root: ROOT, overrides: withProp('  /** Canary prop. */\n  readonly canaryCount?: number;') });
    const spec = changed.crds.find((c) => c.names.kind === 'MCPAgent')!;
    expect((spec.crd as any).spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.canaryCount)
      .toEqual({ description: 'Canary prop.', type: 'number' });
    expect(spec.text).not.toBe(fs.readFileSync(path.join(ROOT, crdFileName(MCP_AGENT)), 'utf8'));
    expect(changed.sources.McpAgentOptions).toContain('canaryCount');
  }, 60_000);

  test('a new prop whose type has no declarative form fails generation, naming the prop and the fix', () => {
    expect(() => generateCrds({ root: ROOT, overrides: withProp('  readonly canaryObject?: import("cdk8s").ApiObject;') }))
      .toThrow(new CrdGenerationError('McpAgentSpec.canaryObject: ApiObject is a class, which has no declarative form. Fix: add a mapping for it to src/declarative/mappings.ts'));
    expect(() => generateCrds({ root: ROOT, overrides: withProp('  readonly canaryHook?: () => void;') }))
      .toThrow(new CrdGenerationError('McpAgentSpec.canaryHook: a function has no declarative form'));
    expect(() => generateCrds({ root: ROOT, overrides: withProp('  readonly canaryRuntime?: ServiceMesh | number;') }))
      .toThrow(/McpAgentSpec\.canaryRuntime: the union type .* has no declarative form/);
  }, 60_000);

  test('a new static factory of a mapped class fails generation until the mapping covers it', () => {
    const text = fs.readFileSync(path.join(ROOT, RUNTIME_FILE), 'utf8');
    const anchor = '  public static custom(props: CustomRuntimeProps): AgentRuntime {';
    expect(text).toContain(anchor);
    const overrides = { [RUNTIME_FILE]: text.replace(anchor, `  public static typescript(props: CustomRuntimeProps): AgentRuntime {\n    return new CustomRuntime(props);\n  }\n\n${anchor}`) };
    expect(() => generateCrds({ root: ROOT, overrides })).toThrow(
      'McpAgentSpec.runtime: AgentRuntime.typescript() has no declarative form. Fix: add a choice for it to the AgentRuntime mapping in src/declarative/mappings.ts (or list it under excluded, with the reason)');
  }, 60_000);
});

/** Every schema node, with its path. */
function nodes(schema: JsonSchema, at = ''): Array<[string, JsonSchema]> {
  const out: Array<[string, JsonSchema]> = [[at || '.', schema]];
  for (const [k, s] of Object.entries(schema.properties ?? {})) out.push(...nodes(s, `${at}.${k}`));
  if (schema.items) out.push(...nodes(schema.items, `${at}[]`));
  if (schema.additionalProperties) out.push(...nodes(schema.additionalProperties, `${at}{}`));
  return out;
}

describe.each([MCP_AGENT, MCP_MESH])('the $kind CRD', (names) => {
  const { crd, schema } = loadCrd(names, ROOT);

  test('names, scope, version, status subresource, printer columns', () => {
    expect(crd.metadata.name).toBe(`${names.plural}.mesh.mcp.io`);
    expect(crd.spec).toMatchObject({ group: 'mesh.mcp.io', scope: 'Namespaced', names: { kind: names.kind, shortNames: names.shortNames, categories: ['mcp'] } });
    expect(crd.spec.versions).toHaveLength(1);
    const [version] = crd.spec.versions;
    expect(version).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
    expect(version.additionalPrinterColumns.map((c: any) => c.name)).toContain('Age');
    if (names.kind === 'MCPAgent') {
      expect(version.additionalPrinterColumns.map((c: any) => c.jsonPath)).toEqual(['.spec.capabilities[*].name', '.spec.dependsOn[*]', '.spec.replicas', '.metadata.creationTimestamp']);
    }
  });

  test('the schema is structural (apiextensions.k8s.io/v1): typed nodes, no properties next to additionalProperties, value-only junctors, no defaults', () => {
    const problems: string[] = [];
    for (const [at, node] of nodes(schema)) {
      if (node.type === undefined) problems.push(`${at}: no type`);
      if (node.properties !== undefined && node.additionalProperties !== undefined) problems.push(`${at}: properties and additionalProperties`);
      for (const forbidden of ['$ref', 'default', 'nullable', 'x-kubernetes-preserve-unknown-fields', 'anyOf', 'allOf', 'not', 'definitions']) {
        if (forbidden in node) problems.push(`${at}: ${forbidden}`);
      }
      for (const alternative of node.oneOf ?? []) {
        if (Object.keys(alternative).join() !== 'required') problems.push(`${at}: oneOf holds more than required`);
        for (const key of alternative.required ?? []) if (node.properties?.[key] === undefined) problems.push(`${at}: oneOf requires ${key}, which is not a property`);
      }
      if (node.pattern !== undefined && /\(\?[=!<]/.test(node.pattern)) problems.push(`${at}: look-around in a pattern (the API server's RE2 has none)`);
    }
    expect(schema.properties!.metadata).toEqual({ type: 'object' });
    expect(problems).toEqual([]);
  });

  test('the CLI\'s validator understands every keyword the schema uses', () => {
    expect([...keywordsOf(schema)].filter((k) => !SUPPORTED_KEYWORDS.has(k))).toEqual([]);
  });

  test('the props validator understands every keyword of the props schema, and every class node names its factories', () => {
    for (const [name, definition] of Object.entries(PROPS_DEFINITIONS)) {
      expect([name, [...keywordsOf(definition)].filter((k) => !PROPS_KEYWORDS.has(k))]).toEqual([name, []]);
    }
    const classes = JSON.stringify(PROPS_DEFINITIONS).match(/"x-class":"\w+"(,"x-factories":\[[^\]]+\])?/g) ?? [];
    expect(classes.length).toBeGreaterThan(20);
    expect(classes.filter((c) => !c.includes('x-factories') && c !== '"x-class":"Duration"')).toEqual([]);
  });

  test('every Duration is a pattern string, every choice exactly one key', () => {
    for (const [at, node] of nodes(schema)) {
      if (node.title === 'Duration') expect({ at, type: node.type, pattern: typeof node.pattern }).toEqual({ at, type: 'string', pattern: 'string' });
      if (node.oneOf !== undefined && node.title !== 'SecretEnvVar') {
        expect({ at, keys: node.oneOf.map((o) => o.required!.join()).sort() }).toEqual({ at, keys: Object.keys(node.properties!).sort() });
      }
    }
  });
});

describe('generated bindings', () => {
  test('render the example MCPAgent and MCPMesh files as they are written', () => {
    const dir = path.join(ROOT, 'examples', 'declarative');
    const chart = new Chart(new App({ outdir: '/nonexistent' }), 'bindings');
    const expected: unknown[] = [];
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
      const doc = parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))[0].toJS();
      expected.push(doc);
      if (doc.kind === 'MCPAgent') new bindings.McpAgent(chart, file, { metadata: doc.metadata, spec: doc.spec as bindings.McpAgentSpec });
      else new bindings.McpMesh(chart, file, { metadata: doc.metadata, spec: doc.spec as bindings.McpMeshSpec });
    }
    expect(chart.toJson()).toEqual(expected);
  });

  test('type the choices and durations of the file format', () => {
    const spec: bindings.McpAgentSpec = {
      runtime: { custom: { image: 'ghcr.io/acme/agent:1.0.0', runAsUser: 1000 } },
      capabilities: [{ name: 'x', timeout: '30s' }],
      secretEnv: [{ name: 'API_KEY', secretKeyRef: { name: 'keys', key: 'api' } }],
    };
    expect(bindings.McpAgent.manifest({ metadata: { name: 'a' }, spec })).toMatchObject({ apiVersion: 'mesh.mcp.io/v1alpha1', kind: 'MCPAgent', spec });
  });
});
