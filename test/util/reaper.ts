/**
 * Makes sure the processes a test file starts die with it, however it ends.
 *
 * afterAll() is the normal path. It does not run when jest is killed (a CI timeout, a second Ctrl-C, an
 * out-of-memory kill), and `process.on('exit')` inside a jest test file sits on jest's per-file copy of
 * `process` and may never fire. So every process is also handed to a watchdog: one small detached bash loop
 * per test process that polls the test process's pid and, once it is gone, SIGKILLs every target still
 * listed and removes the listed temp dirs. Targets are process groups (`-<pgid>`, for children spawned
 * detached, so anything they fork dies too) or single pids (children spawned by code we do not own).
 *
 * A target is removed from the list as soon as its process exits, so the watchdog never signals a pid that
 * may have been reused by an unrelated process.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const targets = new Set<string>();
const dirs = new Set<string>();
let stateDir: string | undefined;
let watchdog: ChildProcess | undefined;

function writeState(): void {
  if (stateDir === undefined) return;
  // Write-then-rename: the watchdog never reads a half-written list.
  const tmp = path.join(stateDir, 'targets.tmp');
  fs.writeFileSync(tmp, [...targets].join('\n') + '\n');
  fs.renameSync(tmp, path.join(stateDir, 'targets'));
  fs.writeFileSync(path.join(stateDir, 'dirs.tmp'), [...dirs].join('\n') + '\n');
  fs.renameSync(path.join(stateDir, 'dirs.tmp'), path.join(stateDir, 'dirs'));
}

function ensureWatchdog(): void {
  if (watchdog !== undefined) return;
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-mesh-reaper-'));
  writeState();
  const script = [
    'parent=$1; state=$2',
    'while kill -0 "$parent" 2>/dev/null; do sleep 0.5; done',
    'while read -r t; do [ -n "$t" ] && kill -KILL -- "$t" 2>/dev/null; done < "$state/targets"',
    'while read -r d; do [ -n "$d" ] && rm -rf -- "$d"; done < "$state/dirs"',
    'rm -rf -- "$state"',
  ].join('\n');
  // Detached: its own process group, so a Ctrl-C to the terminal's group does not take it down with jest.
  watchdog = spawn('bash', ['-c', script, 'reaper', String(process.pid), stateDir], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  // Normal exit of a script outside jest: kill what is left right away.
  process.once('exit', killAllNow);
}

/** Watches a child spawned with `detached: true` (a process group leader): its whole group is killed. */
export function reapGroup(child: ChildProcess): void {
  track(`-${child.pid}`, child);
}

/** Watches a single process (not a group leader), e.g. one spawned by another helper. */
export function reapPid(pid: number, child?: ChildProcess): void {
  track(String(pid), child);
}

function track(target: string, child?: ChildProcess): void {
  if (child !== undefined && child.pid === undefined) return; // spawn failed: nothing to kill
  ensureWatchdog();
  targets.add(target);
  writeState();
  child?.once('exit', () => release(target));
}

/** Stops watching a target (call once its process is known to be gone). */
export function release(target: string | number): void {
  if (targets.delete(String(target))) writeState();
}

/** Temp dirs the watchdog removes if the test process dies without cleaning up. */
export function reapDir(dir: string): void {
  ensureWatchdog();
  dirs.add(dir);
  writeState();
}

export function releaseDir(dir: string): void {
  if (dirs.delete(dir)) writeState();
}

/** SIGKILLs every target still listed, synchronously (usable from an 'exit' handler). */
export function killAllNow(): void {
  for (const t of targets) {
    try {
      process.kill(Number(t), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  targets.clear();
  writeState();
}
