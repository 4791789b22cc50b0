/**
 * Every synthesized manifest scored by kube-score (github.com/zegl/kube-score v1.20.0, built by
 * scripts/kube-score.sh), a linter this project did not write: no CRITICAL finding, except for the checks
 * below that the library decides otherwise on purpose, each with its reason.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
const KUBE_SCORE = execFileSync('bash', [path.join(ROOT, 'scripts', 'kube-score.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();

/** kube-score checks the library disagrees with, and why. */
const IGNORED: Record<string, string> = {
  'container-security-context-user-group-id':
    'the images run as their own non-root users (registry 1001, python-runtime 999, postgres 999), below kube-score\'s 10000; '
    + 'runAsNonRoot and Pod Security "restricted" are enforced, and another uid would not own the images\' files',
  'container-image-pull-policy': 'every image is pinned by version or digest (the policy check refuses others), so IfNotPresent is right and Always only adds a registry round trip',
  'pod-probes-identical': 'the registry serves one health endpoint (/health) and PostgreSQL one check (pg_isready); agents use distinct /livez and /ready, except under the runtime\'s own TLS, where every probe is a TCP check (its TLS wants a client certificate the kubelet cannot present)',
};
/** CPU limits throttle latency-sensitive servers long before they help (docs): memory limits are still required. */
const FLAGS = ['--ignore-container-cpu-limit', ...Object.keys(IGNORED).flatMap((t) => ['--ignore-test', t])];

interface Finding { object: string; check: string; grade: number; comments: string[] }

function score(files: string[], flags = FLAGS): Finding[] {
  const r = spawnSync(KUBE_SCORE, ['score', ...files, '--output-format', 'json', ...flags], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error || !r.stdout) throw new Error(`kube-score failed (${r.status}): ${r.stderr}`);
  return (JSON.parse(r.stdout) as any[]).flatMap((o) => (o.checks as any[]).filter((c) => !c.skipped).map((c) => ({
    object: `${o.type_meta.kind}/${o.object_meta.name}`,
    check: c.check.id as string,
    grade: c.grade as number,
    comments: (c.comments ?? []).map((m: any) => `${m.path ? `${m.path}: ` : ''}${m.summary}`),
  })));
}

const manifests = [path.join(ROOT, 'dist', 'manifests', 'mcp-mesh.k8s.yaml'),
  ...fs.readdirSync(path.join(ROOT, 'dist', 'examples')).map((e) => path.join(ROOT, 'dist', 'examples', e, `${e === 'declarative' ? 'mcp-mesh' : e}.k8s.yaml`))];

test.each(manifests.map((f) => [path.relative(ROOT, f), f]))('kube-score finds nothing critical in %s', (_name, file) => {
  expect(fs.existsSync(file)).toBe(true);
  const findings = score([file]);
  expect(findings.length).toBeGreaterThan(20);
  const critical = findings.filter((f) => f.grade <= 1).map((f) => `${f.object} ${f.check}: ${f.comments.join('; ')}`);
  expect(critical).toEqual([]);
});

test('kube-score is a real judge: a careless Deployment scores critical on what the library prevents', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-score-'));
  const file = path.join(dir, 'careless.yaml');
  fs.writeFileSync(file, `apiVersion: apps/v1
kind: Deployment
metadata: { name: careless, namespace: x }
spec:
  replicas: 2
  selector: { matchLabels: { app: careless } }
  template:
    metadata: { labels: { app: careless } }
    spec:
      containers:
        - name: app
          image: example/app:latest
          securityContext: { privileged: true }
`);
  const critical = new Set(score([file]).filter((f) => f.grade <= 1).map((f) => f.check));
  fs.rmSync(dir, { recursive: true, force: true });
  for (const check of ['container-image-tag', 'container-security-context-privileged', 'container-resources', 'pod-networkpolicy']) {
    expect([check, critical.has(check)]).toEqual([check, true]);
  }
});
