import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** The real MCP Mesh registry binary from the `@mcpmesh/cli-linux-x64` package. */
export const REGISTRY_BINARY = path.join(path.dirname(require.resolve('@mcpmesh/cli-linux-x64/package.json')), 'bin', 'mcp-mesh-registry');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningRegistry {
  readonly port: number;
  readonly baseUrl: string;
  readonly dataDir: string;
  /** Everything the process printed so far. */
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => running.forEach((p) => p.kill('SIGKILL')));

/**
 * Starts the registry on 127.0.0.1 with the given env and args, and waits until `/health` answers.
 * Only loopback is ever used.
 */
export async function startRegistry(env: Record<string, string>, args: string[], port: number, dataDir?: string): Promise<RunningRegistry> {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-registry-'));
  const child = spawn(REGISTRY_BINARY, args, { env: { PATH: process.env.PATH ?? '', ...env }, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (d) => { output += d; });
  child.stderr!.on('data', (d) => { output += d; });
  let exited: number | null | undefined;
  child.on('exit', (code) => { exited = code; running.delete(child); });
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (exited !== undefined) return;
    const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 15000;
  for (;;) {
    if (exited !== undefined) throw new Error(`registry exited with ${exited} before it was healthy:\n${output}`);
    try {
      const res = await fetch(`${baseUrl}/health`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`registry did not answer /health within 15 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, baseUrl, dataDir: dir, output: () => output, stop };
}
