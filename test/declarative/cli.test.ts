/**
 * The CLI: valid files give exactly what the same mesh built in TypeScript gives (yaml, every environment,
 * kustomize, helm); invalid files give one clear line per problem, naming the file, the line, the document and
 * the field, exit 1 and write nothing; a wrong command line exits 2.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { EXIT_INVALID_INPUT, EXIT_OK, EXIT_USAGE, runCli } from '../../src/cli/main';
import { readDeclarativeMesh } from '../../src/declarative/synth';
import { writeHelmCharts } from '../../src/synth/helm-charts';
import { ownedObjectsOf } from '../../src/synth/owned-objects';
import { AgentRuntime, McpMesh, McpMeshAgentProps, MeshEnvironment, RegistryStorage, toYamlDocuments, writeKustomize } from '../../src';
import { ENVIRONMENTS, buildDefaultApp } from '../../src/main';

const ROOT = path.resolve(__dirname, '..', '..');
const EXAMPLE = path.join(ROOT, 'examples', 'declarative');
const AGENTS = path.join(ROOT, 'examples', 'agents');
const temp: string[] = [];

function tmpdir(prefix = 'declarative-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temp.push(dir);
  return dir;
}

afterAll(() => temp.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function run(...args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runCli(args, { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}

/** Every file under a folder, relative path -> text. */
function tree(dir: string): Record<string, string> {
  if (!fs.existsSync(dir)) return {};
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** A copy of examples/declarative (and the agents' code it reads) in a temporary folder; returns the copy of examples/declarative. */
function copyExample(): string {
  const root = tmpdir();
  for (const [from, to] of [[EXAMPLE, 'declarative'], [AGENTS, 'agents']]) {
    fs.mkdirSync(path.join(root, to));
    for (const f of fs.readdirSync(from).filter((n) => /\.(yaml|py)$/.test(n))) fs.copyFileSync(path.join(from, f), path.join(root, to, f));
  }
  return path.join(root, 'declarative');
}

const source = (name: string) => AgentRuntime.python({ source: fs.readFileSync(path.join(AGENTS, `${name}.py`), 'utf8') });

/** The travel mesh of examples/declarative, written in TypeScript (agents in name order, as the CLI sorts them). */
function travelApp(environment?: string): App {
  const app = new App({ outdir: '/nonexistent' });
  const chart = new Chart(app, 'mcp-mesh', { disableResourceNameHashes: true });
  const agents: McpMeshAgentProps[] = [
    { name: 'hotels', runtime: source('hotels'), replicas: 2, capabilities: [{ name: 'hotel_search', version: '1.0.0', timeout: Duration.seconds(20), tags: ['hotels', 'demo'] }] },
    {
      name: 'planner',
      runtime: source('planner'),
      capabilities: [{ name: 'plan_trip', version: '1.0.0', timeout: Duration.minutes(1), tags: ['planner', 'demo'] }],
      dependsOn: ['weather_forecast', 'hotel_search'],
    },
    { name: 'weather', runtime: source('weather'), replicas: 2, capabilities: [{ name: 'weather_forecast', version: '1.0.0', timeout: Duration.seconds(10), tags: ['weather', 'demo'] }] },
  ];
  new McpMesh(chart, 'Mesh', {
    name: 'mcp-mesh',
    namespace: 'mcp-mesh',
    environment: environment === undefined ? undefined : ENVIRONMENTS[environment](),
    ...(environment === 'prod' ? { registry: { storage: RegistryStorage.postgresInCluster({ credentials: { secretName: 'registry-db-credentials' } }) } } : {}),
    agents,
  });
  return app;
}

const objectsOf = (app: App) => JSON.parse(JSON.stringify(app.charts.flatMap((c) => c.toJson())));
const byKey = (objects: any[]) => Object.fromEntries(objects.map((o) => [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o]));
const load = (file: string) => parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJSON());

describe('valid files', () => {
  test.each([undefined, 'dev', 'staging', 'prod'])('synth --env %s equals the TypeScript-built mesh, byte for byte, and the default app object for object', (env) => {
    const out = tmpdir();
    const r = run('synth', '-f', EXAMPLE, '-o', out, ...(env === undefined ? [] : ['--env', env]));
    expect(r).toEqual({ code: EXIT_OK, out: `${path.join(out, 'mcp-mesh.k8s.yaml')}\n`, err: '' });
    expect(Object.keys(tree(out))).toEqual(['mcp-mesh.k8s.yaml']);
    const written = fs.readFileSync(path.join(out, 'mcp-mesh.k8s.yaml'), 'utf8');
    expect(written).toBe(toYamlDocuments(objectsOf(travelApp(env))));
    // examples/declarative is the default app (src/main.ts), whose agents are listed in another order.
    expect(byKey(load(path.join(out, 'mcp-mesh.k8s.yaml')))).toEqual(byKey(objectsOf(buildDefaultApp(new App({ outdir: '/nonexistent' }), env === undefined ? undefined : ENVIRONMENTS[env]()))));
  });

  test('the output does not depend on how the documents are spread over files, or on the order of -f', () => {
    const dir = copyExample();
    fs.writeFileSync(path.join(dir, 'all.yaml'), ['weather', 'planner', 'mesh', 'hotels'].map((f) => fs.readFileSync(path.join(dir, `${f}.yaml`), 'utf8')).join('---\n'));
    const one = tmpdir();
    // The copy's sourceFiles (../agents) are outside the working directory: its own root is the source root.
    expect(run('synth', '-f', path.join(dir, 'all.yaml'), '--source-root', path.dirname(dir), '-o', one).code).toBe(EXIT_OK);
    const files = tmpdir();
    const listed = ['planner', 'weather', 'mesh', 'hotels'].map((f) => path.join(EXAMPLE, `${f}.yaml`)).join(',');
    expect(run('synth', '-f', listed, '-o', files).code).toBe(EXIT_OK);
    expect(tree(one)).toEqual(tree(files));
  });

  test('the MCPMesh\'s spec.environment is the default --env, and --env wins over it', () => {
    const dir = copyExample();
    fs.appendFileSync(path.join(dir, 'mesh.yaml'), '  environment: staging\n');
    const staging = tmpdir();
    expect(run('synth', '-f', dir, '--source-root', path.dirname(dir), '-o', staging).code).toBe(EXIT_OK);
    expect(fs.readFileSync(path.join(staging, 'mcp-mesh.k8s.yaml'), 'utf8')).toBe(toYamlDocuments(objectsOf(travelApp('staging'))));
    const dev = tmpdir();
    expect(run('synth', '-f', dir, '--source-root', path.dirname(dir), '--env', 'dev', '-o', dev).code).toBe(EXIT_OK);
    expect(fs.readFileSync(path.join(dev, 'mcp-mesh.k8s.yaml'), 'utf8')).toBe(toYamlDocuments(objectsOf(travelApp('dev'))));
  });

  test('--format kustomize equals writeKustomize of the TypeScript-built mesh: base without preset, an overlay per environment', () => {
    const out = tmpdir();
    const r = run('synth', '-f', EXAMPLE, '--format', 'kustomize', '-o', out);
    expect(r.code).toBe(EXIT_OK);
    const expected = tmpdir();
    writeKustomize(expected, objectsOf(travelApp()), Object.fromEntries(Object.keys(ENVIRONMENTS).map((env) => [env, objectsOf(travelApp(env))])));
    expect(tree(out)).toEqual(tree(expected));
    expect(Object.keys(tree(out)).filter((f) => f.endsWith('kustomization.yaml')).sort()).toEqual([
      'base/kustomization.yaml', 'overlays/dev/kustomization.yaml', 'overlays/prod/kustomization.yaml', 'overlays/staging/kustomization.yaml',
    ]);
    // --env picks the overlays; a previous output in the folder is replaced.
    expect(run('synth', '-f', EXAMPLE, '--format', 'kustomize', '--env', 'prod', '-o', out).code).toBe(EXIT_OK);
    expect(fs.readdirSync(path.join(out, 'overlays'))).toEqual(['prod']);
  });

  test('--layout file-per-resource writes one file per object, the same objects as the default layout', () => {
    const perChart = tmpdir();
    const perResource = tmpdir();
    expect(run('synth', '-f', EXAMPLE, '-o', perChart).code).toBe(EXIT_OK);
    const r = run('synth', '-f', EXAMPLE, '--layout', 'file-per-resource', '-o', perResource);
    expect(r.code).toBe(EXIT_OK);
    const files = fs.readdirSync(perResource).sort();
    const all = fs.readdirSync(perChart).flatMap((f) => load(path.join(perChart, f)));
    expect(files).toHaveLength(all.length);
    expect(files).toContain('Deployment.planner.k8s.yaml');
    expect(byKey(files.flatMap((f) => load(path.join(perResource, f))))).toEqual(byKey(all));
    expect(run('synth', '-f', EXAMPLE, '--layout', 'per-object', '-o', tmpdir())).toMatchObject({ code: EXIT_USAGE, err: expect.stringMatching(/--layout per-object: not a layout; use file-per-chart, file-per-resource/) });
    expect(run('synth', '-f', EXAMPLE, '--format', 'helm-export', '--layout', 'file-per-resource', '-o', tmpdir())).toMatchObject({ code: EXIT_USAGE, err: expect.stringMatching(/--layout is for --format yaml/) });
  });

  test('--format helm equals writeHelmCharts of the TypeScript-built mesh', () => {
    const out = tmpdir();
    expect(run('synth', '-f', EXAMPLE, '--format', 'helm-export', '--chart-version', '1.2.3', '-o', out).code).toBe(EXIT_OK);
    const expected = tmpdir();
    writeHelmCharts(expected, ownedObjectsOf(travelApp()), { chartVersion: '1.2.3' });
    expect(tree(out)).toEqual(tree(expected));
    const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
    expect(run('synth', '-f', EXAMPLE, '--format', 'helm-export', '-o', out).code).toBe(EXIT_OK);
    expect(fs.readFileSync(path.join(out, 'mcp-mesh-export-agents', 'Chart.yaml'), 'utf8')).toContain(`version: "${version}"`);
  });

  test('validate checks everything synth checks and writes nothing', () => {
    const cwd = tmpdir();
    const before = tree(cwd);
    expect(run('validate', '-f', EXAMPLE, '--env', 'prod')).toEqual({ code: EXIT_OK, out: 'valid: MCPMesh "mcp-mesh" with 3 agents (environment prod)\n', err: '' });
    expect(tree(cwd)).toEqual(before);
  });

  test('crds prints the shipped CRDs, or copies them into -o', () => {
    const files = ['mcpagents.mesh.mcp.io.yaml', 'mcpmeshes.mesh.mcp.io.yaml'];
    const texts = files.map((f) => fs.readFileSync(path.join(ROOT, 'crds', f), 'utf8'));
    expect(run('crds')).toEqual({ code: EXIT_OK, out: texts.join('---\n'), err: '' });
    const out = tmpdir();
    expect(run('crds', '-o', out).code).toBe(EXIT_OK);
    expect(tree(out)).toEqual(Object.fromEntries(files.map((f, i) => [f, texts[i]])));
  });
});

const AGENT = (name: string, spec: string, extra = '') => `apiVersion: mesh.mcp.io/v1alpha1
kind: MCPAgent
metadata:
  name: ${name}${extra}
spec:
${spec.replace(/^/gm, '  ').trimEnd()}
`;
const PINNED = 'runtime:\n  python:\n    image: ghcr.io/acme/agent:1.0.0\n';

interface InvalidCase {
  name: string;
  files: Record<string, string>;
  args?: string[];
  /** Lines of stderr after the headline, in order. */
  errors: string[];
}

const INVALID: InvalidCase[] = [
  {
    name: 'unknown field',
    files: { 'weather.yaml': AGENT('weather', `${PINNED}replica: 2\n`) },
    errors: ['weather.yaml:9: document 1 (MCPAgent "weather"): spec.replica: 2 is not a known field here (strict field validation rejects it). Fix: did you mean "replicas"?'],
  },
  {
    name: 'wrong type',
    files: { 'weather.yaml': AGENT('weather', `${PINNED}port: "8080"\nheadlessService: "yes"\n`) },
    errors: [
      'weather.yaml:9: document 1 (MCPAgent "weather"): spec.port: "8080" is a string, not a number. Fix: write it without quotes: 8080',
      'weather.yaml:10: document 1 (MCPAgent "weather"): spec.headlessService: "yes" is a string, not true or false. Fix: write true or false',
    ],
  },
  {
    name: 'bad duration',
    files: { 'weather.yaml': AGENT('weather', `${PINNED}capabilities:\n  - name: weather_forecast\n    timeout: 10 seconds\n`) },
    errors: ['weather.yaml:11: document 1 (MCPAgent "weather"): spec.capabilities[0].timeout: "10 seconds" is not a duration. Fix: write whole hours, minutes and seconds such as "30s", "2m" or "1h30m"'],
  },
  {
    name: 'a dependency nobody provides: the library\'s own message',
    files: {
      'weather.yaml': AGENT('weather', `${PINNED}capabilities:\n  - name: weather_forecast\n`),
      'planner.yaml': AGENT('planner', `${PINNED}dependsOn:\n  - weather_forecast\n  - hotel_search\n`),
    },
    errors: ['planner.yaml:11: document 1 (MCPAgent "planner"): spec.dependsOn[1]: "hotel_search" is a capability that no agent in this mesh provides. Fix: depend on one of the capabilities that exist (weather_forecast), or add an agent that provides "hotel_search"'],
  },
  {
    name: 'two runtimes, no runtime, an unknown enum value',
    files: {
      'agents.yaml': `${AGENT('a', 'runtime:\n  python: { image: "x:1" }\n  custom: { image: "y:1" }\nlogLevel: VERBOSE\n')}---\n${AGENT('b', 'replicas: 1\n')}`,
    },
    errors: [
      'agents.yaml:6: document 1 (MCPAgent "a"): spec.runtime: sets python and custom, and only one of them can be chosen. Fix: set exactly one of python, custom',
      'agents.yaml:9: document 1 (MCPAgent "a"): spec.logLevel: "VERBOSE" is not an allowed value. Fix: use one of "TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"',
      'agents.yaml:15: document 2 (MCPAgent "b"): spec.runtime: is required. Fix: set runtime',
    ],
  },
  {
    name: 'a secret env var without its value',
    files: { 'weather.yaml': AGENT('weather', `${PINNED}secretEnv:\n  - name: API_KEY\n`) },
    errors: ['weather.yaml:10: document 1 (MCPAgent "weather"): spec.secretEnv[0]: sets none of secretKeyRef, unsafePlainText. Fix: set exactly one of secretKeyRef, unsafePlainText'],
  },
  {
    name: 'YAML that does not parse, and a duplicate key',
    files: {
      'broken.yaml': 'apiVersion: mesh.mcp.io/v1alpha1\nkind: MCPAgent\nmetadata:\n  name: x\n spec: {}\n',
      'twice.yaml': AGENT('twice', `${PINNED}replicas: 1\nreplicas: 2\n`),
    },
    errors: [
      expect.stringMatching(/^broken\.yaml:5: document 1: is not valid YAML: /),
      expect.stringMatching(/^twice\.yaml:10: document 1: is not valid YAML: Map keys must be unique/),
    ] as any,
  },
  {
    name: 'documents that are not MCP Mesh resources',
    files: {
      'deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n',
      'old.yaml': AGENT('old', PINNED).replace('mesh.mcp.io/v1alpha1', 'mesh.mcp.io/v1'),
      'list.yaml': '- a\n- b\n',
    },
    errors: [
      'deploy.yaml:2: document 1: kind: "apps/v1/Deployment" is not an MCP Mesh resource. Fix: pass only MCPMesh and MCPAgent documents (apiVersion: mesh.mcp.io/v1alpha1) to this command',
      'list.yaml:1: document 1: is not a Kubernetes object. Fix: write a map with apiVersion, kind, metadata and spec (an MCPMesh or MCPAgent), or remove the document',
      'old.yaml:1: document 1 (MCPAgent "old"): apiVersion: "mesh.mcp.io/v1" is not a version this release reads. Fix: use apiVersion: mesh.mcp.io/v1alpha1',
    ],
  },
  {
    name: 'no name, a second mesh, a name used twice, a namespace that is not the mesh\'s',
    files: {
      'a.yaml': `apiVersion: mesh.mcp.io/v1alpha1\nkind: MCPMesh\nmetadata:\n  name: travel\nspec:\n  namespace: travel\n---\napiVersion: mesh.mcp.io/v1alpha1\nkind: MCPMesh\nmetadata:\n  name: other\n`,
      'b.yaml': `${AGENT('weather', PINNED)}---\n${AGENT('weather', PINNED, '\n  namespace: default')}---\napiVersion: mesh.mcp.io/v1alpha1\nkind: MCPAgent\nmetadata: {}\nspec:\n  ${PINNED.replace(/\n(?=.)/g, '\n  ')}`,
    },
    errors: [
      'a.yaml:9: document 2 (MCPMesh "other"): kind: is a second MCPMesh (the first is "travel" in a.yaml, document 1). Fix: synthesize one mesh at a time: pass one MCPMesh and its agents',
      'b.yaml:13: document 2 (MCPAgent "weather"): metadata.name: "weather" is already the name of the agent in b.yaml, document 1. Fix: give every agent a unique name',
      'b.yaml:14: document 2 (MCPAgent "weather"): metadata.namespace: "default" is not the mesh\'s namespace "travel", where the agent is rendered. Fix: remove metadata.namespace, or set it to "travel"',
      'b.yaml:22: document 3 (MCPAgent): metadata.name: is required. Fix: name the agent',
    ],
  },
  {
    name: 'a source file that is not there, or set together with the script',
    files: {
      'a.yaml': AGENT('a', 'runtime:\n  python:\n    sourceFile: agents/a.py\n'),
      'b.yaml': AGENT('b', 'runtime:\n  python:\n    sourceFile: b.py\n    script: b.py\n'),
      'b.py': 'print("b")\n',
    },
    errors: [
      expect.stringMatching(/^a\.yaml:8: document 1 \(MCPAgent "a"\): spec\.runtime\.python\.sourceFile: "agents\/a\.py" cannot be read \(ENOENT at .*a\.py\)\. Fix: write the path relative to the file that declares the agent, to a file inside the source root \(the working directory, or --source-root\)$/),
      'b.yaml:8: document 1 (MCPAgent "b"): spec.runtime.python.sourceFile: "b.py" is set together with script, and only one of them can be the agent. Fix: remove script, or remove sourceFile',
    ] as any,
  },
  {
    name: 'an environment that is not a preset',
    files: {
      'mesh.yaml': 'apiVersion: mesh.mcp.io/v1alpha1\nkind: MCPMesh\nmetadata:\n  name: travel\nspec:\n  environments:\n    qa: {}\n',
      'a.yaml': AGENT('a', PINNED),
    },
    errors: [
      'mesh.yaml:7: document 1 (MCPMesh "travel"): spec.environments.qa: "qa" is not an environment preset. Fix: use dev, staging, prod',
    ],
  },
  {
    name: 'the constructs\' own checks of every agent, located in the files',
    files: {
      'a.yaml': AGENT('a', 'runtime:\n  python:\n    image: ghcr.io/acme/a\n'),
      'b.yaml': AGENT('b', `runtime:\n  custom: { image: "b:1" }\nsecretEnv:\n  - name: API_KEY\n    secretKeyRef: { name: Keys, key: api }\n`),
      'c.yaml': AGENT('c', `${PINNED}replicas: 2.5\n`),
    },
    errors: [
      'a.yaml:8: document 1 (MCPAgent "a"): spec.runtime.python.image: "ghcr.io/acme/a" is not pinned to a version (no tag, or "latest"). Fix: pin a version tag such as ":3.8.0" or a digest "@sha256:…", so that the same YAML always runs the same code',
      'b.yaml:10: document 1 (MCPAgent "b"): spec.secretEnv[0].secretKeyRef.name: "Keys" is not a valid DNS-1123 subdomain. Fix: use lowercase letters, digits, "-" and ".", e.g. "registry-db"',
      'c.yaml:9: document 1 (MCPAgent "c"): spec.replicas: 2.5 is not a whole number between 0 and 1000. Fix: set replicas from 0 to 1000',
    ],
  },
  {
    name: 'mesh-wide checks: the registry, heartbeats against its timeout',
    files: {
      'mesh.yaml': 'apiVersion: mesh.mcp.io/v1alpha1\nkind: MCPMesh\nmetadata:\n  name: travel\nspec:\n  registry:\n    timeoutThreshold: 12s\n',
      'a.yaml': AGENT('a', `${PINNED}heartbeatInterval: 5s\n`),
    },
    errors: [
      'a.yaml:9: document 1 (MCPAgent "a"): spec.heartbeatInterval: "5s" leaves room for fewer than 3 heartbeats within the registry\'s timeout threshold of 12s, so one slow beat marks the agent unhealthy. Fix: set heartbeatInterval to at most 4s, or raise registry.timeoutThreshold to at least 15s',
    ],
  },
  {
    name: 'prod without a highly available registry',
    files: {
      'mesh.yaml': 'apiVersion: mesh.mcp.io/v1alpha1\nkind: MCPMesh\nmetadata:\n  name: travel\nspec:\n  registry:\n    storage:\n      sqlite: { size: 2Gi }\n',
      'a.yaml': AGENT('a', PINNED),
    },
    args: ['--env', 'prod'],
    errors: [
      'mesh.yaml:7: document 1 (MCPMesh "travel"): spec.registry.storage: "sqlite" is not highly available, which the "prod" environment requires (a single SQLite registry is a single point of failure). Fix: set registry.storage to { postgres: { ... } }, { postgresFromParts: { ... } } or { postgresInCluster: { ... } } with replicas of 2 or more (with environment "prod")',
    ],
  },
  {
    name: 'kustomize: one environment that fails is enough to write nothing',
    files: {
      'mesh.yaml': 'apiVersion: mesh.mcp.io/v1alpha1\nkind: MCPMesh\nmetadata:\n  name: travel\nspec:\n  environments:\n    staging:\n      registry: { replicas: 2 }\n',
      'a.yaml': AGENT('a', PINNED),
    },
    args: ['--format', 'kustomize', '--env', 'dev,staging'],
    errors: [
      'mesh.yaml:8: document 1 (MCPMesh "travel"): spec.environments.staging.registry.replicas: 2 is more than the 1 replica that SQLite storage allows (each replica would get its own database and agents would see different meshes). Fix: set replicas to 1, or use storage: { postgres: { urlSecret: { name, key } } } for a highly available registry (with environment "staging")',
    ],
  },
];

describe('invalid files: exit 1, one line per problem, nothing written', () => {
  test.each(INVALID)('$name', ({ files, args, errors }) => {
    const dir = tmpdir();
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    const out = path.join(tmpdir(), 'out');
    // An earlier output stays as it was (for kustomize, which replaces its folder, an earlier Kustomize output).
    const earlier = (args ?? []).includes('kustomize') ? path.join('base', 'resources.yaml') : 'mesh.k8s.yaml';
    fs.mkdirSync(path.dirname(path.join(out, earlier)), { recursive: true });
    fs.writeFileSync(path.join(out, earlier), 'earlier output\n');
    const cwd = process.cwd();
    process.chdir(dir);
    let r: ReturnType<typeof run>;
    try {
      r = run('synth', '-f', '.', '-o', out, ...(args ?? []));
    } finally {
      process.chdir(cwd);
    }
    const lines = r.err.trimEnd().split('\n');
    expect({ code: r.code, out: r.out, headline: lines[0] }).toEqual({
      code: EXIT_INVALID_INPUT, out: '', headline: `cdk8s-mcp-mesh: ${errors.length} problem${errors.length === 1 ? '' : 's'} in the input, nothing was written:`,
    });
    expect(lines.slice(1).map((l) => l.replace(/^ {2}/, ''))).toEqual(errors);
    expect(tree(out)).toEqual({ [earlier]: 'earlier output\n' });
  });

  test('kustomize without --env writes every preset, and says so when one of them fails', () => {
    const dir = tmpdir();
    fs.writeFileSync(path.join(dir, 'a.yaml'), AGENT('a', PINNED));
    const out = path.join(dir, 'out');
    const r = run('synth', '-f', dir, '--format', 'kustomize', '-o', out);
    expect(r.code).toBe(EXIT_INVALID_INPUT);
    expect(r.err).toContain('  the mesh (no MCPMesh document: its defaults): registry.storage: "sqlite" is not highly available, which the "prod" environment requires');
    expect(r.err.trimEnd().split('\n').pop()).toBe('Hint: the kustomize format writes an overlay for every preset (dev, staging, prod) unless --env names the ones to write');
    expect(fs.existsSync(out)).toBe(false);
    expect(run('synth', '-f', dir, '--format', 'kustomize', '--env', 'dev,staging', '-o', out).code).toBe(EXIT_OK);
    expect(fs.readdirSync(path.join(out, 'overlays'))).toEqual(['dev', 'staging']);
  });

  test('a problem in a file given by path shows the path as given, relative to the working directory', () => {
    const dir = tmpdir();
    fs.writeFileSync(path.join(dir, 'weather.yaml'), AGENT('weather', `${PINNED}replicas: two\n`));
    const r = run('synth', '-f', path.join(dir, 'weather.yaml'), '-o', path.join(dir, 'out'));
    expect(r.code).toBe(EXIT_INVALID_INPUT);
    expect(r.err).toContain(`  ${path.join(dir, 'weather.yaml')}:9: document 1 (MCPAgent "weather"): spec.replicas: "two" is a string, not a number. Fix: write a number, e.g. 2\n`);
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });
});

describe('usage: exit 2', () => {
  test.each([
    [[], 'no command given'],
    [['deploy'], 'unknown command deploy'],
    [['synth', '-f', EXAMPLE, '--replicas', '2'], 'unknown option --replicas'],
    [['synth', '-f'], '-f needs a value'],
    [['synth'], 'no input: pass the MCPMesh and MCPAgent files or folders with -f'],
    [['synth', '-f', '/nonexistent/mesh.yaml'], '-f /nonexistent/mesh.yaml: no such file or folder'],
    [['synth', '-f', EXAMPLE, '--env', 'qa'], '--env qa: not an environment preset; use dev, staging, prod'],
    [['synth', '-f', EXAMPLE, '--env', 'dev', '--env', 'prod'], '--env: the yaml format synthesizes one environment; pass --env once'],
    [['synth', '-f', EXAMPLE, '--format', 'json'], '--format json: use yaml, kustomize or helm-export (the charts to configure at install time are in charts/)'],
    [['synth', '-f', EXAMPLE, '--chart-version', '1.0.0'], '--chart-version is for --format helm-export'],
    [['synth', '-f', EXAMPLE, 'extra.yaml'], 'unexpected argument extra.yaml (input files go after -f)'],
    [['validate', '-f', EXAMPLE, '-o', 'out'], 'validate writes nothing: -o is for synth and crds'],
    [['crds', '-f', EXAMPLE], 'crds takes only -o'],
  ])('%j', (args, message) => {
    const r = run(...args);
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.out).toBe('');
    expect(r.err.split('\n')[0]).toBe(`cdk8s-mcp-mesh: ${message}`);
    expect(r.err).toContain('Usage:');
  });

  test('kustomize refuses an output folder that holds other files (it replaces the folder)', () => {
    const out = tmpdir();
    fs.writeFileSync(path.join(out, 'README.md'), 'mine\n');
    const r = run('synth', '-f', EXAMPLE, '--format', 'kustomize', '-o', out);
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.err.split('\n')[0]).toBe(`cdk8s-mcp-mesh: -o ${out}: the kustomize format replaces the whole folder, and it holds other files (README.md). Pass an empty or new folder, or one that holds only a previous base/ and overlays/`);
    expect(tree(out)).toEqual({ 'README.md': 'mine\n' });
  });

  test('--help prints the usage and exits 0', () => {
    expect(run('--help')).toMatchObject({ code: EXIT_OK, out: expect.stringContaining('cdk8s-mcp-mesh synth -f <file or folder>') });
  });
});

describe('the compiled bin (npm run build first)', () => {
  const bin = path.join(ROOT, 'lib', 'src', 'cli', 'main.js');

  test('is a node script whose exit codes are 0, 1 and 2', () => {
    if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run npm run build (npm test does)`);
    expect(fs.readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    const out = tmpdir();
    const ok = spawnSync(process.execPath, [bin, 'synth', '-f', EXAMPLE, '-o', out], { encoding: 'utf8' });
    expect({ status: ok.status, stderr: ok.stderr }).toEqual({ status: 0, stderr: '' });
    expect(fs.existsSync(path.join(out, 'mcp-mesh.k8s.yaml'))).toBe(true);
    const dir = tmpdir();
    fs.writeFileSync(path.join(dir, 'a.yaml'), AGENT('a', `${PINNED}replica: 2\n`));
    const bad = spawnSync(process.execPath, [bin, 'synth', '-f', dir, '-o', path.join(dir, 'out')], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('spec.replica: 2 is not a known field here');
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
    expect(spawnSync(process.execPath, [bin, 'synth', '--format', 'json'], { encoding: 'utf8' }).status).toBe(2);
  });
});

test('MeshEnvironment presets of the file format are the library\'s', () => {
  for (const env of Object.keys(ENVIRONMENTS)) expect((MeshEnvironment as any)[env]().name).toBe(env);
});

test('the file format example of docs/declarative.md is valid against the CRDs', () => {
  const docs = fs.readFileSync(path.join(ROOT, 'docs', 'declarative.md'), 'utf8');
  const example = /```yaml\n([\s\S]*?)```/.exec(docs.slice(docs.indexOf('## The file format')))![1];
  const dir = tmpdir();
  fs.writeFileSync(path.join(dir, 'example.yaml'), example);
  const declared = readDeclarativeMesh([dir]);
  expect({ mesh: declared.mesh?.name, agents: declared.agents.map((a) => a.name) }).toEqual({ mesh: 'mcp-mesh', agents: ['planner'] });
  // With the two agents it depends on, it synthesizes in every environment.
  fs.writeFileSync(path.join(dir, 'providers.yaml'), `${AGENT('weather', `${PINNED}capabilities: [{ name: weather_forecast }]`)}---\n${AGENT('hotels', `${PINNED}capabilities: [{ name: hotel_search }]`)}`);
  expect(run('validate', '-f', dir, '--env', 'dev', '--env', 'staging').code).toBe(EXIT_OK);
});

describe('the command itself', () => {
  test('--version prints the package version', () => {
    const result = run('--version');
    expect(result).toEqual({ code: EXIT_OK, out: `${JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version}\n`, err: '' });
  });

  test('a reader that stops early (crds | head -1) ends it quietly, with no stack trace', () => {
    const piped = spawnSync('bash', ['-c', `node ${JSON.stringify(path.join(ROOT, 'lib', 'src', 'cli', 'main.js'))} crds | head -1`], { encoding: 'utf8' });
    expect(piped.stdout.split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(piped.stderr).toBe('');
  });
});
