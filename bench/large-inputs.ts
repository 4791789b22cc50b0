/**
 * Large single inputs: `npm run bench:inputs [-- --json]`. One agent whose capability description, tags or
 * shipped source grows to the size guard (and past it, where synth must refuse it quickly), each size timed in a
 * fresh child process. The time must grow linearly with the input: the ratio of time to the smallest size is
 * printed beside the ratio of the sizes. Never asserted in tests (shared, noisy machines).
 */
import { execFileSync } from 'child_process';
import { App, Chart } from 'cdk8s';
import { AgentRuntime, McpMesh, McpMeshAgentProps } from '../src';

type Input = 'description' | 'tags' | 'source' | 'env';

/** The agent with `size` bytes (or items) of the input. */
function agent(input: Input, size: number): McpMeshAgentProps {
  const base = { name: 'big', runtime: AgentRuntime.python({ image: 'ghcr.io/example/big:1.0.0', script: 'agent.py' }) };
  switch (input) {
    case 'description': return { ...base, capabilities: [{ name: 'big', description: 'word '.repeat(Math.ceil(size / 5)).slice(0, size) }] };
    case 'tags': return { ...base, capabilities: [{ name: 'big', tags: Array.from({ length: size }, (_, i) => `t${i}`) }] };
    case 'source': return { ...base, runtime: AgentRuntime.python({ source: 'x = 1\n'.repeat(Math.ceil(size / 6)).slice(0, size) }) };
    case 'env': return { ...base, env: [{ name: 'BLOB', value: 'a://b:'.repeat(Math.ceil(size / 6)).slice(0, size) }] };
  }
}

function runOnce(input: Input, size: number): { ms: number; outcome: string } {
  const started = process.hrtime.bigint();
  let outcome = 'synthesized';
  try {
    const app = new App({ outdir: '/nonexistent' });
    new McpMesh(new Chart(app, 'big', { disableResourceNameHashes: true }), 'Mesh', { agents: [agent(input, size)] });
    app.synthYaml();
  } catch (e) {
    outcome = `refused: ${(e as Error).message.split('\n')[0].slice(0, 90)}`;
  }
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, outcome };
}

const SIZES: Record<Input, number[]> = {
  // Bytes of one description; the agent's ConfigMap guard is 900 KiB, so the largest two are refused.
  description: [100_000, 200_000, 400_000, 800_000, 1_600_000, 2_000_000],
  // Tags of one capability (about 8 bytes each in the config): the guard falls between 100 000 and 200 000.
  tags: [12_500, 25_000, 50_000, 100_000, 200_000],
  // Bytes of shipped source; the guard is 900 KiB.
  source: [100_000, 200_000, 400_000, 800_000, 1_000_000],
  // Bytes of one URL-shaped env value (the secret scan's worst case); the env guard is 450 KiB.
  env: [50_000, 100_000, 200_000, 400_000, 1_000_000],
};

function main(): void {
  const args = process.argv.slice(2);
  const child = args.indexOf('--child');
  if (child >= 0) {
    process.stdout.write(JSON.stringify(runOnce(args[child + 1] as Input, Number(args[child + 2]))));
    return;
  }
  const results: Array<{ input: Input; size: number; ms: number; outcome: string }> = [];
  for (const input of Object.keys(SIZES) as Input[]) {
    for (const size of SIZES[input]) {
      const r = JSON.parse(execFileSync(process.execPath, [__filename, '--child', input, String(size)], { encoding: 'utf8' }));
      results.push({ input, size, ms: Math.round(r.ms), outcome: r.outcome });
    }
  }
  if (args.includes('--json')) {
    console.log(JSON.stringify(results));
    return;
  }
  for (const input of Object.keys(SIZES) as Input[]) {
    const rows = results.filter((r) => r.input === input);
    const first = rows[0];
    for (const r of rows) {
      console.log(`${input.padEnd(11)} ${String(r.size).padStart(9)}  ${String(r.ms).padStart(6)} ms  size x${(r.size / first.size).toFixed(1).padStart(5)}  time x${(r.ms / Math.max(first.ms, 1)).toFixed(1).padStart(5)}  ${r.outcome}`);
    }
  }
}

main();
