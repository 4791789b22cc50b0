/**
 * Runs the real `promtool` (Prometheus 3.x, built by scripts/prom-tools.sh into the tools cache) on rule files
 * written to a temporary directory: `promtool check rules` (parser, lint) and `promtool test rules` (unit tests
 * of recording rules and alerts over synthetic series).
 *
 * Env: PROMTOOL=/path/to/promtool uses an existing binary; MCP_MESH_SKIP_PROMTOOL=1 skips the promtool tests
 * (local runs only; CI never sets it).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';

export const SKIP_PROMTOOL = process.env.MCP_MESH_SKIP_PROMTOOL === '1';

let cached: string | undefined;

/** The promtool binary: $PROMTOOL, or the one scripts/prom-tools.sh builds (once) and prints. */
export function promtool(): string {
  if (cached !== undefined) return cached;
  if (process.env.PROMTOOL) {
    cached = process.env.PROMTOOL;
  } else {
    const script = path.join(__dirname, '..', '..', 'scripts', 'prom-tools.sh');
    cached = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 20 * 60 * 1000 }).trim();
  }
  return cached;
}

export interface PromtoolResult {
  readonly ok: boolean;
  readonly output: string;
}

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-mesh-promtool-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function run(args: string[], cwd: string): PromtoolResult {
  const result = spawnSync(promtool(), args, { cwd, encoding: 'utf8', timeout: 120000 });
  if (result.error) throw result.error;
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

/** `promtool check rules --lint-fatal` on a rule file with these groups. */
export function checkRules(groups: unknown[], dir: string = tempDir(), file = 'rules.yaml'): PromtoolResult {
  fs.writeFileSync(path.join(dir, file), stringify({ groups }));
  return run(['check', 'rules', '--lint=all', '--lint-fatal', file], dir);
}

export interface AlertTest {
  readonly eval_time: string;
  readonly alertname: string;
  readonly exp_alerts: Array<{ exp_labels: Record<string, string>; exp_annotations?: Record<string, string> }>;
}

export interface ExprTest {
  readonly expr: string;
  readonly eval_time: string;
  readonly exp_samples: Array<{ labels: string; value: number }>;
}

export interface RuleTest {
  readonly name: string;
  readonly interval?: string;
  readonly input_series: Array<{ series: string; values: string }>;
  readonly alert_rule_test?: AlertTest[];
  readonly promql_expr_test?: ExprTest[];
}

/** `promtool test rules` of `tests` against a rule file with `groups`. */
export function testRules(groups: unknown[], tests: RuleTest[], dir: string = tempDir()): PromtoolResult {
  fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups }));
  fs.writeFileSync(path.join(dir, 'tests.yaml'), stringify({
    rule_files: ['rules.yaml'],
    evaluation_interval: '1m',
    tests: tests.map((t) => ({ interval: '1m', ...t })),
  }));
  return run(['test', 'rules', 'tests.yaml'], dir);
}
