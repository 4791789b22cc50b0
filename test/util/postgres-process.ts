/**
 * A throwaway PostgreSQL server on loopback, for tests that need a real database (the registry's
 * PostgreSQL storage).
 *
 * The server comes from Debian's packages (`scripts/postgres.sh` installs it if needed and prints its bin
 * dir; `POSTGRES_BIN_DIR` overrides). Each server gets its own temp dir:
 *
 *   <dir>/data     initdb's cluster: superuser `postgres`, trust on the unix socket only,
 *                  scram-sha-256 over TCP (so a client must present the role's real password)
 *   <dir>/run      the unix socket (`-k`), which the test's own psql uses as the superuser
 *   <dir>/tls      a self-signed certificate when `ssl: true` (for clients with sslmode=require)
 *
 * and listens on 127.0.0.1 only, on a free port. PostgreSQL refuses to run as root, so when the tests run
 * as root the server (and initdb) run as the `postgres` OS user, which owns the temp dir; otherwise as the
 * current user. Durability is switched off (fsync, synchronous_commit, full_page_writes): a server that
 * lives for one test file never survives a machine crash, only process restarts, and those keep every
 * committed row without fsync.
 *
 * Every server is handed to the reaper (test/util/reaper.ts) as a process group, with its temp dir, so a
 * killed jest leaves nothing behind; `stop()` is the normal path.
 */
import { ChildProcess, execFile, execFileSync, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { reapDir, reapGroup, release, releaseDir } from './reaper';
import { freePort } from './registry-process';

const execFileAsync = promisify(execFile);

export const POSTGRES_SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'postgres.sh');

let cachedBinDir: string | undefined;

/** The PostgreSQL bin dir: $POSTGRES_BIN_DIR, or what scripts/postgres.sh prints (installing on first use). */
export function postgresBinDir(): string {
  if (cachedBinDir !== undefined) return cachedBinDir;
  const dir = process.env.POSTGRES_BIN_DIR
    ?? execFileSync('bash', [POSTGRES_SCRIPT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 10 * 60 * 1000 }).trim();
  for (const tool of ['postgres', 'initdb', 'pg_isready', 'psql']) {
    if (!fs.existsSync(path.join(dir, tool))) throw new Error(`${dir}/${tool} is missing (from ${process.env.POSTGRES_BIN_DIR ? 'POSTGRES_BIN_DIR' : 'scripts/postgres.sh'})`);
  }
  cachedBinDir = dir;
  return dir;
}

/** The uid/gid the server runs as: the `postgres` OS user when we are root (PostgreSQL refuses root), else ourselves. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (line === undefined) throw new Error('running as root, but there is no `postgres` OS user to run PostgreSQL as (scripts/postgres.sh creates it)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** A password of letters and digits only, so it can stand in a URL unescaped. */
export function urlSafePassword(): string {
  return crypto.randomBytes(24).toString('base64url').replace(/[^A-Za-z0-9]/g, '').slice(0, 24);
}

export interface PostgresOptions {
  /** Serve TLS with a self-signed certificate, so clients with `sslmode=require` connect. @default false */
  readonly ssl?: boolean;
}

export interface RunningPostgres {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly binDir: string;
  readonly dir: string;
  readonly version: string;
  /** Runs SQL as the superuser over the unix socket; returns psql's unaligned, tuples-only output. */
  psql(sql: string, database?: string): Promise<string>;
  /** `CREATE ROLE <role> LOGIN PASSWORD <password>` and `CREATE DATABASE <database> OWNER <role>`. */
  createRoleAndDatabase(role: string, password: string, database: string): Promise<void>;
  /** Everything the server logged so far (all of its runs). */
  output(): string;
  /** Whether the server is running. */
  isUp(): boolean;
  /** Stops the server (fast shutdown), keeping the data dir: a database outage. */
  down(): Promise<void>;
  /** Starts it again on the same port and data dir, and waits until it accepts connections. */
  up(): Promise<void>;
  /** Stops the server for good and removes the temp dir. */
  stop(): Promise<void>;
}

function run(file: string, args: string[], opts: { user?: { uid: number; gid: number }; cwd: string; env?: NodeJS.ProcessEnv }): string {
  try {
    return execFileSync(file, args, {
      cwd: opts.cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', ...opts.env }, ...opts.user,
    });
  } catch (e: any) {
    throw new Error(`${path.basename(file)} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** Initializes a cluster in a fresh temp dir and starts a server on a free 127.0.0.1 port. */
export async function startPostgres(options: PostgresOptions = {}): Promise<RunningPostgres> {
  const binDir = postgresBinDir();
  const user = serverUser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-mesh-pg-'));
  reapDir(dir);
  const dataDir = path.join(dir, 'data');
  const socketDir = path.join(dir, 'run');
  fs.mkdirSync(socketDir);
  const env = { HOME: dir };
  const chownAll = () => { if (user) execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, dir]); };
  chownAll();
  fs.chmodSync(dir, 0o700);

  const settings = [
    '-c', 'listen_addresses=127.0.0.1',
    '-k', socketDir,
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
    '-c', 'max_connections=50', '-c', 'shared_buffers=16MB',
    '-c', 'log_destination=stderr', '-c', 'logging_collector=off',
  ];
  try {
    run(path.join(binDir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256',
      '--no-sync', '--encoding=UTF8', '--locale=C.UTF-8'], { user, cwd: dir, env });
    if (options.ssl) {
      const tls = path.join(dir, 'tls');
      fs.mkdirSync(tls);
      run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
        '-subj', '/CN=localhost', '-keyout', path.join(tls, 'server.key'), '-out', path.join(tls, 'server.crt')], { cwd: dir });
      fs.chmodSync(path.join(tls, 'server.key'), 0o600); // PostgreSQL refuses a key others can read
      chownAll();
      settings.push('-c', 'ssl=on', '-c', `ssl_cert_file=${path.join(tls, 'server.crt')}`, '-c', `ssl_key_file=${path.join(tls, 'server.key')}`);
    }
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    releaseDir(dir);
    throw e;
  }
  const version = run(path.join(binDir, 'postgres'), ['--version'], { cwd: dir }).trim();

  let log = '';
  let child: ChildProcess | undefined;
  let exited = true;
  let port = 0;

  const launch = async (onPort: number): Promise<'ready' | 'port-taken'> => {
    const proc = spawn(path.join(binDir, 'postgres'), ['-D', dataDir, '-p', String(onPort), ...settings], {
      cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', ...env },
      // Its own process group: the reaper (and stop) kill the postmaster and every backend at once.
      detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...user,
    });
    reapGroup(proc);
    child = proc;
    exited = false;
    proc.stdout!.on('data', (d) => { log += d; });
    proc.stderr!.on('data', (d) => { log += d; });
    const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => { exited = true; resolve(code); }));
    const deadline = Date.now() + 30000;
    for (;;) {
      const code = await Promise.race([exit, new Promise<'poll'>((r) => setTimeout(() => r('poll'), 50))]);
      if (code !== 'poll') {
        if (/could not bind|Address already in use/.test(log)) return 'port-taken';
        throw new Error(`postgres exited with ${code} before accepting connections:\n${log}`);
      }
      try {
        await execFileAsync(path.join(binDir, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(onPort), '-d', 'postgres', '-t', '1']);
        return 'ready';
      } catch {
        // not yet
      }
      if (Date.now() > deadline) {
        await kill();
        throw new Error(`postgres did not accept connections on 127.0.0.1:${onPort} within 30 s:\n${log}`);
      }
    }
  };

  const kill = async (): Promise<void> => {
    const proc = child;
    if (proc === undefined || exited) return;
    const done = new Promise<void>((resolve) => (exited ? resolve() : proc.once('exit', () => resolve())));
    proc.kill('SIGINT'); // fast shutdown: disconnects clients, checkpoints, exits
    const timer = setTimeout(() => { try { process.kill(-proc.pid!, 'SIGKILL'); } catch { /* gone */ } }, 5000);
    await done;
    clearTimeout(timer);
    // Backends that outlived their postmaster (only after SIGKILL) go with the group.
    try { process.kill(-proc.pid!, 'SIGKILL'); } catch { /* none left */ }
    release(`-${proc.pid}`);
  };

  // A free port can be taken between freePort() and the bind: try a few.
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      if (await launch(port) === 'ready') break;
    } catch (e) {
      await kill();
      fs.rmSync(dir, { recursive: true, force: true });
      releaseDir(dir);
      throw e;
    }
    if (attempt >= 4) throw new Error(`postgres found no free port:\n${log}`);
  }

  const psql = async (sql: string, database = 'postgres'): Promise<string> => {
    try {
      const { stdout } = await execFileAsync(path.join(binDir, 'psql'),
        ['-h', socketDir, '-p', String(port), '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-X', '-A', '-t', '-q', '-c', sql],
        { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', PGCONNECT_TIMEOUT: '5' }, timeout: 30000 });
      return stdout.trim();
    } catch (e: any) {
      throw new Error(`psql -c ${JSON.stringify(sql)} failed: ${e.stderr ?? e.message}`);
    }
  };

  return {
    host: '127.0.0.1',
    port,
    binDir,
    dir,
    version,
    psql,
    async createRoleAndDatabase(role, password, database) {
      if (!/^[a-z_][a-z0-9_]*$/.test(role) || !/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`plain lowercase names only: ${role}, ${database}`);
      if (!/^[A-Za-z0-9\-._~]+$/.test(password)) throw new Error('the password must be URL-safe');
      await psql(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
      await psql(`CREATE DATABASE ${database} OWNER ${role}`);
    },
    output: () => log,
    isUp: () => !exited,
    down: kill,
    async up() {
      if (!exited) return;
      if (await launch(port) !== 'ready') throw new Error(`postgres could not bind 127.0.0.1:${port} again:\n${log}`);
    },
    async stop() {
      await kill();
      fs.rmSync(dir, { recursive: true, force: true });
      releaseDir(dir);
    },
  };
}
