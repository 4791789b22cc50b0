/**
 * The package as users get it: `npm pack` of the built library, unpacked into a project's node_modules next
 * to its peer dependencies, then used the three ways the README gives: `require`/`import` of the main entry
 * (JavaScript and TypeScript through the published .d.ts files) and the `cdk8s-mcp-mesh` CLI, which must
 * find the CRDs it validates against inside the package. Needs `npm run build` first (npm test does it).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readmeExample } from './util/readme';

const ROOT = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
/** What a user's project has installed beside the package: its dependencies and peer dependencies. */
const INSTALLED = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];

let project: string;
let installed: string;
let packed: string[];

beforeAll(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-mesh-package-'));
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', project], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [info] = JSON.parse(out);
  packed = info.files.map((f: { path: string }) => f.path);
  installed = path.join(project, 'node_modules', pkg.name);
  fs.mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', path.join(project, info.filename), '-C', installed, '--strip-components=1']);
  for (const dep of INSTALLED) fs.symlinkSync(path.join(ROOT, 'node_modules', dep), path.join(project, 'node_modules', dep), 'dir');
}, 120_000);

afterAll(() => {
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

test('the entry points it declares are in it, and nothing of the tests, benchmarks or examples', () => {
  for (const file of [pkg.main, pkg.types, ...Object.values(pkg.bin as Record<string, string>)]) {
    expect([file, packed.includes(file)]).toEqual([file, true]);
  }
  expect(packed).toEqual(expect.arrayContaining(['crds/mcpagents.mesh.mcp.io.yaml', 'crds/mcpmeshes.mesh.mcp.io.yaml', 'README.md']));
  expect(packed.filter((f) => /^lib\/(test|bench|examples)\//.test(f))).toEqual([]);
});

test('it holds a LICENSE, and every relative link of its README and docs resolves to a file inside it (the bundled yaml package\'s own docs aside)', () => {
  expect(packed).toEqual(expect.arrayContaining(['LICENSE', 'README.md']));
  // yaml is bundled: jsii's runtime (the Python package) loads the tarball without installing dependencies.
  expect(packed).toContain('node_modules/yaml/package.json');
  expect(fs.readFileSync(path.join(installed, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0/);
  expect(pkg.license).toBe('Apache-2.0');
  const documents = packed.filter((f) => f.endsWith('.md') && !f.startsWith('lib/') && !f.startsWith('node_modules/'));
  expect(documents.length).toBeGreaterThan(5);
  const broken: string[] = [];
  for (const doc of documents) {
    const text = fs.readFileSync(path.join(installed, doc), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target) || target.startsWith('#')) continue;
      const file = path.normalize(path.join(path.dirname(doc), target.replace(/#.*$/, '')));
      if (!packed.includes(file)) broken.push(`${doc} -> ${target}`);
    }
  }
  expect(broken).toEqual([]);
});

test('the cdk8s bindings of the MCPMesh/MCPAgent resources ship compiled and can be required', () => {
  const script = `
    const { App, Chart } = require('cdk8s');
    const { McpAgent } = require('${pkg.name}/lib/imports/mesh.mcp.io');
    const chart = new Chart(new App(), 'demo');
    new McpAgent(chart, 'Weather', { metadata: { name: 'weather' }, spec: { runtime: { python: { image: 'ghcr.io/example/weather:1.0.0' } } } });
    console.log(JSON.stringify(chart.toJson()[0]));
  `;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: project, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(JSON.parse(r.stdout)).toMatchObject({ apiVersion: 'mesh.mcp.io/v1alpha1', kind: 'MCPAgent', metadata: { name: 'weather' } });
  expect(packed.filter((f) => f.startsWith('imports/'))).toEqual([]);
});

test('require() of the package builds and synthesizes a mesh', () => {
  const script = `
    const { App, Chart } = require('cdk8s');
    const { McpMesh, AgentRuntime } = require('${pkg.name}');
    const chart = new Chart(new App(), 'demo', { disableResourceNameHashes: true });
    new McpMesh(chart, 'Mesh', { agents: [{ name: 'weather', runtime: AgentRuntime.python({ image: 'ghcr.io/example/weather:1.0.0', script: 'weather.py' }) }] });
    console.log(chart.toJson().map((o) => o.kind + '/' + o.metadata.name).join(' '));
  `;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: project, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.stdout.trim().split(' ')).toEqual(expect.arrayContaining(['StatefulSet/mcp-mesh-registry', 'Deployment/weather', 'NetworkPolicy/weather']));
});

test('TypeScript compiles against the published type declarations', () => {
  fs.writeFileSync(path.join(project, 'main.ts'), [
    `import { App, Chart, Duration } from 'cdk8s';`,
    `import { AgentRuntime, McpMesh, RegistryStorage, SecretValue } from '${pkg.name}';`,
    `const chart = new Chart(new App(), 'demo');`,
    `const mesh: McpMesh = new McpMesh(chart, 'Mesh', { registry: { storage: RegistryStorage.sqlite({ size: '1Gi' }) } });`,
    `mesh.addAgent({ name: 'weather', runtime: AgentRuntime.python({ image: 'x:1', script: 'a.py' }), callTimeout: Duration.seconds(30),`,
    `  secretEnv: [{ name: 'API_KEY', value: SecretValue.fromSecretKey('keys', 'api') }] });`,
    // A prop that does not exist must fail: the check compiles against real types, not `any`.
    `// @ts-expect-error`,
    `mesh.addAgent({ name: 'typo', runtime: AgentRuntime.python({ image: 'x:1', script: 'a.py' }), replicaz: 2 });`,
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, module: 'commonjs', moduleResolution: 'node', target: 'ES2022', types: [], skipLibCheck: true },
    files: ['main.ts'],
  }));
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { cwd: project, encoding: 'utf8' });
  expect(`${r.stdout}${r.stderr}`).toBe('');
  expect(r.status).toBe(0);
});

test('the README example compiles against the package\'s types and runs with the package as its import', () => {
  fs.writeFileSync(path.join(project, 'readme.ts'), readmeExample());
  fs.writeFileSync(path.join(project, 'tsconfig.readme.json'), JSON.stringify({
    compilerOptions: { strict: true, module: 'commonjs', moduleResolution: 'node', target: 'ES2022', types: [], skipLibCheck: true, outDir: 'readme-out' },
    files: ['readme.ts'],
  }));
  const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(project, 'tsconfig.readme.json')], { cwd: project, encoding: 'utf8' });
  expect(`${tsc.stdout}${tsc.stderr}`).toBe('');
  const outdir = path.join(project, 'readme-dist');
  const r = spawnSync(process.execPath, [path.join(project, 'readme-out', 'readme.js')], { cwd: project, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: outdir } });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(fs.readFileSync(path.join(outdir, 'travel.k8s.yaml'), 'utf8')).toContain('name: weather');
});

test('the CLI of the package validates and synthesizes the declarative example with the CRDs it ships', () => {
  const out = path.join(project, 'out');
  const cli = path.join(installed, pkg.bin['cdk8s-mcp-mesh']);
  // Run from another folder, the example's sourceFiles (../agents) are outside the working directory: the
  // source root is named, as a user whose files live elsewhere would.
  const outside = spawnSync(process.execPath, [cli, 'validate', '-f', path.join(ROOT, 'examples', 'declarative')], { cwd: project, encoding: 'utf8' });
  expect(outside.status).toBe(1);
  expect(outside.stderr).toMatch(/sourceFile: "\.\.\/agents\/hotels\.py" resolves to .*, outside the source root .*Fix: .*--source-root/);
  const r = spawnSync(process.execPath, [cli, 'synth', '-f', path.join(ROOT, 'examples', 'declarative'), '--source-root', path.join(ROOT, 'examples'), '-o', out], { cwd: project, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(fs.readFileSync(path.join(out, 'mcp-mesh.k8s.yaml'), 'utf8')).toContain('kind: StatefulSet');
  // An invalid document fails with the field named: the schema came from the package's crds/.
  const bad = path.join(project, 'bad.yaml');
  fs.writeFileSync(bad, 'apiVersion: mesh.mcp.io/v1alpha1\nkind: MCPAgent\nmetadata:\n  name: weather\nspec:\n  replicas: many\n');
  const failed = spawnSync(process.execPath, [cli, 'synth', '-f', bad, '-o', path.join(project, 'bad-out')], { cwd: project, encoding: 'utf8' });
  expect(failed.status).not.toBe(0);
  expect(failed.stderr).toMatch(/spec\.replicas/);
  // The strict JSON Schemas for editors and kubeconform ship with the package, where docs/declarative.md points.
  for (const kind of ['mcpagent', 'mcpmesh']) expect(fs.existsSync(path.join(installed, 'schemas', 'mesh.mcp.io', `${kind}_v1alpha1.json`))).toBe(true);
});

test('the Helm charts ship in it and work from it: the packed copies lint strictly with the packed example values, and the umbrella builds its dependencies', () => {
  const helm = execFileSync('bash', [path.join(ROOT, 'scripts', 'helm-tools.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-home-'));
  const env = { ...process.env, HELM_CACHE_HOME: `${home}/cache`, HELM_CONFIG_HOME: `${home}/config`, HELM_DATA_HOME: `${home}/data` };
  const run = (...args: string[]) => execFileSync(helm, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
  const charts = path.join(installed, 'charts');
  const examples = path.join(installed, 'examples');
  try {
    expect(packed.filter((f) => f.startsWith('charts/mcp-mesh/charts/'))).toEqual([]); // vendored subcharts are built, not shipped
    run('lint', '--strict', path.join(charts, 'mcp-mesh-registry'), '-f', path.join(examples, 'helm', 'registry.yaml'));
    run('lint', '--strict', path.join(charts, 'mcp-mesh-agent'), '-f', path.join(examples, 'helm', 'weather.yaml'), '--set-file', `agent.source=${path.join(examples, 'agents', 'weather.py')}`);
    run('dependency', 'build', path.join(charts, 'mcp-mesh'));
    const out = run('template', 'travel', path.join(charts, 'mcp-mesh'), '-f', path.join(examples, 'helm', 'mesh.yaml'),
      ...['weather', 'hotels', 'planner'].flatMap((a, i) => ['--set-file', `agents[${i}].agent.source=${path.join(examples, 'agents', `${a}.py`)}`]));
    expect(out.match(/^kind: Deployment$/gm)).toHaveLength(3);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}, 120_000);
