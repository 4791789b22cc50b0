/**
 * The Python package: the wheel `npm run package:python` builds (jsii + jsii-pacmak), installed with `cdk8s` and
 * `constructs` from PyPI into a fresh virtualenv (scripts/python-tools.sh, cached outside the repo), as a Python
 * cdk8s user installs it. Every example under examples/ has a Python rendition in examples/python/ that must
 * write byte for byte the YAML of the TypeScript one; a Python user's mistakes must get the same errors as a
 * TypeScript user's; and jsii-diff holds the public API to the accepted one (api/cdk8s-mcp-mesh.jsii).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import { AgentRuntime, McpAgent, McpMesh, McpRegistry, NetworkPeer, writeManifests } from '../../src';
import { readmePythonExample } from '../util/readme';

const ROOT = path.resolve(__dirname, '..', '..');
const PYTHON_EXAMPLES = path.join(ROOT, 'examples', 'python');
// jsii's runtime warns on every start under Node 20 (end of life); the warning is not what these tests read.
const ENV = { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' };

let wheel: string;
let python: string;
let tmp: string;

beforeAll(() => {
  wheel = execFileSync('bash', [path.join(ROOT, 'scripts', 'package-jsii.sh'), 'python'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop()!;
  python = execFileSync('bash', [path.join(ROOT, 'scripts', 'python-tools.sh'), '--wheel', wheel], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop()!;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-mesh-python-'));
}, 300_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs a Python file (or `-c` code) with the venv's interpreter; returns its exit status and output. */
function runPython(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(python, args, { cwd: ROOT, encoding: 'utf8', env: { ...ENV, ...env }, timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every file under `dir`, relative, with its bytes. */
function tree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(path.relative(dir, full), fs.readFileSync(full));
    }
  };
  walk(dir);
  return files;
}

/** What the TypeScript program at `script` (compiled, under lib/) writes into a fresh CDK8S_OUTDIR. */
function typescriptOutput(script: string, name: string): string {
  const outdir = path.join(tmp, 'ts', name);
  execFileSync(process.execPath, [path.join(ROOT, 'lib', script)], { cwd: ROOT, env: { ...ENV, CDK8S_OUTDIR: outdir }, stdio: ['ignore', 'ignore', 'pipe'] });
  return outdir;
}

function pythonOutput(file: string, name: string): string {
  const outdir = path.join(tmp, 'py', name);
  const run = runPython([path.join(PYTHON_EXAMPLES, file)], { CDK8S_OUTDIR: outdir });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  return outdir;
}

function expectSameTree(pythonDir: string, typescriptDir: string): void {
  const py = tree(pythonDir);
  const ts = tree(typescriptDir);
  expect([...py.keys()]).toEqual([...ts.keys()]);
  expect(ts.size).toBeGreaterThan(0);
  for (const [file, bytes] of ts) {
    // toEqual on the text shows the first difference; the byte check is the claim.
    if (!bytes.equals(py.get(file)!)) expect(`${file}:\n${py.get(file)!.toString('utf8')}`).toEqual(`${file}:\n${bytes.toString('utf8')}`);
  }
}

describe('the wheel', () => {
  test('is the distribution cdk8s-mcp-mesh with the module cdk8s_mcp_mesh, requiring cdk8s 2 and constructs 10; the CLI is its console script', () => {
    expect(path.basename(wheel)).toMatch(/^cdk8s_mcp_mesh-\d+\.\d+\.\d+-py3-none-any\.whl$/);
    const info = runPython(['-c', [
      'import importlib.metadata as m, cdk8s_mcp_mesh, cdk8s',
      'd = m.distribution("cdk8s-mcp-mesh")',
      'print(d.version); print(sorted(r.split(" ")[0] for r in d.requires)); print(cdk8s_mcp_mesh.McpMesh.__module__)',
    ].join('\n')]);
    expect(info.stderr).toBe('');
    const [version, requires, module] = info.stdout.trim().split('\n');
    expect(version).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
    expect(requires).toBe("['cdk8s', 'constructs', 'jsii', 'publication']");
    expect(module).toBe('cdk8s_mcp_mesh');
    const cli = spawnSync(path.join(path.dirname(python), 'cdk8s-mcp-mesh'), ['--help'], { encoding: 'utf8', env: ENV });
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain('synth');
  });
});

describe('the Python examples write the YAML of the TypeScript ones, byte for byte', () => {
  test('examples/python/main.py is the default app (src/main.ts)', () => {
    expectSameTree(pythonOutput('main.py', 'default'), typescriptOutput(path.join('src', 'main.js'), 'default'));
  }, 120_000);

  const examples = fs.readdirSync(path.join(ROOT, 'examples'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(ROOT, 'examples', e.name, 'main.ts')))
    .map((e) => e.name)
    .sort();

  test('every example has a Python rendition', () => {
    expect(examples.length).toBeGreaterThanOrEqual(6);
    expect(examples.filter((name) => !fs.existsSync(path.join(PYTHON_EXAMPLES, `${name}.py`)))).toEqual([]);
  });

  test.each(examples)('examples/python/%s.py', (name) => {
    expectSameTree(pythonOutput(`${name}.py`, name), typescriptOutput(path.join('examples', name, 'main.js'), name));
  }, 120_000);

  test("cdk8s's own app.synth() from Python writes what it writes from TypeScript", () => {
    const outdir = path.join(tmp, 'py-app-synth');
    const run = runPython(['-c', [
      'import sys, runpy', `sys.path.insert(0, ${JSON.stringify(PYTHON_EXAMPLES)})`,
      'from cdk8s import App', 'import main', `main.build_app(App(outdir=${JSON.stringify(outdir)})).synth()`,
    ].join('\n')]);
    expect(run.stderr).toBe('');
    const expected = path.join(tmp, 'ts-app-synth');
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { buildDefaultApp } = require(path.join(ROOT, 'lib', 'src', 'main.js'));
    buildDefaultApp(new App({ outdir: expected })).synth();
    expectSameTree(outdir, expected);
  }, 120_000);
});

test("the README's Python example runs as written: the weather agent and the registry, into CDK8S_OUTDIR", () => {
  const outdir = path.join(tmp, 'readme');
  const run = runPython(['-c', readmePythonExample()], { CDK8S_OUTDIR: outdir });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  const yaml = fs.readFileSync(path.join(outdir, 'travel.k8s.yaml'), 'utf8');
  for (const text of ['kind: StatefulSet', 'name: mcp-mesh-registry', 'kind: Deployment', 'name: weather', 'namespace: travel', 'kind: NetworkPolicy']) {
    expect(yaml).toContain(text);
  }
}, 60_000);

describe('what the constructs expose reads from Python as from TypeScript', () => {
  test('the mesh model (agents, capabilities, providers, the registry), an agent\'s and the registry\'s model, the alert rules', () => {
    const run = runPython(['-c', [
      'import json', 'from cdk8s import App, Chart', 'from cdk8s_mcp_mesh import *',
      'chart = Chart(App(outdir="/nonexistent"), "test", disable_resource_name_hashes=True)',
      'rt = lambda n: AgentRuntime.python(image=f"ghcr.io/x/{n}:1", script=f"{n}.py")',
      'mesh = McpMesh(chart, "Mesh", namespace="ns", observability=McpObservabilityOptions(), agents=[',
      '  McpMeshAgentProps(name="weather", runtime=rt("weather"), capabilities=[CapabilityProps(name="weather_forecast")]),',
      '  McpMeshAgentProps(name="planner", runtime=rt("planner"), depends_on=["weather_forecast"])])',
      'm = mesh.model',
      'print(json.dumps({"agents": [a.name for a in m.agents], "capabilities": [c.name for c in m.agent("weather").capabilities],',
      '  "providers": [a.name for a in m.providers_of("weather_forecast")], "providersFor": [a.name for a in m.providers_for("planner")],',
      '  "registryUrl": m.registry.url, "registryPort": mesh.registry.model.port, "serviceHost": mesh.agents[0].model.service_host,',
      '  "rules": [[g.name, [r.alert or r.record for r in g.rules]] for g in mesh.observability.rule_groups()]}))',
    ].join('\n')]);
    expect(run.stderr).toBe('');
    const chart = new Chart(new App({ outdir: '/nonexistent' }), 'test', { disableResourceNameHashes: true });
    const rt = (n: string) => AgentRuntime.python({ image: `ghcr.io/x/${n}:1`, script: `${n}.py` });
    const mesh = new McpMesh(chart, 'Mesh', {
      namespace: 'ns', observability: {},
      agents: [{ name: 'weather', runtime: rt('weather'), capabilities: [{ name: 'weather_forecast' }] }, { name: 'planner', runtime: rt('planner'), dependsOn: ['weather_forecast'] }],
    });
    const m = mesh.model;
    const expected = {
      agents: m.agents.map((a) => a.name), capabilities: m.agent('weather')!.capabilities.map((c) => c.name),
      providers: m.providersOf('weather_forecast').map((a) => a.name), providersFor: m.providersFor('planner').map((a) => a.name),
      registryUrl: m.registry.url, registryPort: mesh.registry.model.port, serviceHost: mesh.agents[0].model.serviceHost,
      rules: mesh.observability!.ruleGroups().map((g) => [g.name, g.rules.map((r) => r.alert ?? r.record)]),
    };
    expect(JSON.parse(run.stdout)).toEqual(expected);
    expect(expected.rules.flatMap(([, rules]) => rules as string[]).length).toBeGreaterThan(5);
  });

  test('a standalone agent on a registry elsewhere (McpRegistry.from_url) writes what TypeScript writes', () => {
    const outdir = path.join(tmp, 'py-from-url');
    const run = runPython(['-c', [
      'from cdk8s import App, Chart', 'from cdk8s_mcp_mesh import *',
      `app = App(outdir=${JSON.stringify(outdir)})`, 'chart = Chart(app, "agent", disable_resource_name_hashes=True)',
      'McpAgent(chart, "Weather", name="weather", namespace="travel", registry=McpRegistry.from_url("http://mcp-mesh-registry.mesh.svc.cluster.local:8000"),',
      '         runtime=AgentRuntime.python(image="ghcr.io/x/weather:1.0.0", script="weather.py"), capabilities=[CapabilityProps(name="weather_forecast")])',
      'MeshManifests.write(app)',
    ].join('\n')]);
    expect(run.stderr).toBe('');
    const expected = path.join(tmp, 'ts-from-url');
    const app = new App({ outdir: expected });
    new McpAgent(new Chart(app, 'agent', { disableResourceNameHashes: true }), 'Weather', {
      name: 'weather', namespace: 'travel', registry: McpRegistry.fromUrl('http://mcp-mesh-registry.mesh.svc.cluster.local:8000'),
      runtime: AgentRuntime.python({ image: 'ghcr.io/x/weather:1.0.0', script: 'weather.py' }), capabilities: [{ name: 'weather_forecast' }],
    });
    writeManifests(app);
    expectSameTree(outdir, expected);
    expect(fs.readFileSync(path.join(outdir, 'agent.k8s.yaml'), 'utf8')).toContain('http://mcp-mesh-registry.mesh.svc.cluster.local:8000');
  });
});

describe("a Python user's mistakes", () => {
  const preamble = [
    'from cdk8s import App, Chart, Duration',
    'from cdk8s_mcp_mesh import *',
    'chart = Chart(App(outdir="/nonexistent"), "test", disable_resource_name_hashes=True)',
  ];
  /** Runs `body` after the preamble; prints the exception's type and message. */
  function pythonError(body: string[]): { type: string; message: string } {
    const run = runPython(['-c', [...preamble, 'try:', ...body.map((l) => `    ${l}`), 'except Exception as e:', '    print(type(e).__name__); print(e, end="")', 'else:', '    print("no error")'].join('\n')]);
    expect(run.stderr).toBe('');
    const [type, ...message] = run.stdout.split('\n');
    return { type, message: message.join('\n') };
  }
  function typescriptError(build: () => void): string {
    try {
      build();
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('no error');
  }

  test('bad values: every problem of the mesh at once, the same text as in TypeScript (field, value, fix)', () => {
    const py = pythonError([
      'McpMesh(chart, "Mesh", namespace="Bad_NS", agents=[',
      '    McpMeshAgentProps(name="weather", runtime=AgentRuntime.python(image="ghcr.io/x/weather:1", script="w.py"), replicas=-1,',
      '                      capabilities=[CapabilityProps(name="weather forecast")]),',
      '    McpMeshAgentProps(name="planner", runtime=AgentRuntime.python(image="ghcr.io/x/planner:1", script="p.py"), depends_on=["forecast"]),',
      '])',
    ]);
    const ts = typescriptError(() => {
      const chart = new Chart(new App({ outdir: '/nonexistent' }), 'test', { disableResourceNameHashes: true });
      new McpMesh(chart, 'Mesh', {
        namespace: 'Bad_NS',
        agents: [
          {
            name: 'weather', runtime: AgentRuntime.python({ image: 'ghcr.io/x/weather:1', script: 'w.py' }), replicas: -1,
            capabilities: [{ name: 'weather forecast' }],
          },
          { name: 'planner', runtime: AgentRuntime.python({ image: 'ghcr.io/x/planner:1', script: 'p.py' }), dependsOn: ['forecast'] },
        ],
      });
    });
    expect(py.type).toBe('RuntimeError');
    expect(py.message).toBe(ts);
    expect(ts).toMatch(/^4 problems:/);
    for (const field of ['namespace: "Bad_NS"', 'agents.weather.replicas: -1', 'agents.weather.capabilities[0].name: "weather forecast"', 'agents.planner.dependsOn[0]: "forecast"']) {
      expect(py.message).toContain(field);
    }
    expect(py.message.match(/Fix: /g)).toHaveLength(4);
  });

  test('a bad value in a factory: the field and the fix', () => {
    const py = pythonError(['McpMesh(chart, "Mesh", namespace="ns", agents=[McpMeshAgentProps(name="a", runtime=AgentRuntime.python(image="Not An Image!", script="a.py"))])']);
    const ts = typescriptError(() => new McpMesh(new Chart(new App({ outdir: '/nonexistent' }), 'test', { disableResourceNameHashes: true }), 'Mesh', {
      namespace: 'ns', agents: [{ name: 'a', runtime: AgentRuntime.python({ image: 'Not An Image!', script: 'a.py' }) }],
    }));
    expect(py).toEqual({ type: 'RuntimeError', message: ts });
    expect(ts).toContain('agents.a.runtime.image: "Not An Image!"');
  });

  test('an error raised by a method (add_agent) carries jsii\'s "MeshValidationError: " prefix before the same text', () => {
    const py = pythonError([
      'mesh = McpMesh(chart, "Mesh", namespace="ns")',
      'mesh.add_agent(name="b", runtime=AgentRuntime.python(image="ghcr.io/x/b:1", script="b.py"), replicas=-1)',
    ]);
    const ts = typescriptError(() => new McpMesh(new Chart(new App({ outdir: '/nonexistent' }), 'test', { disableResourceNameHashes: true }), 'Mesh', { namespace: 'ns' })
      .addAgent({ name: 'b', runtime: AgentRuntime.python({ image: 'ghcr.io/x/b:1', script: 'b.py' }), replicas: -1 }));
    expect(py).toEqual({ type: 'RuntimeError', message: `MeshValidationError: ${ts}` });
  });

  test('a standalone agent named by a construct id that is no agent name: the error says to pass name', () => {
    const py = pythonError(['McpAgent(chart, "Weather", registry=McpRegistry.from_url("http://reg.mesh.svc:8000"), runtime=AgentRuntime.python(image="ghcr.io/x/w:1", script="w.py"))']);
    expect(py.type).toBe('RuntimeError');
    expect(py.message).toBe('agents.Weather.name: "Weather" is not a valid DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit); '
      + 'it is the construct id, which names the agent when name is not given. Fix: pass name (the agent\'s name in the registry and of its objects): use a name such as "weather"');
  });

  test('a misspelt keyword, in props or in a factory, is a TypeError naming it (Python checks keywords)', () => {
    expect(pythonError(['McpMeshAgentProps(name="a", runtime=AgentRuntime.python(image="ghcr.io/x/a:1", script="a.py"), depend_on=["x"])']))
      .toEqual({ type: 'TypeError', message: "McpMeshAgentProps.__init__() got an unexpected keyword argument 'depend_on'" });
    expect(pythonError(['AgentRuntime.python(imagee="ghcr.io/x/a:1")']))
      .toEqual({ type: 'TypeError', message: "AgentRuntime.python() got an unexpected keyword argument 'imagee'" });
    expect(pythonError(['McpMesh(chart, "Mesh", namespce="ns")']).message).toContain("unexpected keyword argument 'namespce'");
  });

  test('a wrong type is a TypeError naming the argument (jsii checks types)', () => {
    const wrong = pythonError(['McpMeshAgentProps(name="a", runtime=AgentRuntime.python(image="ghcr.io/x/a:1", script="a.py"), replicas="2")']);
    expect(wrong.type).toBe('TypeError');
    expect(wrong.message).toContain('replicas');
    expect(wrong.message).toContain('str');
  });

  test('known limit: in a plain dict given for a struct, jsii\'s runtime drops unknown keys before the library sees them (the README says to use the struct classes)', () => {
    // If this starts failing, jsii began to refuse unknown keys: drop the caveat from the README and docs/python.md.
    const dropped = pythonError([
      'mesh = McpMesh(chart, "Mesh", namespace="ns", agents=[{"name": "a", "runtime": AgentRuntime.python(image="ghcr.io/x/a:1", script="a.py"), "depends_on": ["nothing"]}])',
    ]);
    expect(dropped).toEqual({ type: 'no error', message: '' });
    // The camelCase key of the TypeScript prop does arrive, and is checked.
    const camel = pythonError([
      'McpMesh(chart, "Mesh", namespace="ns", agents=[{"name": "a", "runtime": AgentRuntime.python(image="ghcr.io/x/a:1", script="a.py"), "dependsOn": ["nothing"]}])',
    ]);
    expect(camel.type).toBe('RuntimeError');
    expect(camel.message).toContain('agents.a.dependsOn[0]: "nothing" is a capability that no agent in this mesh provides');
    // A dict given for one struct prop is made into its class: snake_case keywords, checked like the class.
    expect(pythonError(['McpMesh(chart, "Mesh", namespace="ns", registry={"replicas": -1})']).message).toContain('registry.replicas: -1');
    expect(pythonError(['McpMesh(chart, "Mesh", namespace="ns", registry={"timeoutThreshold": Duration.seconds(20)})']))
      .toEqual({ type: 'TypeError', message: "McpRegistryOptions.__init__() got an unexpected keyword argument 'timeoutThreshold'" });
  });
});

test('docs/api-python.md is jsii-docgen\'s reference of the current API (npm run docs:api:python)', () => {
  // Throws, with the script's message, when the file differs from a fresh generation from the wheel's assembly.
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'api-docs-python.js'), '--check'], { cwd: ROOT, stdio: 'pipe', env: ENV });
}, 60_000);

describe('the public API, held by jsii-diff', () => {
  const BASELINE = path.join(ROOT, 'api', 'cdk8s-mcp-mesh.jsii');
  /** A package folder jsii-diff can load (its dependencies resolve from the repo's node_modules). */
  function packageDir(name: string, assembly: string): string {
    const dir = path.join(ROOT, '.cache', 'jsii-diff', name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
    fs.writeFileSync(path.join(dir, '.jsii'), assembly);
    return dir;
  }
  function jsiiDiff(original: string, updated: string) {
    return spawnSync(path.join(ROOT, 'node_modules', '.bin', 'jsii-diff'), [original, updated], { cwd: ROOT, encoding: 'utf8', env: ENV });
  }
  const built = () => fs.readFileSync(path.join(ROOT, 'dist-jsii', '.jsii'), 'utf8');

  test('no incompatible change against the accepted API (npm run api:accept records an intended one)', () => {
    const diff = jsiiDiff(packageDir('baseline', fs.readFileSync(BASELINE, 'utf8')), packageDir('current', built()));
    expect(diff.stdout + diff.stderr).not.toContain('err ');
    expect(diff.status).toBe(0);
  });

  test('negative control: a prop turned required, or a type removed, fails it', () => {
    const assembly = JSON.parse(built());
    const namespace = assembly.types['cdk8s-mcp-mesh.McpMeshProps'].properties.find((p: any) => p.name === 'namespace');
    expect(namespace.optional).toBe(true);
    delete namespace.optional;
    const required = jsiiDiff(packageDir('baseline', built()), packageDir('changed', JSON.stringify(assembly)));
    expect(required.status).not.toBe(0);
    expect(required.stdout + required.stderr).toContain("cdk8s-mcp-mesh.McpMeshProps: newly required property 'namespace' used to be optional");

    const without = JSON.parse(built());
    delete without.types['cdk8s-mcp-mesh.MeshManifests'];
    const removed = jsiiDiff(packageDir('baseline', built()), packageDir('changed', JSON.stringify(without)));
    expect(removed.status).not.toBe(0);
    expect(removed.stdout + removed.stderr).toContain('cdk8s-mcp-mesh.MeshManifests');
  });
});

/**
 * A generated corpus of bad values through the Python API, each against the same props through TypeScript:
 * every place a Python user types a name, a number, a duration, a quantity, an image, a host or a label
 * (struct classes, as docs/python.md says to write them; test/python/corpus_runner.py builds them from the
 * case). Where TypeScript refuses the props, Python must raise the same text; where it accepts them, so must
 * Python; a value of the wrong type is a TypeError naming the keyword.
 */
describe('the bad-value corpus through Python', () => {
  type Props = Record<string, any>;
  const pythonRuntime = (image: string, script = 'weather.py') => ({ $python: { image, script } });
  const seconds = (n: number) => ({ $duration: n });
  const BASE: Props = {
    namespace: 'corpus',
    security: { ingressController: { $podsInNamespace: ['ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }] } },
    registry: { replicas: 1, port: 8000, timeoutThreshold: seconds(20), resources: { cpuRequest: '100m', memoryLimit: '256Mi' } },
    agents: [
      {
        name: 'weather', runtime: pythonRuntime('ghcr.io/example/weather:1.0.0'), replicas: 2, port: 8080,
        capabilities: [{ name: 'weather_forecast', version: '1.0.0', timeout: seconds(10), tags: ['weather'] }],
        heartbeatInterval: seconds(5), retryAttempts: 2, env: [{ name: 'UNITS', value: 'metric' }],
        resources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
        expose: { host: 'weather.example.com', ingressClassName: 'nginx' },
        nodeSelector: { 'kubernetes.io/arch': 'arm64' }, podAnnotations: { 'example.com/team': 'travel' },
      },
      { name: 'planner', runtime: pythonRuntime('ghcr.io/example/planner:1.0.0', 'planner.py'), dependsOn: ['weather_forecast'], meshNamespace: 'travel' },
    ],
  };
  const w = ['agents', 0];
  const names = ['', 'UPPER', 'under_score', '-lead', 'trail-', 'a.b', 'a'.repeat(64), 'ok-name'];
  const counts = [-1, 1.5, 70000, 1e9, 0];
  const durations = [0, 0.0001, 1e9, 1.5];
  const quantities = ['', '100x', '1.5.5', 'abc', '-1', '2Gi', '0.5'];
  const fields: Array<[Array<string | number>, unknown[]]> = [
    [['namespace'], [...names, 'kube-system', 'default']],
    [[...w, 'name'], [...names, 'planner']],
    [[...w, 'replicas'], counts],
    [[...w, 'port'], [0, 80, 8000, 65536, 1.5, 9090]],
    [[...w, 'retryAttempts'], counts],
    [[...w, 'heartbeatInterval'], durations.map(seconds)],
    [[...w, 'capabilities', 0, 'name'], ['', 'has space', '1abc', 'a'.repeat(64), 'x.y-z_1', 'weather_forecast!']],
    [[...w, 'capabilities', 0, 'version'], ['', 'v1', '1.0', '1.0.0-rc.1', 'x'.repeat(200)]],
    [[...w, 'capabilities', 0, 'timeout'], durations.map(seconds)],
    [[...w, 'capabilities', 0, 'tags'], [[''], ['has space'], ['a'.repeat(300)], ['weather', 'weather']]],
    [[...w, 'resources', 'cpuRequest'], quantities],
    [[...w, 'resources', 'memoryLimit'], [...quantities, '64Mi']],
    [[...w, 'env', 0, 'name'], ['', '1ABC', 'A-B', 'a b', 'MCP_MESH_REGISTRY_URL', 'PATH']],
    [[...w, 'expose', 'host'], ['', 'UPPER.example.com', 'a..b', 'http://x.example.com', '*', 'x.example.com:80']],
    [[...w, 'runtime'], ['', 'UPPER/x:1', 'x:', 'a b', 'ghcr.io/x/y@sha256:abc'].map((image) => pythonRuntime(image))],
    [[...w, 'nodeSelector'], [{ '': 'x' }, { 'bad key!': 'x' }, { 'kubernetes.io/arch': 'bad value!' }, { ['a'.repeat(70)]: 'x' }]],
    [[...w, 'podAnnotations'], [{ 'bad key!': 'x' }, { 'checksum/config': 'x' }]],
    [['agents', 1, 'dependsOn'], [['nothing'], [''], ['weather_forecast', 'weather_forecast']]],
    [['agents', 1, 'meshNamespace'], names],
    [['registry', 'replicas'], counts],
    [['registry', 'port'], [0, 8080, 65536, 1.5]],
    [['registry', 'timeoutThreshold'], durations.map(seconds)],
    [['registry', 'resources', 'cpuRequest'], quantities],
  ];
  // Values of the wrong type: Python (or jsii's runtime) refuses them before the library sees them.
  const wrongTypes: Array<[Array<string | number>, unknown, string]> = [
    [[...w, 'replicas'], '2', 'replicas'], [[...w, 'port'], true, 'port'], [['namespace'], 7, 'namespace'],
    [[...w, 'capabilities', 0, 'tags'], 'weather', 'tags'], [[...w, 'internetEgress'], 'yes', 'internet_egress'],
    [['registry', 'replicas'], '3', 'replicas'], [[...w, 'heartbeatInterval'], 5, 'heartbeat_interval'],
  ];
  const cases = [
    ...fields.flatMap(([p, values]) => values.map((value) => ({ path: p, value }))),
    ...wrongTypes.map(([p, value]) => ({ path: p, value })),
  ].map((c, id) => ({ id, ...c }));

  /** The props of a case as TypeScript takes them. */
  function typescriptProps(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(typescriptProps);
    if (value === null || typeof value !== 'object') return value;
    const v = value as Props;
    if ('$duration' in v) return Duration.seconds(v.$duration);
    if ('$python' in v) return AgentRuntime.python(v.$python);
    if ('$podsInNamespace' in v) return NetworkPeer.podsInNamespace(v.$podsInNamespace[0], v.$podsInNamespace[1]);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typescriptProps(x)]));
  }
  function typescriptResult(c: { path: Array<string | number>; value: unknown }): { type: string; message: string } {
    const props = JSON.parse(JSON.stringify(BASE));
    let target = props;
    for (const key of c.path.slice(0, -1)) target = target[key];
    target[c.path[c.path.length - 1]] = c.value;
    try {
      new McpMesh(new Chart(new App({ outdir: '/nonexistent' }), 'test', { disableResourceNameHashes: true }), 'Mesh', typescriptProps(props) as any);
      return { type: 'ok', message: '' };
    } catch (e) {
      return { type: (e as Error).name, message: (e as Error).message };
    }
  }

  test('the base props are valid (so every refusal is the case\'s own)', () => {
    expect(typescriptResult({ path: ['namespace'], value: 'corpus' })).toEqual({ type: 'ok', message: '' });
  });

  test(`${cases.length} cases: the same verdict and the same error text as TypeScript, every refusal with its fix`, () => {
    const run = spawnSync(python, [path.join(__dirname, 'corpus_runner.py')], {
      input: JSON.stringify({ base: BASE, cases }), encoding: 'utf8', env: ENV, timeout: 240_000, maxBuffer: 64 * 1024 * 1024,
    });
    expect(run.stderr).toBe('');
    const results = new Map(run.stdout.trim().split('\n').map((line) => JSON.parse(line)).map((r) => [r.id, r]));
    expect(results.size).toBe(cases.length);
    const wrongTypeIds = new Set(cases.slice(cases.length - wrongTypes.length).map((c) => c.id));
    const mismatches: string[] = [];
    let refused = 0;
    let jsiiRefused = 0;
    for (const c of cases) {
      const py = results.get(c.id)!;
      const where = `${c.path.join('.')} = ${JSON.stringify(c.value)}`;
      if (wrongTypeIds.has(c.id)) {
        // Python's type check names the keyword; what it lets through (True is an int, a str is a sequence of
        // str) jsii's runtime refuses, naming the key (every level of it) and the value.
        const keyword = wrongTypes[c.id - (cases.length - wrongTypes.length)][2];
        const byPython = py.type === 'TypeError' && py.message.includes(keyword);
        const byJsii = py.type === 'RuntimeError' && py.message.includes(`Key '${c.path[c.path.length - 1]}': Unable to deserialize`);
        if (!byPython && !byJsii) mismatches.push(`${where}: Python ${py.type} ${py.message}`);
        if (byJsii) jsiiRefused++;
        continue;
      }
      const ts = typescriptResult(c);
      if (ts.type === 'ok') {
        if (py.type !== 'ok') mismatches.push(`${where}: TypeScript accepts, Python ${py.type}: ${py.message}`);
        continue;
      }
      refused++;
      if (py.type !== 'RuntimeError' || py.message !== ts.message) mismatches.push(`${where}:\n  TypeScript: ${ts.message}\n  Python: ${py.type}: ${py.message}`);
      if (!ts.message.includes('Fix: ')) mismatches.push(`${where}: no fix in ${ts.message}`);
    }
    console.log(`python corpus: ${cases.length} cases; ${refused} refused with TypeScript's text, ${cases.length - wrongTypes.length - refused} accepted by both, `
      + `${wrongTypes.length} of the wrong type refused (${wrongTypes.length - jsiiRefused} by Python's type check, ${jsiiRefused} by jsii's runtime)`);
    expect(mismatches).toEqual([]);
    // Most cases are refusals (the corpus is of bad values; a few valid ones keep the acceptance honest).
    expect(refused).toBeGreaterThan(cases.length * 0.6);
    expect(refused).toBeLessThan(cases.length - wrongTypes.length);
    expect(jsiiRefused).toBeLessThan(wrongTypes.length);
  }, 300_000);
});
