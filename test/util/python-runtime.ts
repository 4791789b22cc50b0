/**
 * The MCP Mesh Python runtime on this machine: a venv with exactly the packages the `mcpmesh/python-runtime`
 * image is built from (`pip install mcp-mesh==<version>` on python:3.11-slim, ENTRYPOINT ["python"]), plus
 * mcp-mesh-core pinned to the same version (mcp-mesh only asks for `mcp-mesh-core>=<version>`, and pip would
 * otherwise pick the newest core).
 *
 * Created once and cached, keyed by version, outside the repository:
 *   ${MCP_MESH_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-mcp-mesh}/python/mcp-mesh-<version>/
 * with python3 from PATH. A `.complete` file written last marks a usable venv; a directory without it (an
 * interrupted install) is rebuilt. Concurrent test runs wait on a lock directory instead of installing twice.
 * Needs network access to PyPI on a cold cache only. If pip fails, the error says so with pip's own output:
 * nothing is faked or skipped.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { reapGroup } from './reaper';

export interface PythonRuntime {
  /** The venv's interpreter: what the image's `python` entrypoint is. */
  readonly python: string;
  readonly venvDir: string;
  readonly version: string;
  /** `python --version` of the venv, e.g. "Python 3.11.7". */
  readonly pythonVersion: string;
  /** True when this call created the venv (a cold cache). */
  readonly created: boolean;
  /** Wall time of this call: the install on a cold cache, the validity check on a warm one. */
  readonly seconds: number;
  /** Installed mcp-mesh and mcp-mesh-core versions, read from the venv. */
  readonly installed: { 'mcp-mesh': string; 'mcp-mesh-core': string };
}

export function toolsCacheRoot(): string {
  return process.env.MCP_MESH_TOOLS_CACHE
    ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'cdk8s-mcp-mesh');
}

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    // Detached (own process group) and reaped: pip's build subprocesses die with it if the test process does.
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    reapGroup(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => { stdout += d; });
    child.stderr!.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      stderr += `\n[killed: still running after ${opts.timeoutMs / 1000} s]`;
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
    }, opts.timeoutMs);
    child.once('error', (e) => { clearTimeout(timer); reject(new Error(`could not run ${cmd}: ${e.message}`)); });
    child.once('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
}

function failure(what: string, cmd: string[], r: Run): Error {
  return new Error(
    `${what} failed (exit ${r.code ?? r.signal}): ${cmd.join(' ')}\n` +
    `--- stderr ---\n${r.stderr.trimEnd()}\n--- stdout (last 4000 chars) ---\n${r.stdout.slice(-4000).trimEnd()}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `<dir>.lock` (mkdir is atomic); a lock left by a dead process is taken over. */
async function withLock<T>(dir: string, timeoutMs: number, body: () => Promise<T>): Promise<T> {
  const lock = `${dir}.lock`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder = 0;
      try {
        holder = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8')) || 0;
      } catch {
        // the holder has not written its pid yet, or just released the lock
      }
      const abandoned = holder === 0 && Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 30_000;
      if ((holder > 0 && !pidAlive(holder)) || abandoned) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${lock} is held by pid ${holder} for more than ${timeoutMs / 1000} s`);
      await sleep(500);
    }
  }
  try {
    return await body();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

const PROBE = 'import sys, importlib.metadata as m; print(sys.version.split()[0]); print(m.version("mcp-mesh")); print(m.version("mcp-mesh-core")); import mesh, fastmcp';

async function check(python: string): Promise<{ pythonVersion: string; mesh: string; core: string } | Run> {
  const r = await run(python, ['-c', PROBE], { timeoutMs: 60_000 });
  if (r.code !== 0) return r;
  const [py, mesh, core] = r.stdout.trim().split('\n');
  return { pythonVersion: `Python ${py}`, mesh, core };
}

/**
 * Returns the cached venv for `version`, creating it (python3 -m venv, then pip install) when missing or
 * unusable. `installTimeoutMs` bounds the pip install (a cold cache downloads about 110 packages).
 */
export async function ensurePythonRuntime(version: string, opts: { installTimeoutMs?: number } = {}): Promise<PythonRuntime> {
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`not an mcp-mesh release version: ${version}`);
  const started = Date.now();
  const venvDir = path.join(toolsCacheRoot(), 'python', `mcp-mesh-${version}`);
  const python = path.join(venvDir, 'bin', 'python');
  const marker = path.join(venvDir, '.complete');
  const packages = [`mcp-mesh==${version}`, `mcp-mesh-core==${version}`];
  fs.mkdirSync(path.dirname(venvDir), { recursive: true });

  const finish = (created: boolean, c: { pythonVersion: string; mesh: string; core: string }): PythonRuntime => {
    if (c.mesh !== version || c.core !== version) {
      throw new Error(`${venvDir} holds mcp-mesh ${c.mesh} / mcp-mesh-core ${c.core}, expected ${version} for both`);
    }
    return {
      python, venvDir, version, pythonVersion: c.pythonVersion, created,
      seconds: (Date.now() - started) / 1000, installed: { 'mcp-mesh': c.mesh, 'mcp-mesh-core': c.core },
    };
  };

  if (fs.existsSync(marker)) {
    const c = await check(python);
    if (!('code' in c)) return finish(false, c);
    // A venv whose interpreter went away (python3 upgraded, pyenv version removed): rebuilt below.
  }

  return withLock(venvDir, (opts.installTimeoutMs ?? 900_000) + 60_000, async () => {
    if (fs.existsSync(marker)) { // another run finished it while we waited
      const c = await check(python);
      if (!('code' in c)) return finish(false, c);
    }
    fs.rmSync(venvDir, { recursive: true, force: true });
    const venvCmd = ['python3', '-m', 'venv', venvDir];
    const v = await run(venvCmd[0], venvCmd.slice(1), { timeoutMs: 120_000 });
    if (v.code !== 0) throw failure('creating the venv', venvCmd, v);
    const pipCmd = [python, '-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--progress-bar', 'off', ...packages];
    const pip = await run(pipCmd[0], pipCmd.slice(1), {
      env: { ...process.env, PIP_NO_INPUT: '1', PYTHONDONTWRITEBYTECODE: undefined },
      timeoutMs: opts.installTimeoutMs ?? 900_000,
    });
    if (pip.code !== 0) {
      fs.rmSync(venvDir, { recursive: true, force: true });
      throw failure(`pip install ${packages.join(' ')}`, pipCmd, pip);
    }
    const c = await check(python);
    if ('code' in c) throw failure('importing mesh from the new venv', [python, '-c', PROBE], c);
    const freeze = await run(python, ['-m', 'pip', 'freeze', '--disable-pip-version-check'], { timeoutMs: 60_000 });
    fs.writeFileSync(path.join(venvDir, 'pip-freeze.txt'), freeze.stdout);
    fs.writeFileSync(marker, `${packages.join(' ')}\n${c.pythonVersion}\n`);
    return finish(true, c);
  });
}
