/**
 * Loopback ports for long-lived test servers, and who really listens on them.
 *
 * A port from `listen(0)` comes from the kernel's ephemeral range, which every other test (and every outgoing
 * connection) draws from too; a server restarted on "its" port after a pause (the registry-restart fault)
 * could find it taken, and a health check would then be answered by whoever holds it. So these ports are
 * picked at random below the ephemeral range, and `listenerPids` lets a test check that the process it
 * started is the one that answers.
 */
import * as fs from 'fs';
import * as net from 'net';

function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo > 0 && hi >= lo) return [lo, hi];
  } catch {
    // not Linux: assume the IANA range
  }
  return [49152, 65535];
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port free on 127.0.0.1 right now, random in [10000, start of the ephemeral range), not in `taken`. */
export async function pickPort(taken: Set<number> = new Set()): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  const low = 10_000;
  const high = Math.max(low + 1000, ephemeralLow);
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (!taken.has(port) && (await canBind(port))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error(`no free port found in [${low}, ${high}) on 127.0.0.1`);
}

/** Pids of the processes holding a TCP socket that listens on `port` (any local address). Linux only. */
export function listenerPids(port: number): number[] {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A = LISTEN
      if (parseInt(f[1].split(':')[1], 16) === port) inodes.add(f[9]);
    }
  }
  const pids: number[] = [];
  if (inodes.size === 0) return pids;
  for (const pid of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1])) {
          pids.push(Number(pid));
          break;
        }
      }
    } catch {
      // exited, or not ours to read
    }
  }
  return pids;
}
