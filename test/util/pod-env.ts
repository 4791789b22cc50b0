/** What a pod's container sees, for tests that run the real runtime as a local process. */
import { ChildProcess, spawn } from 'child_process';
import { reapPid } from './reaper';

/**
 * The container's env as its pod would get it: literal values as written, the downward API's pod IP and pod
 * name filled in, anything else (Secret references) refused, since these tests run agents without Secrets.
 */
export function podEnv(container: Record<string, any>, pod: { ip: string; name: string }, base: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { ...base };
  for (const e of container.env ?? []) {
    if (e.valueFrom?.fieldRef?.fieldPath === 'status.podIP') env[e.name] = pod.ip;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = pod.name;
    else if (e.valueFrom !== undefined) throw new Error(`unexpected env source for ${e.name}`);
    else env[e.name] = e.value;
  }
  return env;
}

/** Starts a process that the reaper kills if the test run dies, with its output kept for error messages. */
export function spawnCaptured(command: string, args: string[], options: { env: Record<string, string>; cwd: string }): { child: ChildProcess; output: () => string } {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => { output += d; });
  child.stderr!.on('data', (d) => { output += d; });
  reapPid(child.pid!, child);
  return { child, output: () => output };
}
