/**
 * The registry's own TLS, measured with the real binary (@mcpmesh/cli-linux-x64 3.7.1) and certificates this
 * test issues with openssl (a CA, the registry's server certificate, an agent's client certificate, and a
 * stranger's self-signed one). These are the runtime facts a native-mTLS option has to fit:
 *
 * - `strict` requires a trusted client certificate on every path, `/health` too: a kubelet HTTPS probe (which
 *   presents none) gets 403, so probes under strict TLS cannot be httpGet probes.
 * - `auto` serves TLS, takes requests without a client certificate, and refuses an untrusted one.
 * - Trust comes from a backend: without one (`MCP_MESH_TRUST_BACKEND` unset) even a certificate from the right
 *   CA is refused; `filestore` trusts the CA certificates in `MCP_MESH_TRUST_DIR`.
 * - A plain-HTTP request to the TLS port gets 400; the admin API (`MCP_MESH_ADMIN_PORT`) stays plain HTTP.
 *
 * Needs openssl (Debian's base system has it); skipped without it outside CI.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as https from 'https';
import * as os from 'os';
import * as path from 'path';
import { RunningRegistry, freePort, startRegistry } from './util/registry-process';
import { reapDir } from './util/reaper';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-registry-tls-'));
reapDir(dir);
const file = (name: string) => path.join(dir, name);

/** A CA, a server certificate for 127.0.0.1 and a client certificate signed by it, and a stranger's self-signed certificate. */
function issueCertificates(): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=mesh-test-ca');
  for (const [name, san] of [['registry', 'DNS:localhost,IP:127.0.0.1'], ['agent', 'DNS:weather']]) {
    fs.writeFileSync(file(`${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=serverAuth,clientAuth\n`);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`);
  }
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'stranger.key', '-out', 'stranger.crt', '-days', '1', '-subj', '/CN=stranger');
  fs.mkdirSync(file('trust'));
  fs.copyFileSync(file('ca.crt'), file('trust/ca.pem'));
}

/** GET over TLS, trusting the test CA, with the named client certificate or none. */
function get(port: number, pathname: string, client?: 'agent' | 'stranger'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get({
      host: '127.0.0.1', port, path: pathname, ca: fs.readFileSync(file('ca.crt')),
      ...(client !== undefined ? { cert: fs.readFileSync(file(`${client}.crt`)), key: fs.readFileSync(file(`${client}.key`)) } : {}),
    }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
  });
}

const suite = hasOpenssl() ? describe : describe.skip;
if (!hasOpenssl() && process.env.CI === 'true') test('openssl is installed', () => expect(hasOpenssl()).toBe(true));

suite('the registry\'s own TLS (real binary, certificates issued by the test)', () => {
  const started: RunningRegistry[] = [];
  beforeAll(() => issueCertificates());
  afterAll(async () => {
    for (const r of started) await r.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function registry(mode: string, trust: boolean, extra: Record<string, string> = {}): Promise<RunningRegistry> {
    const port = await freePort();
    const env = {
      HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: file(`${mode}-${trust}.db`),
      MCP_MESH_TLS_MODE: mode, MCP_MESH_TLS_CERT: file('registry.crt'), MCP_MESH_TLS_KEY: file('registry.key'), MCP_MESH_TLS_CA: file('ca.crt'),
      ...(trust ? { MCP_MESH_TRUST_BACKEND: 'filestore', MCP_MESH_TRUST_DIR: file('trust') } : {}),
      ...extra,
    };
    const r = await startRegistry(env, ['--host', '127.0.0.1', '--port', String(port)], port, dir, { reap: true, healthStatus: 400 });
    started.push(r);
    return r;
  }

  test('strict: a trusted client certificate on every path, /health too (a kubelet HTTPS probe gets 403)', async () => {
    const r = await registry('strict', true);
    expect(await get(r.port, '/health', 'agent')).toBe(200);
    expect(await get(r.port, '/agents', 'agent')).toBe(200);
    expect(await get(r.port, '/health')).toBe(403);
    expect(await get(r.port, '/agents', 'stranger')).toBe(403);
    expect((await fetch(`${r.baseUrl}/health`)).status).toBe(400);
  }, 60_000);

  test('auto: TLS, requests without a client certificate taken, an untrusted one refused', async () => {
    const adminPort = await freePort();
    const r = await registry('auto', true, { MCP_MESH_ADMIN_PORT: String(adminPort) });
    expect(await get(r.port, '/health')).toBe(200);
    expect(await get(r.port, '/agents')).toBe(200);
    expect(await get(r.port, '/agents', 'agent')).toBe(200);
    expect(await get(r.port, '/agents', 'stranger')).toBe(403);
    // The admin API stays plain HTTP on its own port.
    expect((await fetch(`http://127.0.0.1:${adminPort}/admin/entities`)).status).toBe(200);
  }, 60_000);

  test('without a trust backend, even a certificate from the right CA is refused', async () => {
    const r = await registry('strict', false);
    expect(await get(r.port, '/health', 'agent')).toBe(403);
    expect(r.output()).toMatch(/Trust chain loaded: 0 trusted entity CA/);
  }, 60_000);
});
