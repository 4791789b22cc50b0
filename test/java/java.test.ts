/**
 * The Java package: the Maven artifact `npm run package:java` builds (jsii + jsii-pacmak) into dist-jsii/java/, a
 * local Maven repository, used by Maven projects as a Java cdk8s user writes them (cdk8s and the jsii runtime
 * from Maven Central). The Java default mesh (examples/java/) must write the TypeScript default app's YAML byte
 * for byte, and a Java user's mistakes must carry the TypeScript error text.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { AgentRuntime, McpMesh } from '../../src';

const ROOT = path.resolve(__dirname, '..', '..');
// jsii's runtime warns on every start under Node 20 (end of life); the warning is not what these tests read.
const ENV = { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' };
let jar: string;
let tmp: string;

beforeAll(() => {
  jar = execFileSync('bash', [path.join(ROOT, 'scripts', 'package-jsii.sh'), 'java'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: ENV }).trim().split('\n').pop()!;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-mesh-java-'));
}, 600_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** `mvn compile exec:java` of the Maven project in `dir`, from the repository root. */
function maven(dir: string, env: Record<string, string> = {}) {
  return spawnSync('mvn', ['-q', '-B', '-Dstyle.color=never', '-f', path.join(ROOT, dir, 'pom.xml'), 'compile', 'exec:java'], {
    cwd: ROOT, encoding: 'utf8', env: { ...ENV, ...env }, timeout: 600_000, maxBuffer: 64 * 1024 * 1024,
  });
}

test('the package is the Maven artifact io.github.cdk8s-mcp-mesh:cdk8s-mcp-mesh, depending on cdk8s, constructs and the jsii runtime', () => {
  expect(path.relative(path.join(ROOT, 'dist-jsii', 'java'), jar)).toBe(path.join('io', 'github', 'cdk8s-mcp-mesh', 'cdk8s-mcp-mesh', '0.1.0', 'cdk8s-mcp-mesh-0.1.0.jar'));
  const pom = fs.readFileSync(jar.replace(/\.jar$/, '.pom'), 'utf8');
  for (const dependency of ['<artifactId>cdk8s</artifactId>', '<artifactId>constructs</artifactId>', '<artifactId>jsii-runtime</artifactId>']) {
    expect(pom).toContain(dependency);
  }
});

test('examples/java, the default mesh, writes the TypeScript default app\'s YAML byte for byte', () => {
  const outdir = path.join(tmp, 'java');
  const run = maven(path.join('examples', 'java'), { CDK8S_OUTDIR: outdir });
  expect(run.status).toBe(0);
  const expected = path.join(tmp, 'ts');
  execFileSync(process.execPath, [path.join(ROOT, 'lib', 'src', 'main.js')], { cwd: ROOT, env: { ...ENV, CDK8S_OUTDIR: expected } });
  expect(fs.readdirSync(outdir)).toEqual(fs.readdirSync(expected));
  for (const file of fs.readdirSync(expected)) {
    expect(fs.readFileSync(path.join(outdir, file)).equals(fs.readFileSync(path.join(expected, file)))).toBe(true);
  }
}, 600_000);

test("a Java user's mistakes: every problem at once with TypeScript's text; a missing required prop named by the builder", () => {
  const run = maven(path.join('test', 'java', 'mistakes'));
  expect(run.status).toBe(0);
  // Maven prints colour resets even when asked for none.
  // eslint-disable-next-line no-control-regex
  const cases = Object.fromEntries(run.stdout.replace(/\x1b\[[0-9;]*m/g, '').split(/^=== /m).slice(1).map((block) => {
    const [name, type, ...message] = block.split('\n');
    return [name, { type, message: message.join('\n') }];
  }));
  let ts = '';
  try {
    const chart = new Chart(new App({ outdir: '/nonexistent' }), 'test', { disableResourceNameHashes: true });
    const rt = (n: string) => AgentRuntime.python({ image: `ghcr.io/x/${n}:1`, script: `${n}.py` });
    new McpMesh(chart, 'Mesh', {
      namespace: 'Bad_NS',
      agents: [
        { name: 'weather', runtime: rt('weather'), replicas: -1, capabilities: [{ name: 'weather forecast' }] },
        { name: 'planner', runtime: rt('planner'), dependsOn: ['forecast'] },
      ],
    });
  } catch (e) {
    ts = (e as Error).message;
  }
  expect(ts).toMatch(/^4 problems:/);
  expect(cases['bad values'].type).toBe('software.amazon.jsii.JsiiError');
  // jsii's Java runtime appends the JavaScript stack to the message.
  expect(cases['bad values'].message.startsWith(`${ts}\n`)).toBe(true);
  expect(cases['missing required']).toEqual({ type: 'java.lang.NullPointerException', message: 'runtime is required\n' });
}, 600_000);
