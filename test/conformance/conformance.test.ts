/**
 * Conformance: every synthesized manifest is server-side dry-run applied to a real
 * kube-apiserver (with etcd) on 127.0.0.1, under Pod Security "restricted", with strict field
 * validation, and must come back with zero errors and zero warnings.
 *
 * What is validated:
 *   - MANIFESTS=<dir> set: that folder only (recursive);
 *   - otherwise dist/ (the default app: everything but dist/examples/) and each
 *     dist/examples/<name>/ as its own case. A missing dist/ fails: synthesize first.
 * Always: the positive control fixtures/valid/, negative fixtures proving the suite can fail, and
 * fixtures/upstream/<project>/ proving the upstream CRDs are the real ones (valid resources pass,
 * invalid ones are rejected with the schema's reason).
 *
 * Before any case, the real upstream CRDs (Prometheus Operator, Istio, Linkerd, Gateway API,
 * External Secrets; versions pinned in scripts/upstream-crds.sh, fetched into the tools cache) are
 * installed once and stay installed for every case, like in a cluster that runs those projects.
 *
 * Env: MCP_MESH_SKIP_CONFORMANCE=1 skips (local only; CI never sets it);
 *      KUBE_APISERVER / ETCD / KUBECTL use existing binaries instead of scripts/kube-tools.sh;
 *      MCP_MESH_CONFORMANCE_CRDS=<path>[:<path>...] more CRD files/folders to install first;
 *      MCP_MESH_CONFORMANCE_KEEP=1 keeps the cluster's temp dir (logs, kubeconfig).
 */
import { execFileSync } from 'child_process';
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { formatProblems, installExtraCrds, validateManifests, ValidationReport, ValidationResult } from './apply';
import { conformanceSkipReason, REPO_ROOT, resolveUpstreamCrds, TestCluster, UpstreamCrdSet } from './cluster';
import { canonicalQuantity, requireDnsSubdomain, requireLabels, requireSecretKey, requireServiceName } from '../../src/model/validation';
import { nameRule } from '../../src/k8s/object-names';
import { canonicalCidr } from '../../src/model/cidr';
import { CHARTS_DIR, Helm, TRAVEL_AGENTS, travelReleaseArgs, travelUmbrellaArgs, umbrellaChart } from '../charts/helm-run';

/** CRD files or folders from MCP_MESH_CONFORMANCE_CRDS, installed after the upstream ones. */
const ENV_CRDS: string[] = (process.env.MCP_MESH_CONFORMANCE_CRDS ?? '').split(path.delimiter).filter(Boolean);

/**
 * What fixtures/upstream/<project>/ must show: every kind of valid.yaml applies cleanly, and each
 * object of invalid.yaml is rejected with the server's reason.
 */
interface UpstreamCase {
  project: string;
  /** CRDs the project must have installed (and Established) */
  crds: string[];
  /** kind/name of every object in valid.yaml */
  valid: string[];
  /**
   * status: 422 (Invalid) from schema validation; strict field validation of a server-side apply
   * fails earlier, while building the typed patch, and kube-apiserver answers 500 there.
   */
  invalid: Array<{ kind: string; name: string; status: number; message: RegExp }>;
}

const UPSTREAM_CASES: UpstreamCase[] = [
  {
    project: 'prometheus-operator',
    crds: ['servicemonitors', 'podmonitors', 'prometheusrules', 'probes'].map((r) => `${r}.monitoring.coreos.com`),
    valid: ['ServiceMonitor/mcp-mesh-registry', 'PodMonitor/mcp-mesh-agents', 'PrometheusRule/mcp-mesh', 'Probe/mcp-mesh-registry-health'],
    invalid: [
      {
        kind: 'ServiceMonitor',
        name: 'bad-interval',
        status: 422,
        // the CRD's duration pattern
        message: /^ServiceMonitor\.monitoring\.coreos\.com "bad-interval" is invalid: spec\.endpoints\[0\]\.interval: Invalid value: "30 seconds": spec\.endpoints\[0\]\.interval in body should match '\^\(0\|\(\(\[0-9\]\+\)y\)\?/,
      },
      {
        kind: 'PodMonitor',
        name: 'unknown-field',
        status: 500,
        message: /^failed to create typed patch object \(mcp-mesh\/unknown-field; monitoring\.coreos\.com\/v1, Kind=PodMonitor\): \.spec\.podMetricsEndpoints\[0\]\.paths: field not declared in schema$/,
      },
    ],
  },
  {
    project: 'istio',
    crds: [
      'virtualservices.networking.istio.io',
      'destinationrules.networking.istio.io',
      'sidecars.networking.istio.io',
      'peerauthentications.security.istio.io',
      'authorizationpolicies.security.istio.io',
    ],
    valid: [
      'VirtualService/mcp-mesh-registry',
      'DestinationRule/mcp-mesh-registry',
      'Sidecar/default',
      'PeerAuthentication/default',
      'AuthorizationPolicy/mcp-mesh-registry',
    ],
    invalid: [
      {
        kind: 'PeerAuthentication',
        name: 'bad-mode',
        status: 422,
        message: /^PeerAuthentication\.security\.istio\.io "bad-mode" is invalid: \[?spec\.mtls\.mode: Unsupported value: "STRICTEST": supported values: "UNSET", "DISABLE", "PERMISSIVE", "STRICT"/,
      },
      {
        kind: 'VirtualService',
        name: 'unknown-field',
        status: 500,
        message: /^failed to create typed patch object \(mcp-mesh\/unknown-field; networking\.istio\.io\/v1, Kind=VirtualService\): \.spec\.http\[0\]\.timeouts: field not declared in schema$/,
      },
    ],
  },
  {
    project: 'linkerd',
    crds: [
      'servers.policy.linkerd.io',
      'serverauthorizations.policy.linkerd.io',
      'authorizationpolicies.policy.linkerd.io',
      'meshtlsauthentications.policy.linkerd.io',
      'httproutes.policy.linkerd.io',
      'serviceprofiles.linkerd.io',
    ],
    valid: [
      'Server/mcp-mesh-registry-http',
      'ServerAuthorization/mcp-mesh-registry-agents',
      'MeshTLSAuthentication/mcp-mesh-agents',
      'AuthorizationPolicy/mcp-mesh-registry',
      'HTTPRoute/mcp-mesh-registry-health',
      'ServiceProfile/mcp-mesh-registry.mcp-mesh.svc.cluster.local',
    ],
    invalid: [
      {
        kind: 'MeshTLSAuthentication',
        name: 'bad-identity',
        status: 422,
        message: /^MeshTLSAuthentication\.policy\.linkerd\.io "bad-identity" is invalid: spec\.identities\[0\]: Invalid value: "Weather@mcp-mesh": spec\.identities\[0\] in body should match/,
      },
      {
        kind: 'Server',
        name: 'unknown-field',
        status: 500,
        message: /^failed to create typed patch object \(mcp-mesh\/unknown-field; policy\.linkerd\.io\/v1beta1, Kind=Server\): \.spec\.proxyProtocl: field not declared in schema$/,
      },
    ],
  },
  {
    project: 'gateway-api',
    crds: ['httproutes.gateway.networking.k8s.io'],
    valid: ['HTTPRoute/mcp-mesh-registry'],
    invalid: [
      {
        kind: 'HTTPRoute',
        name: 'relative-path',
        status: 422,
        // a CEL rule (x-kubernetes-validations) of the CRD
        message: /^HTTPRoute\.gateway\.networking\.k8s\.io "relative-path" is invalid: spec\.rules\[0\]\.matches\[0\]\.path: Invalid value: .*value must be an absolute path and start with '\/' when type one of \['Exact', 'PathPrefix'\]/,
      },
      {
        kind: 'HTTPRoute',
        name: 'bad-path-type',
        status: 422,
        message: /^HTTPRoute\.gateway\.networking\.k8s\.io "bad-path-type" is invalid: \[?spec\.rules\[0\]\.matches\[0\]\.path\.type: Unsupported value: "Prefix": supported values: "Exact", "PathPrefix", "RegularExpression"/,
      },
    ],
  },
  {
    project: 'external-secrets',
    crds: ['externalsecrets.external-secrets.io'],
    valid: ['ExternalSecret/mcp-mesh-postgres'],
    invalid: [
      {
        kind: 'ExternalSecret',
        name: 'bad-creation-policy',
        status: 422,
        message: /^ExternalSecret\.external-secrets\.io "bad-creation-policy" is invalid: spec\.target\.creationPolicy: Unsupported value: "Always": supported values: "Owner", "Orphan", "Merge", "None"/,
      },
      {
        kind: 'ExternalSecret',
        name: 'unknown-field',
        status: 500,
        message: /^failed to create typed patch object \(mcp-mesh\/unknown-field; external-secrets\.io\/v1, Kind=ExternalSecret\): \.spec\.data\[0\]\.remoteRefs: field not declared in schema$/,
      },
    ],
  },
  {
    project: 'cert-manager',
    crds: ['certificates.cert-manager.io', 'issuers.cert-manager.io', 'clusterissuers.cert-manager.io'],
    valid: ['ClusterIssuer/mesh-ca', 'Certificate/weather-tls'],
    invalid: [
      { kind: 'Certificate', name: 'bad-usage', status: 422, message: /^Certificate\.cert-manager\.io "bad-usage" is invalid: spec\.usages\[0\]: Unsupported value: "mutual auth"/ },
      { kind: 'Certificate', name: 'no-secret', status: 422, message: /^Certificate\.cert-manager\.io "no-secret" is invalid: spec\.secretName: Required value/ },
    ],
  },
];

const FIXTURES = path.join(__dirname, 'fixtures');
const UPSTREAM_FIXTURES = path.join(FIXTURES, 'upstream');
const NEGATIVE = path.join(FIXTURES, 'negative');
const DIST = path.join(REPO_ROOT, 'dist');
const EXAMPLES = path.join(DIST, 'examples');

interface Case {
  name: string;
  dir: string;
  files?: string[];
  /** A Kustomize folder: built with the cluster's kubectl before it is validated. */
  kustomize?: boolean;
  /** A Helm chart: rendered with `helm template` (scripts/helm-tools.sh) before it is validated. */
  helm?: string;
  /** A chart of charts/ with values: rendered by this function (given the server's version) before it is validated. */
  render?: (kubeVersion: string) => string;
}

/** The charts of charts/, with the values files of examples/helm, as a Helm user installs them. */
function chartCases(): Case[] {
  let helm: Helm | undefined;
  let umbrella: string | undefined;
  const template = (kubeVersion: string, release: string, chart: () => string, args: string[]) => {
    helm ??= new Helm();
    return helm.run(['template', release, chart(), '--namespace', 'mcp-mesh', '--kube-version', kubeVersion, ...args]);
  };
  const example = (file: string) => ['-f', path.join(REPO_ROOT, 'examples', 'helm', file)];
  const chart = (name: string) => () => path.join(CHARTS_DIR, name);
  afterAll(() => helm?.cleanup());
  return [
    { name: 'charts/mcp-mesh-registry (examples/helm/registry.yaml)', dir: CHARTS_DIR, render: (v) => template(v, 'registry', chart('mcp-mesh-registry'), example('registry.yaml')) },
    { name: 'charts/mcp-mesh-registry (examples/helm/registry-postgres.yaml)', dir: CHARTS_DIR, render: (v) => template(v, 'registry', chart('mcp-mesh-registry'), example('registry-postgres.yaml')) },
    { name: 'charts/mcp-mesh-registry (examples/helm/registry-postgres-in-cluster.yaml)', dir: CHARTS_DIR, render: (v) => template(v, 'registry', chart('mcp-mesh-registry'), example('registry-postgres-in-cluster.yaml')) },
    ...TRAVEL_AGENTS.map((a): Case => ({ name: `charts/mcp-mesh-agent (examples/helm/${a}.yaml)`, dir: CHARTS_DIR, render: (v) => template(v, a, chart('mcp-mesh-agent'), travelReleaseArgs(a)) })),
    { name: 'charts/mcp-mesh-agent (examples/helm/agent-image.yaml)', dir: CHARTS_DIR, render: (v) => template(v, 'assistant', chart('mcp-mesh-agent'), example('agent-image.yaml')) },
    { name: 'charts/mcp-mesh (examples/helm/mesh.yaml)', dir: CHARTS_DIR, render: (v) => template(v, 'travel', () => (umbrella ??= umbrellaChart(helm!)), travelUmbrellaArgs()) },
    { name: 'charts/mcp-mesh (examples/helm/mesh-istio.yaml)', dir: CHARTS_DIR, render: (v) => template(v, 'travel', () => (umbrella ??= umbrellaChart(helm!)), travelUmbrellaArgs('mesh-istio.yaml')) },
  ];
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
  // The default app: its Namespace bootstrap and its manifests, each folder as it is.
  for (const folder of ['bootstrap', 'manifests']) {
    if (fs.existsSync(path.join(DIST, folder))) cases.push({ name: `dist/${folder} (default app)`, dir: path.join(DIST, folder) });
  }
  if (fs.existsSync(EXAMPLES)) {
    for (const e of fs.readdirSync(EXAMPLES, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) cases.push({ name: `dist/examples/${e.name}`, dir: path.join(EXAMPLES, e.name) });
    }
  }
  // The Kustomize base and every overlay, as kustomize builds them.
  const kustomize = path.join(DIST, 'kustomize');
  if (fs.existsSync(kustomize)) {
    cases.push({ name: 'dist/kustomize/base', dir: path.join(kustomize, 'base'), kustomize: true });
    const overlays = path.join(kustomize, 'overlays');
    for (const e of fs.existsSync(overlays) ? fs.readdirSync(overlays, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name)) : []) {
      if (e.isDirectory()) cases.push({ name: `dist/kustomize/overlays/${e.name}`, dir: path.join(overlays, e.name), kustomize: true });
    }
  }
  // The Helm export's charts (mcp-mesh-export-registry, mcp-mesh-export-agents), each on its own, as helm renders it.
  const helm = path.join(DIST, 'helm-export');
  for (const e of fs.existsSync(helm) ? fs.readdirSync(helm, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name)) : []) {
    if (e.isDirectory()) cases.push({ name: `dist/helm-export/${e.name}`, dir: path.join(helm, e.name), helm: e.name });
  }
  if (!cases.length) return { cases, missing: `${DIST} holds no manifests: synthesize them first (npm run synth)` };
  return { cases: [...cases, ...chartCases()] };
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
  let upstream: UpstreamCrdSet[] = [];
  let extraCrds: string[] = [];
  const { cases, missing } = manifestCases();

  beforeAll(async () => {
    // First run: a few seconds to fetch the upstream CRDs (scripts/upstream-crds.sh), and many
    // minutes to build kube-apiserver/kubectl/etcd from source (scripts/kube-tools.sh).
    upstream = await resolveUpstreamCrds();
    cluster = await TestCluster.start();
    extraCrds = [...upstream.map((u) => u.dir), ...ENV_CRDS];
    const t0 = Date.now();
    const installed = await installExtraCrds(cluster, extraCrds);
    console.log(
      `upstream CRDs: ${installed.docs.length} installed and Established in ${((Date.now() - t0) / 1000).toFixed(1)}s ` +
        `(${upstream.map((u) => `${u.project} ${u.version}`).join(', ')}${ENV_CRDS.length ? `, MCP_MESH_CONFORMANCE_CRDS: ${ENV_CRDS.join(', ')}` : ''})` +
        (installed.warnings.length ? `\nwarnings while installing them:\n  ${installed.warnings.join('\n  ')}` : ''),
    );
  }, 60 * 60 * 1000);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  const validate = (dir: string, files?: string[]) =>
    validateManifests(cluster, dir, { extraCrds, kubectlCrossCheck: true, ...(files ? { files } : {}) });

  test('GitOps: dist/bootstrap applies for real, then dist/manifests as it is (kubectl apply -R, server side, dry run); dist/ as a whole does not', () => {
    const manifests = path.join(DIST, 'manifests');
    const objects = fs.readdirSync(manifests).flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(manifests, f), 'utf8')).map((d) => d.toJSON())).filter(Boolean);
    const bootstrap = cluster.kubectl(['apply', '--recursive', '--filename', path.join(DIST, 'bootstrap'), '--warnings-as-errors']);
    expect(bootstrap).toMatchObject({ status: 0 });
    const ns = JSON.parse(cluster.kubectl(['get', 'namespace', 'mcp-mesh', '--output', 'json']).stdout);
    expect(ns.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    const apply = (dir: string) => cluster.kubectl(['apply', '--recursive', '--filename', dir, '--server-side', '--dry-run=server', '--field-manager', 'gitops', '--warnings-as-errors']);
    const r = apply(manifests);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout.trim().split('\n')).toHaveLength(objects.length);
    expect(r.stdout).toMatch(/deployment\.apps\/planner serverside-applied \(server dry run\)/);
    // Negative control: the whole of dist/ mixes Helm templates and Kustomize files with the manifests.
    expect(apply(DIST).status).not.toBe(0);
  }, 120_000);

  test('quantities: the library writes each in a form the API server keeps as written (no GitOps drift) and reads as the same value, for 600 generated values', async () => {
    // Seeded, so a failure reproduces; the grammar is the library's (digits, a fraction, a suffix).
    const generated = fc.sample(fc.tuple(
      fc.stringMatching(/^[0-9]{0,7}$/), fc.stringMatching(/^[0-9]{0,12}$/),
      fc.constantFrom('', 'm', 'k', 'M', 'G', 'T', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi'),
    ).map(([whole, fraction, suffix]) => `${whole}${fraction ? `.${fraction}` : ''}${suffix}`), { seed: 20261125, numRuns: 600 });
    const edges = ['0.5', '1000m', '1024Mi', '0.5Gi', '1.5Gi', '1.5m', '0.0000000001', '1.1Mi', '1000k', '0.5Ki', '1.5Ki', '2048', '1023Ki', '7.9999999999Ki', '0', '0Gi', '62638.719711M', '01k'];
    const inputs = [...new Set([...edges, ...generated])].filter((q) => /^([0-9]+(\.[0-9]+)?|\.[0-9]+)[A-Za-z]*$/.test(q) && canonicalQuantity(q) !== undefined);
    expect(inputs.length).toBeGreaterThan(400);
    // What the server keeps for each value (server-side apply dry run of a ResourceQuota: Pods and PVCs keep quantities the same way).
    const keep = async (values: string[]): Promise<string[]> => {
      const out: string[] = [];
      for (let start = 0; start < values.length; start += 200) {
        const batch = values.slice(start, start + 200);
        const hard = Object.fromEntries(batch.map((q, i) => [`requests.example.com/q${i}`, q]));
        const r = await cluster.applyDryRun({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'quantities', namespace: 'default' }, spec: { hard } });
        expect(r.status).toBe(201);
        const back = JSON.parse(r.body).spec.hard as Record<string, string>;
        out.push(...batch.map((_, i) => back[`requests.example.com/q${i}`]));
      }
      return out;
    };
    const written = inputs.map((q) => canonicalQuantity(q)!);
    const [keptInput, keptWritten] = [await keep(inputs), await keep(written)];
    // The server would keep the user's own spelling in some cases ("62638.719711M"); the library's is always kept as is.
    expect(inputs.flatMap((q, i) => (keptWritten[i] === written[i] ? [] : [`${q} written as ${written[i]}, kept as ${keptWritten[i]}`]))).toEqual([]);
    // ... and means what the user's spelling means to the server (rounding included).
    expect(inputs.flatMap((q, i) => (canonicalQuantity(keptInput[i]) === written[i] ? [] : [`${q}: server ${keptInput[i]}, library ${written[i]}`]))).toEqual([]);
    expect(written.filter((w, i) => w !== inputs[i]).length).toBeGreaterThan(100); // the normalization is exercised
  });

  test('CIDR ranges: what the library writes the API server takes without a warning and keeps as written; what it refuses, the server rejects or warns about (generated ranges)', async () => {
    const hex = fc.oneof(fc.constant('0'), fc.constant('0'), fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16)));
    const v6Groups = fc.array(hex, { minLength: 8, maxLength: 8 });
    const spell6 = fc.tuple(v6Groups, fc.constantFrom('plain', 'upper', 'padded', 'compress', 'broken'), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 7 }));
    const v6 = spell6.map(([g, how, at, len]) => {
      if (how === 'upper') return g.join(':').toUpperCase();
      if (how === 'padded') return g.map((x) => x.padStart(4, '0')).join(':');
      if (how === 'compress') return `${g.slice(0, Math.min(at, 7)).join(':')}::${g.slice(Math.min(at, 7) + len).join(':')}`;
      if (how === 'broken') return `${g.join(':')}:${g[0]}`;
      return g.join(':');
    });
    const octet = fc.oneof(fc.integer({ min: 0, max: 255 }).map(String), fc.constantFrom('0', '00', '010', '256', '300'));
    const v4 = fc.array(octet, { minLength: 4, maxLength: 4 }).map((o) => o.join('.'));
    const cidr = fc.oneof(
      fc.tuple(v4, fc.integer({ min: 0, max: 33 })).map(([a, p]) => `${a}/${p}`),
      fc.tuple(v6, fc.integer({ min: 0, max: 129 })).map(([a, p]) => `${a}/${p}`),
      // Ranges of the right shape (host bits zero): most of them are valid.
      fc.tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 32 })).map(([n, p]) => {
        const network = p === 0 ? 0 : (n >>> (32 - p)) << (32 - p) >>> 0;
        return `${[24, 16, 8, 0].map((s) => (network >>> s) & 255).join('.')}/${p}`;
      }),
    );
    const inputs = [...new Set(fc.sample(cidr, { seed: 20261125, numRuns: 500 }))];
    const accepted = inputs.filter((c) => canonicalCidr(c) !== undefined);
    const refused = inputs.filter((c) => canonicalCidr(c) === undefined);
    expect(accepted.length).toBeGreaterThan(100);
    expect(refused.length).toBeGreaterThan(100);
    const submit = (cidrs: string[]) => cluster.applyDryRun({
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'cidrs', namespace: 'default' },
      spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: cidrs.map((c) => ({ ipBlock: { cidr: c } })) }] },
    });

    // What the library writes: accepted, no warning, kept as written.
    const written = accepted.map((c) => canonicalCidr(c)!);
    const clean = await submit(written);
    expect([clean.status, clean.warnings]).toEqual([201, []]);
    expect(JSON.parse(clean.body).spec.egress[0].to.map((p: any) => p.ipBlock.cidr)).toEqual(written);
    // The user's other spellings the library accepts (one request each: the server caps the warnings of a response
    // at 4 KiB): the server takes them too, and asks for the library's spelling.
    const respelled = accepted.map((c, i) => [c, written[i]]).filter(([c, w]) => c !== w);
    expect(respelled.length).toBeGreaterThan(20);
    const asked = await Promise.all(respelled.map(async ([c]) => {
      const r = await submit([c]);
      return [c, r.status, r.warnings.map((w) => /\("([^"]+)"\)$/.exec(w)?.[1] ?? w)];
    }));
    expect(asked).toEqual(respelled.map(([c, w]) => [c, 201, [w]]));
    // What the library refuses: the server rejects it, or accepts it with a warning.
    const verdicts = await Promise.all(refused.map(async (c) => {
      const r = await submit([c]);
      return r.status === 422 || r.warnings.length > 0 ? undefined : `${c}: the library refuses it, the server takes it (${r.status}) without a warning`;
    }));
    expect(verdicts.filter((v) => v !== undefined)).toEqual([]);
  });

  test('labels: the library accepts exactly the keys and values the API server accepts (generated labels)', async () => {
    const name = fc.oneof(fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/), fc.stringMatching(/^[-A-Za-z0-9_. !]{0,66}$/));
    const subdomain = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?){0,3}$/);
    const prefix = fc.oneof(subdomain, fc.stringMatching(/^[-a-zA-Z0-9._/]{0,12}$/), subdomain.map((d) => `${d}.${'a'.repeat(250)}`), fc.constant('example.com'));
    const key = fc.tuple(fc.option(prefix, { nil: undefined }), name).map(([p, n]) => (p === undefined ? n : `${p}/${n}`));
    const value = fc.oneof(fc.constant(''), fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/), fc.stringMatching(/^[-A-Za-z0-9_. ]{0,66}$/));
    const labels = fc.sample(fc.tuple(key, value), { seed: 20261125, numRuns: 400 });
    const library = labels.map(([k, v]) => {
      try {
        requireLabels('labels', { [k]: v });
        return true;
      } catch {
        return false;
      }
    });
    expect(library.filter((ok) => ok).length).toBeGreaterThan(100);
    expect(library.filter((ok) => !ok).length).toBeGreaterThan(100);
    const server = await Promise.all(labels.map(async ([k, v]) => {
      const r = await cluster.applyDryRun({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'labels', namespace: 'default', labels: { [k]: v } } });
      return r.status < 300;
    }));
    expect(labels.flatMap(([k, v], i) => (library[i] === server[i] ? [] : [`${JSON.stringify(k)}: ${JSON.stringify(v)}: library ${library[i]}, server ${server[i]}`]))).toEqual([]);
  });

  /** Whether the library accepts a value (its check throws otherwise). */
  const accepts = (check: () => unknown) => {
    try {
      check();
      return true;
    } catch {
      return false;
    }
  };

  /** Library and server verdicts that differ, as readable lines. */
  const disagreements = (values: readonly string[], library: readonly boolean[], server: readonly boolean[]) =>
    values.flatMap((v, i) => (library[i] === server[i] ? [] : [`${JSON.stringify(v)}: library ${library[i]}, server ${server[i]}`]));

  test('object names: the library accepts exactly the Service and ConfigMap names the API server accepts (generated names)', async () => {
    const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    const near = fc.oneof(label, fc.stringMatching(/^[-a-z0-9.A-Z_]{0,66}$/), label.map((l) => `${l}${'x'.repeat(60)}`), fc.constant('1abc'), fc.constant('a'.repeat(63)), fc.constant('a'.repeat(64)));
    const names = fc.sample(near, { seed: 20261203, numRuns: 300 });
    // A Service name is also the agent's or the registry's name (maxLength 63 here: the construct bounds are tighter).
    const library = names.map((n) => accepts(() => requireServiceName('name', n, 63)));
    expect(library.filter((ok) => ok).length).toBeGreaterThan(60);
    expect(library.filter((ok) => !ok).length).toBeGreaterThan(60);
    const server = await Promise.all(names.map(async (n) => {
      const r = await cluster.applyDryRun({ apiVersion: 'v1', kind: 'Service', metadata: { name: n, namespace: 'default' }, spec: { ports: [{ port: 80 }] } });
      return r.status < 300;
    }));
    expect(disagreements(names, library, server)).toEqual([]);
    // The rule the synth-time name check applies to Services is the same one.
    expect(names.filter((n, i) => (nameRule('Service').pattern.test(n) && n.length <= nameRule('Service').max) !== server[i])).toEqual([]);

    const subdomain = fc.oneof(names.length > 0 ? fc.constantFrom(...names) : label, fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,30}[a-z0-9])?$/), fc.constant(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`), fc.constant(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`));
    const configMapNames = fc.sample(subdomain, { seed: 20261204, numRuns: 200 });
    const libraryCm = configMapNames.map((n) => accepts(() => requireDnsSubdomain('name', n)));
    const serverCm = await Promise.all(configMapNames.map(async (n) => {
      const r = await cluster.applyDryRun({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, namespace: 'default' } });
      return r.status < 300;
    }));
    expect(disagreements(configMapNames, libraryCm, serverCm)).toEqual([]);
  });

  test('Secret and ConfigMap keys: the library accepts exactly the keys the API server accepts (generated keys)', async () => {
    const key = fc.oneof(fc.stringMatching(/^[-._a-zA-Z0-9]{1,20}$/), fc.stringMatching(/^[-._a-zA-Z0-9/ :]{0,12}$/),
      fc.constantFrom('.', '..', '..x', '.x', 'x..', 'a.b', 'k'.repeat(253), 'k'.repeat(254)));
    const keys = fc.sample(key, { seed: 20261205, numRuns: 300 });
    const library = keys.map((k) => accepts(() => requireSecretKey('key', k)));
    expect(library.filter((ok) => ok).length).toBeGreaterThan(60);
    expect(library.filter((ok) => !ok).length).toBeGreaterThan(30);
    const server = await Promise.all(keys.map(async (k) => {
      const r = await cluster.applyDryRun({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keys', namespace: 'default' }, stringData: { [k]: 'v' } });
      return r.status < 300;
    }));
    expect(disagreements(keys, library, server)).toEqual([]);
  });

  test('the server is the expected kube-apiserver', () => {
    expect(cluster.serverGitVersion).toBe(cluster.version);
    if (cluster.tools.kubeVersion) expect(cluster.version).toBe(cluster.tools.kubeVersion);
  });

  describe('upstream CRDs are the real ones', () => {
    test('every pinned project is installed, each CRD Established', async () => {
      expect(upstream.map((u) => u.project).sort()).toEqual(UPSTREAM_CASES.map((c) => c.project).sort());
      for (const u of upstream) expect(u.version).toMatch(/^(v\d+\.\d+\.\d+|stable-\d+\.\d+\.\d+)$/);
      for (const name of UPSTREAM_CASES.flatMap((c) => c.crds)) {
        const r = await cluster.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
        expect({ name, status: r.status }).toEqual({ name, status: 200 });
        const conds = (JSON.parse(r.body).status?.conditions ?? []) as Array<{ type: string; status: string }>;
        expect({ name, established: conds.find((c) => c.type === 'Established')?.status }).toEqual({ name, established: 'True' });
      }
    });

    for (const uc of UPSTREAM_CASES) {
      const dir = path.join(UPSTREAM_FIXTURES, uc.project);
      test(`${uc.project}: valid resources of each kind apply cleanly`, async () => {
        const r = await validate(dir, ['valid.yaml']);
        console.log(summarize(`fixtures/upstream/${uc.project}/valid.yaml`, r));
        expectClean(`fixtures/upstream/${uc.project}`, r);
        const applied = r.results.filter((x) => x.phase === 'apply').map((x) => `${x.object.kind}/${x.object.name}`);
        expect(applied.sort()).toEqual([...uc.valid].sort());
      });

      test(`${uc.project}: invalid resources are rejected with the schema's reason`, async () => {
        const r = await validate(dir, ['invalid.yaml']);
        const applied = r.results.filter((x) => x.phase === 'apply');
        expect(applied.map((x) => `${x.object.kind}/${x.object.name}`).sort()).toEqual(uc.invalid.map((i) => `${i.kind}/${i.name}`).sort());
        // Rejected with the schema's reason (all objects compared at once: one diff shows every mismatch).
        const got = uc.invalid.map((i) => {
          const res = find(r, i.kind, i.name, 'apply');
          return { object: `${i.kind}/${i.name}`, ok: res.ok, status: res.status, message: res.message };
        });
        expect(got).toEqual(
          uc.invalid.map((i) => ({ object: `${i.kind}/${i.name}`, ok: false, status: i.status, message: expect.stringMatching(i.message) })),
        );
        expect(find(r, '(kubectl apply)', '1 file(s)').ok).toBe(false);
      });
    }
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
      let dir = c.dir;
      if (c.kustomize) {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kustomize-build-'));
        fs.writeFileSync(path.join(dir, 'built.yaml'), execFileSync(cluster.tools.kubectl, ['kustomize', c.dir], { encoding: 'utf8' }));
      }
      if (c.helm) {
        // Rendered for this server's version (the chart's kubeVersion must admit it), CRDs included.
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-template-'));
        const helm = execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'helm-tools.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
        const home = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-home-'));
        fs.writeFileSync(path.join(dir, 'rendered.yaml'), execFileSync(helm, ['template', c.helm, c.dir, '--include-crds', '--kube-version', cluster.version], {
          encoding: 'utf8', env: { ...process.env, HELM_CACHE_HOME: `${home}/cache`, HELM_CONFIG_HOME: `${home}/config`, HELM_DATA_HOME: `${home}/data` },
        }));
      }
      if (c.render) {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-template-'));
        fs.writeFileSync(path.join(dir, 'rendered.yaml'), c.render(cluster.version));
      }
      const r = await validate(dir, c.kustomize || c.helm || c.render ? undefined : c.files);
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
