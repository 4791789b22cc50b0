/**
 * Conformance: every synthesized manifest is server-side dry-run applied to a real
 * kube-apiserver (with etcd) on 127.0.0.1, under Pod Security "restricted", with strict field
 * validation, and must come back with zero errors and zero warnings.
 *
 * What is validated:
 *   - MANIFESTS=<dir> set: that folder only (recursive);
 *   - otherwise dist/ (the default app: everything but dist/examples/) and each
 *     dist/examples/<name>/ as its own case. A missing dist/ fails: synthesize first.
 * Always: the positive control fixtures/valid/ and negative fixtures proving the suite can fail.
 *
 * Env: MCP_MESH_SKIP_CONFORMANCE=1 skips (local only; CI never sets it);
 *      KUBE_APISERVER / ETCD / KUBECTL use existing binaries instead of scripts/kube-tools.sh;
 *      MCP_MESH_CONFORMANCE_CRDS=<path>[:<path>...] extra CRD files/folders to install first;
 *      MCP_MESH_CONFORMANCE_KEEP=1 keeps the cluster's temp dir (logs, kubeconfig).
 */
import * as fs from 'fs';
import * as path from 'path';
import { formatProblems, listManifestFiles, validateManifests, ValidationReport, ValidationResult } from './apply';
import { conformanceSkipReason, REPO_ROOT, TestCluster } from './cluster';

/** Upstream CRDs (files or folders) every case needs; later: Prometheus Operator, Istio, Linkerd. */
const EXTRA_CRDS: string[] = [
  ...(process.env.MCP_MESH_CONFORMANCE_CRDS ?? '').split(path.delimiter).filter(Boolean),
];

const FIXTURES = path.join(__dirname, 'fixtures');
const NEGATIVE = path.join(FIXTURES, 'negative');
const DIST = path.join(REPO_ROOT, 'dist');
const EXAMPLES = path.join(DIST, 'examples');

interface Case {
  name: string;
  dir: string;
  files?: string[];
}

function manifestCases(): { cases: Case[]; missing?: string } {
  const fromEnv = process.env.MANIFESTS;
  if (fromEnv) {
    const dir = path.resolve(fromEnv);
    if (!fs.existsSync(dir)) return { cases: [], missing: `MANIFESTS=${fromEnv}: ${dir} does not exist` };
    const shown = path.relative(REPO_ROOT, dir);
    return { cases: [{ name: `MANIFESTS=${shown && !shown.startsWith('..') ? shown : dir}`, dir }] };
  }
  if (!fs.existsSync(DIST)) {
    return { cases: [], missing: `${DIST} does not exist: synthesize the manifests first (npm run synth), or set MANIFESTS=<dir>` };
  }
  const cases: Case[] = [];
  // The default app: everything in dist/ except the examples/ folder.
  const appFiles = listManifestFiles(DIST, { exclude: (d) => d === EXAMPLES });
  if (appFiles.length) cases.push({ name: 'dist (default app)', dir: DIST, files: appFiles });
  if (fs.existsSync(EXAMPLES)) {
    for (const e of fs.readdirSync(EXAMPLES, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) cases.push({ name: `dist/examples/${e.name}`, dir: path.join(EXAMPLES, e.name) });
    }
  }
  if (!cases.length) return { cases, missing: `${DIST} holds no manifests: synthesize them first (npm run synth)` };
  return { cases };
}


function summarize(name: string, r: ValidationReport): string {
  const count = (phase: string) => r.results.filter((x) => x.phase === phase).length;
  return (
    `conformance ${name}: ${r.files.length} file(s), ${r.results.length - count('pod') - count('kubectl')} object(s) ` +
    `(${count('crd')} CRD, ${count('create')} created for real), ${count('pod')} pod template(s) as Pods, ` +
    `${r.problems.length} problem(s), ${(r.durationMs / 1000).toFixed(1)}s; namespaces: ` +
    Object.entries(r.namespaces)
      .map(([ns, level]) => `${ns}=${level}`)
      .join(', ')
  );
}

function expectClean(name: string, r: ValidationReport): void {
  const objects = r.results.filter((x) => x.phase !== 'kubectl');
  if (!objects.length) throw new Error(`${name}: no manifests found in ${r.dir}`);
  if (r.problems.length) {
    throw new Error(
      `${name}: ${r.problems.length} object(s) rejected or warned by kube-apiserver ` +
        `(Pod Security "restricted", strict field validation):\n${formatProblems(r.problems)}`,
    );
  }
}

function find(r: ValidationReport, kind: string, name: string, phase?: string): ValidationResult {
  const hit = r.results.find((x) => x.object.kind === kind && x.object.name === name && (!phase || x.phase === phase));
  if (!hit) throw new Error(`no result for ${kind} ${name}${phase ? ` [${phase}]` : ''}:\n${JSON.stringify(r.results, null, 2)}`);
  return hit;
}

const skip = conformanceSkipReason();
const suite = skip ? describe.skip : describe;
if (skip) process.stderr.write(`conformance tests skipped: ${skip}\n`);

suite(skip ? `conformance (skipped: ${skip})` : 'conformance against kube-apiserver (Pod Security restricted)', () => {
  let cluster: TestCluster;
  const { cases, missing } = manifestCases();

  beforeAll(async () => {
    // The first run builds kube-apiserver/kubectl/etcd from source (scripts/kube-tools.sh).
    cluster = await TestCluster.start();
  }, 60 * 60 * 1000);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  const validate = (dir: string, files?: string[]) =>
    validateManifests(cluster, dir, { extraCrds: EXTRA_CRDS, kubectlCrossCheck: true, ...(files ? { files } : {}) });

  test('the server is the expected kube-apiserver', () => {
    expect(cluster.serverGitVersion).toBe(cluster.version);
    if (cluster.tools.kubeVersion) expect(cluster.version).toBe(cluster.tools.kubeVersion);
  });

  test('positive control: fixtures/valid passes with no errors and no warnings', async () => {
    const r = await validate(path.join(FIXTURES, 'valid'));
    console.log(summarize('fixtures/valid', r));
    expectClean('fixtures/valid', r);
    expect(r.namespaces['mcp-mesh']).toBe('restricted');
    expect(r.results.filter((x) => x.phase === 'pod').map((x) => x.object.name).sort()).toEqual([
      'cronjob-mcp-mesh-postgres-vacuum',
      'deployment-mcp-mesh-registry',
      'statefulset-mcp-mesh-postgres',
    ]);
  }, 5 * 60 * 1000);

  if (missing) {
    test('synthesized manifests', () => {
      throw new Error(missing);
    });
  }
  for (const c of cases) {
    test(`synthesized manifests: ${c.name}`, async () => {
      const r = await validate(c.dir, c.files);
      console.log(summarize(c.name, r));
      expectClean(c.name, r);
      // A Namespace of the manifests that sets its own, weaker Pod Security level would make the
      // pod checks above vacuous: every namespace must end up enforcing "restricted".
      const weak = Object.entries(r.namespaces).filter(([, level]) => level !== 'restricted');
      if (weak.length) {
        throw new Error(`${c.name}: namespaces not enforcing Pod Security "restricted": ${weak.map(([n, l]) => `${n}=${l}`).join(', ')}`);
      }
    }, 10 * 60 * 1000);
  }

  describe('negative fixtures (the suite can fail)', () => {
    test('unknown field in a Deployment spec is a strict field validation error', async () => {
      const r = await validate(path.join(NEGATIVE, 'unknown-field'));
      const res = find(r, 'Deployment', 'typo', 'apply');
      expect(res.ok).toBe(false);
      expect(res.message).toMatch(/\.spec\.replica: field not declared in schema/);
      expect(find(r, '(kubectl apply)', '1 file(s)').ok).toBe(false);
    });

    test('pods that break Pod Security "restricted" are forbidden', async () => {
      const r = await validate(path.join(NEGATIVE, 'pod-security'));
      // The workload itself is only warned about (warn=restricted) ...
      const deploy = find(r, 'Deployment', 'runs-as-root', 'apply');
      expect(deploy.ok).toBe(true);
      expect(deploy.warnings.join('\n')).toMatch(/would violate PodSecurity "restricted:latest".*runAsNonRoot/s);
      // ... the Pod it would create is rejected (enforce=restricted).
      const pod = find(r, 'Pod', 'deployment-runs-as-root', 'pod');
      expect(pod.ok).toBe(false);
      expect(pod.status).toBe(403);
      expect(pod.message).toMatch(/violates PodSecurity "restricted:latest":.*runAsNonRoot != true/s);
      const privileged = find(r, 'Pod', 'privileged', 'apply');
      expect(privileged.ok).toBe(false);
      expect(privileged.message).toMatch(/violates PodSecurity "restricted:latest": .*privileged \(container "app" must not set securityContext\.privileged=true\)/s);
    });

    test('a custom resource with a wrong field type is rejected by the installed CRD schema', async () => {
      const r = await validate(path.join(NEGATIVE, 'crd-schema'));
      expect(find(r, 'CustomResourceDefinition', 'widgets.conformance.example.com', 'crd').ok).toBe(true);
      expect(find(r, 'Widget', 'right-type', 'apply')).toMatchObject({ ok: true, warnings: [] });
      const bad = find(r, 'Widget', 'wrong-type', 'apply');
      expect(bad.ok).toBe(false);
      // Server-side apply converts to the CRD's structural schema first: wrong types fail there.
      expect(bad.message).toMatch(/failed to create typed patch object .*Kind=Widget\): \.spec\.size: expected numeric \(int or float\), got string/);
      // Type-correct values are then checked against the OpenAPI validation of the CRD.
      const small = find(r, 'Widget', 'too-small', 'apply');
      expect(small.ok).toBe(false);
      expect(small.message).toMatch(/spec\.size: Invalid value: 0: spec\.size in body should be greater than or equal to 1/);
    });

    test('a custom resource without an installed CRD has no matching kind', async () => {
      const r = await validate(path.join(NEGATIVE, 'missing-crd'));
      const res = find(r, 'Gadget', 'orphan', 'apply');
      expect(res.ok).toBe(false);
      expect(res.message).toMatch(/no matches for kind "Gadget" in version "notinstalled\.example\.com\/v1alpha1"/);
      // kubectl says the same.
      expect(find(r, '(kubectl apply)', '1 file(s)').message).toMatch(/no matches for kind "Gadget" in version "notinstalled\.example\.com\/v1alpha1"/);
    });
  });
});
