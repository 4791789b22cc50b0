/**
 * The bad-input corpus (./corpus-worker.js): a few thousand generated bad inputs through the JavaScript API
 * and the CLI, each run in a worker thread with a memory limit and watched for time. Every one must end in a
 * clear error (field, value and fix on every line; for the CLI exit 1 or 2 and nothing written), none may
 * crash, hang, run out of memory or be accepted. Valid controls must still synthesize, with valid names.
 * The counts per class are written to .cache/corpus-report.json and printed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';

const WORKER = path.join(__dirname, 'corpus-worker.js');
const REPORT = path.join(__dirname, '..', '..', '.cache', 'corpus-report.json');
/** No single case may take longer: the linear checks take milliseconds, the largest inputs well under a second. */
const CASE_TIMEOUT_MS = 20_000;
/** The worker's heap: a case that needs more is a failure (a size guard missing), not a bigger machine. */
const HEAP_MB = 1024;

interface CaseMeta {
  id: number;
  surface: 'api' | 'cli';
  kind: string;
  field: string;
  mutation: string;
}

interface CaseResult extends CaseMeta {
  verdict: 'clear' | 'crash' | 'accepted' | 'unclear' | 'hang' | 'oom';
  message: string;
  ms: number;
}

function startWorker(): Worker {
  return new Worker(WORKER, { resourceLimits: { maxOldGenerationSizeMb: HEAP_MB }, stdout: true, stderr: true });
}

function ask<T>(message: object, key: string): Promise<T> {
  const worker = startWorker();
  return new Promise<T>((resolve, reject) => {
    worker.on('message', (m) => {
      if (m[key] !== undefined) {
        void worker.terminate();
        resolve(m[key]);
      }
    });
    worker.on('error', reject);
    worker.postMessage(message);
  });
}

/** Runs every case from `from` on in one worker; a case that hangs or kills the worker is recorded, and the rest go on in a new one. */
async function runAll(cases: CaseMeta[]): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  let next = 0;
  while (next < cases.length) {
    const worker = startWorker();
    await new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout;
      let finished = false;
      const fail = (verdict: 'hang' | 'oom', message: string) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        results.push({ ...cases[next], verdict, message, ms: CASE_TIMEOUT_MS });
        next++;
        void worker.terminate().then(() => resolve());
      };
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => fail('hang', `no answer in ${CASE_TIMEOUT_MS} ms`), CASE_TIMEOUT_MS);
      };
      worker.on('message', (m) => {
        if (m.result !== undefined) {
          results.push(m.result);
          next = m.result.id + 1;
          arm();
        } else if (m.done === true) {
          finished = true;
          clearTimeout(timer);
          void worker.terminate().then(() => resolve());
        }
      });
      worker.on('error', (e) => fail('oom', String(e)));
      worker.on('exit', () => {
        if (!finished) fail('oom', 'the worker exited');
      });
      arm();
      worker.postMessage({ cmd: 'run', from: next });
    });
  }
  return results;
}

describe('the bad-input corpus: every generated bad input gets a clear error', () => {
  let cases: CaseMeta[];
  let results: CaseResult[];

  beforeAll(async () => {
    cases = await ask<CaseMeta[]>({ cmd: 'list' }, 'cases');
    results = await runAll(cases);
    const summary: Record<string, Record<string, number>> = {};
    for (const r of results) {
      const key = `${r.surface} ${r.kind}`;
      summary[key] = summary[key] ?? {};
      summary[key][r.verdict] = (summary[key][r.verdict] ?? 0) + 1;
    }
    const slowest = [...results].sort((a, b) => b.ms - a.ms).slice(0, 5).map((r) => `${r.surface} ${r.field} ${r.mutation}: ${r.ms.toFixed(0)} ms`);
    fs.mkdirSync(path.dirname(REPORT), { recursive: true });
    fs.writeFileSync(REPORT, `${JSON.stringify({ total: results.length, summary, slowest, failures: results.filter((r) => r.verdict !== "clear"), samples: results.filter((r) => r.kind === "huge" || r.kind === "conflicts" || r.kind === "files").map((r) => `${r.surface} ${r.mutation}: ${r.message.slice(0, 240)}`) }, null, 2)}\n`);
    process.stderr.write(`bad-input corpus: ${results.length} cases; ${JSON.stringify(summary)}; slowest: ${slowest.join('; ')}\n`);
  }, 40 * 60_000);

  test('is large and covers every class, through both surfaces', () => {
    expect(cases.length).toBeGreaterThanOrEqual(2000);
    const kinds = (surface: string) => new Set(cases.filter((c) => c.surface === surface).map((c) => c.kind));
    expect([...kinds('api')].sort()).toEqual(['conflicts', 'domains', 'durations', 'huge', 'nulls', 'prototype', 'type', 'typos']);
    expect([...kinds('cli')].sort()).toEqual(['conflicts', 'domains', 'files', 'prototype', 'type', 'typos']);
    expect(cases.filter((c) => c.surface === 'cli').length).toBeGreaterThanOrEqual(300);
  });

  test('every case ran to an answer', () => {
    expect(results.map((r) => r.id)).toEqual(cases.map((c) => c.id));
  });

  test('no case crashed, hung or ran out of memory', () => {
    const broken = results.filter((r) => r.verdict === 'crash' || r.verdict === 'hang' || r.verdict === 'oom');
    expect(broken.map((r) => `${r.surface} ${r.field} (${r.mutation}): ${r.verdict}: ${r.message}`)).toEqual([]);
  });

  test('no bad input was accepted', () => {
    const accepted = results.filter((r) => r.verdict === 'accepted');
    expect(accepted.map((r) => `${r.surface} ${r.field} (${r.mutation})`)).toEqual([]);
  });

  test('every error names the field, the value and the fix', () => {
    const unclear = results.filter((r) => r.verdict === 'unclear');
    expect(unclear.map((r) => `${r.surface} ${r.field} (${r.mutation}): ${r.message}`)).toEqual([]);
  });

  test('valid controls still synthesize, with valid object names and labels', async () => {
    const controls = await ask<Array<{ label: string; objects?: number; problems?: string[]; error?: string }>>({ cmd: 'controls' }, 'controls');
    expect(controls.map((c) => [c.label, c.error ?? (c.objects! > 20 ? 'ok' : `${c.objects} objects`), c.problems ?? []]))
      .toEqual(controls.map((c) => [c.label, 'ok', []]));
  });
});
