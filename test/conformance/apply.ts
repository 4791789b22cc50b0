/**
 * Validates a folder of Kubernetes manifests against a real kube-apiserver (see cluster.ts):
 *
 *  1. every Namespace the manifests use is created for real, labelled
 *     pod-security.kubernetes.io/enforce=restricted and warn=restricted (a Namespace object of the
 *     manifests is applied for real, with those labels added unless it sets its own PSS labels);
 *  2. CustomResourceDefinitions (extra upstream CRD files first, then the manifests' own) are
 *     applied for real and awaited until Established; extra CRDs stay installed and are applied
 *     only once per cluster (installExtraCrds);
 *  3. objects that pods need at admission time (ServiceAccount, PriorityClass, RuntimeClass,
 *     LimitRange) are applied for real, plus the `default` ServiceAccount of each namespace
 *     (normally created by kube-controller-manager, which does not run here);
 *  4. every other object is server-side applied with dryRun=All, fieldValidation=Strict;
 *  5. the pod template of every workload is submitted as a Pod with dryRun=All (Pod Security
 *     admission only warns for workloads, but rejects Pods).
 *
 * Requests go straight to the REST API (server-side apply PATCH, application/apply-patch+yaml),
 * so each result names its object and carries the server's exact message and Warning headers.
 * The YAML text of each document is sent unchanged, so the server parses it exactly as it
 * would parse `kubectl apply` input (YAML 1.1 rules, duplicate keys rejected, ...).
 */
import * as fs from 'fs';
import * as path from 'path';
import { isMap, parseAllDocuments } from 'yaml';
import type { HttpResponse, TestCluster } from './cluster';

export const FIELD_MANAGER = 'conformance';
export const PSS_LEVEL = 'restricted';
const PSS_PREFIX = 'pod-security.kubernetes.io/';

/** Kinds created for real (besides Namespace and CRD) because pod admission looks them up. */
export const DEFAULT_REAL_KINDS = ['ServiceAccount', 'PriorityClass', 'RuntimeClass', 'LimitRange'];

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'ReplicationController'];

export type Phase = 'parse' | 'namespace' | 'crd' | 'create' | 'apply' | 'pod' | 'kubectl';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  /** file (relative to the validated dir) and 0-based document index */
  file: string;
  doc: number;
}

export interface ValidationResult {
  object: ObjectRef;
  phase: Phase;
  /** the request was accepted (a result can be ok and still carry warnings) */
  ok: boolean;
  /** the server's message (Status.message) or a client-side error */
  message?: string;
  warnings: string[];
  status?: number;
  /** for phase 'pod': the workload the pod template came from */
  from?: ObjectRef;
}

export interface ValidationReport {
  dir: string;
  files: string[];
  results: ValidationResult[];
  /** namespace → effective enforce level after step 1 */
  namespaces: Record<string, string>;
  /** results that failed or carried warnings */
  problems: ValidationResult[];
  durationMs: number;
}

export interface ValidateOptions {
  /** CRD files or folders (YAML) installed for real before anything else, e.g. upstream operator CRDs. */
  extraCrds?: string[];
  /** Kinds besides Namespace/CRD to create for real (default DEFAULT_REAL_KINDS). */
  realKinds?: string[];
  /** Parallel requests (default 8). */
  concurrency?: number;
  /** Delete what was created for real (except Namespaces and extra CRDs) afterwards (default true). */
  cleanup?: boolean;
  /** Only these files (absolute or relative to dir); default: every *.yaml/*.yml under dir. */
  files?: string[];
  /**
   * Also run the built kubectl over the same files (`kubectl --warnings-as-errors apply
   * --server-side --dry-run=server --validate=strict`), reported as one result of phase 'kubectl'.
   */
  kubectlCrossCheck?: boolean;
}

export interface Doc {
  ref: ObjectRef;
  obj: Record<string, any>;
  /** YAML text of the document as written (sent verbatim for apply) */
  text: string;
}

interface ResourceInfo {
  name: string;
  namespaced: boolean;
}

/** Recursively lists *.yaml / *.yml files (sorted, stable). */
export function listManifestFiles(dir: string, opts: { exclude?: (absDir: string) => boolean } = {}): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (!opts.exclude?.(p)) walk(p);
      } else if (e.isFile() && /\.ya?ml$/i.test(e.name)) {
        out.push(p);
      }
    }
  };
  walk(dir);
  return out;
}

/** Parses multi-document YAML files into objects (YAML 1.1 semantics, like the API server). */
export function loadManifests(files: string[], baseDir: string): { docs: Doc[]; errors: ValidationResult[] } {
  const docs: Doc[] = [];
  const errors: ValidationResult[] = [];
  for (const file of files) {
    const rel = path.relative(baseDir, file) || path.basename(file);
    const source = fs.readFileSync(file, 'utf8');
    parseAllDocuments(source, { version: '1.1', uniqueKeys: true }).forEach((d, i) => {
      const where: ObjectRef = { apiVersion: '', kind: '', name: '', file: rel, doc: i };
      if (d.errors.length) {
        errors.push({ object: where, phase: 'parse', ok: false, message: d.errors.map((e) => e.message).join('; '), warnings: [] });
        return;
      }
      const obj = d.toJS({ maxAliasCount: 1000 }) as unknown;
      if (obj === null || obj === undefined) return; // empty document
      if (typeof obj !== 'object' || Array.isArray(obj)) {
        errors.push({ object: where, phase: 'parse', ok: false, message: 'document is not a mapping', warnings: [] });
        return;
      }
      const o = obj as Record<string, any>;
      const items: Array<{ obj: Record<string, any>; text: string }> =
        /List$/.test(String(o.kind)) && Array.isArray(o.items)
          ? o.items.map((it: Record<string, any>) => ({ obj: it, text: JSON.stringify(it) }))
          : [{ obj: o, text: documentText(source, d.contents?.range, o) }];
      for (const it of items) {
        const ref: ObjectRef = {
          apiVersion: String(it.obj.apiVersion ?? ''),
          kind: String(it.obj.kind ?? ''),
          name: String(it.obj.metadata?.name ?? it.obj.metadata?.generateName ?? ''),
          file: rel,
          doc: i,
        };
        if (it.obj.metadata?.namespace) ref.namespace = String(it.obj.metadata.namespace);
        if (!ref.apiVersion || !ref.kind || !ref.name) {
          errors.push({ object: ref, phase: 'parse', ok: false, message: 'apiVersion, kind and metadata.name are required', warnings: [] });
          continue;
        }
        docs.push({ ref, obj: it.obj, text: it.text });
      }
    });
  }
  return { docs, errors };
}

function documentText(source: string, range: [number, number, number] | undefined, obj: object): string {
  if (range) {
    const text = source.slice(range[0], range[2]);
    // Only when the slice is a well-formed document on its own (e.g. starts at a block map key).
    const back = parseAllDocuments(text, { version: '1.1' });
    if (back.length === 1 && !back[0].errors.length && JSON.stringify(back[0].toJS()) === JSON.stringify(obj)) return text;
  }
  return JSON.stringify(obj);
}

export function describeRef(r: ObjectRef): string {
  const ns = r.namespace ? `${r.namespace}/` : '';
  return `${r.kind} ${ns}${r.name} (${r.apiVersion}, ${r.file}#${r.doc})`;
}

/** One line per problem: object, phase, server message and warnings. */
export function formatProblems(results: ValidationResult[]): string {
  return results
    .filter((r) => !r.ok || r.warnings.length)
    .map((r) => {
      const parts = [`${describeRef(r.object)} [${r.phase}${r.from ? ` of ${r.from.kind} ${r.from.name}` : ''}]`];
      if (!r.ok) parts.push(`error: ${r.message}`);
      for (const w of r.warnings) parts.push(`warning: ${w}`);
      return parts.join('\n    ');
    })
    .join('\n');
}

/**
 * Where the object the server keeps differs from what was sent: every value sent must come back as sent
 * (quantities, durations and the like in the server's canonical form, or an Argo CD or Flux diff never
 * settles). That includes empty lists and maps the server drops: a server-side apply that sends one never
 * matches the stored object, so every sync writes the object again (a new resourceVersion, and a watch
 * event for every controller of that kind). `Secret.stringData` is write-only by design (the server folds
 * it into `data`).
 */
export function serverDrift(sent: unknown, kept: unknown, at = ''): string[] {
  if (Array.isArray(sent)) {
    if (!Array.isArray(kept)) return [`${at || '.'}: sent ${JSON.stringify(sent)}, the server keeps ${JSON.stringify(kept)}`];
    if (kept.length !== sent.length) return [`${at}: sent ${sent.length} item(s), the server keeps ${kept.length}`];
    return sent.flatMap((item, i) => serverDrift(item, kept[i], `${at}[${i}]`));
  }
  if (sent !== null && typeof sent === 'object') {
    if (kept === null || typeof kept !== 'object' || Array.isArray(kept)) return [`${at || '.'}: sent an object, the server keeps ${JSON.stringify(kept)}`];
    return Object.entries(sent).flatMap(([k, v]) => {
      const path = `${at}.${k}`;
      // Write-only: the server converts Secret.stringData into data.
      if (path === '.stringData' && (kept as Record<string, unknown>).kind === 'Secret') return [];
      return serverDrift(v, (kept as Record<string, unknown>)[k], path);
    });
  }
  return sent === kept ? [] : [`${at}: sent ${JSON.stringify(sent)}, the server keeps ${JSON.stringify(kept)}`];
}

/**
 * What admission adds to a Pod that its workload's template never holds: the DefaultTolerationSeconds plugin
 * gives every Pod 300 s NoExecute tolerations of node.kubernetes.io/not-ready and /unreachable unless it has its
 * own. The pod templates checked as Pods would otherwise show drift that no Deployment has.
 */
export function withoutAdmissionDefaults(kept: any, sent: any): any {
  if (kept?.kind !== 'Pod' || !Array.isArray(kept.spec?.tolerations)) return kept;
  const sentKeys = new Set((sent?.spec?.tolerations ?? []).map((t: any) => t.key));
  const added = (t: any) => ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].includes(t.key) && !sentKeys.has(t.key)
    && t.operator === 'Exists' && t.effect === 'NoExecute' && t.tolerationSeconds === 300;
  return { ...kept, spec: { ...kept.spec, tolerations: kept.spec.tolerations.filter((t: any) => !added(t)) } };
}

function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

function statusMessage(r: HttpResponse): string {
  try {
    const s = JSON.parse(r.body) as { message?: string; reason?: string };
    if (s.message) return s.message;
  } catch {
    /* not JSON */
  }
  return `HTTP ${r.status}: ${r.body.slice(0, 500)}`;
}

/** Runs async tasks with bounded parallelism, preserving order of results. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves kinds to REST resources through the server's discovery documents. */
class Discovery {
  private readonly cache = new Map<string, Map<string, ResourceInfo> | null>();
  constructor(private readonly cluster: TestCluster) {}

  invalidate(apiVersion?: string): void {
    if (apiVersion) this.cache.delete(apiVersion);
    else this.cache.clear();
  }

  async lookup(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    if (!this.cache.has(apiVersion)) {
      const r = await this.cluster.request('GET', groupVersionPath(apiVersion));
      if (r.status === 200) {
        const list = JSON.parse(r.body) as { resources: Array<{ name: string; kind: string; namespaced: boolean }> };
        const m = new Map<string, ResourceInfo>();
        for (const res of list.resources) if (!res.name.includes('/')) m.set(res.kind, { name: res.name, namespaced: res.namespaced });
        this.cache.set(apiVersion, m);
      } else if (r.status === 404) {
        this.cache.set(apiVersion, null);
      } else {
        throw new Error(`discovery of ${apiVersion} failed: ${statusMessage(r)}`);
      }
    }
    return this.cache.get(apiVersion)?.get(kind);
  }

  /** Waits (up to timeoutMs) until the server serves the kind, e.g. right after a CRD is Established. */
  async await(apiVersion: string, kind: string, timeoutMs: number): Promise<ResourceInfo | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const info = await this.lookup(apiVersion, kind);
      if (info || Date.now() > deadline) return info;
      this.invalidate(apiVersion);
      await sleep(200);
    }
  }
}

function noMatch(ref: ObjectRef): string {
  return `no matches for kind "${ref.kind}" in version "${ref.apiVersion}" (the server does not serve it; ensure its CRD is installed first)`;
}

/**
 * Validates every manifest under `dir` against the cluster and returns one result per request.
 * Never throws for invalid manifests (those are results); throws only when the cluster misbehaves.
 */
export async function validateManifests(cluster: TestCluster, dir: string, opts: ValidateOptions = {}): Promise<ValidationReport> {
  const t0 = Date.now();
  const concurrency = opts.concurrency ?? 8;
  const realKinds = new Set(opts.realKinds ?? DEFAULT_REAL_KINDS);
  const files = opts.files ? opts.files.map((f) => path.resolve(dir, f)) : listManifestFiles(dir);
  const { docs, errors } = loadManifests(files, dir);
  const results: ValidationResult[] = [...errors];
  const discovery = new Discovery(cluster);
  const created: Array<{ path: string; ref: ObjectRef; crd: boolean }> = [];

  const apply = async (
    ref: ObjectRef,
    body: string,
    how: { dryRun: boolean; phase: Phase; from?: ObjectRef; keep?: boolean; sent?: Record<string, any> },
  ): Promise<ValidationResult> => {
    const { dryRun, phase, from } = how;
    const base: ValidationResult = { object: ref, phase, ok: false, warnings: [], ...(from ? { from } : {}) };
    const info = await discovery.lookup(ref.apiVersion, ref.kind);
    if (!info) return { ...base, message: noMatch(ref) };
    if (!info.namespaced && ref.namespace) {
      base.warnings.push(`metadata.namespace "${ref.namespace}" is set on cluster-scoped kind ${ref.kind}`);
    }
    const ns = info.namespaced ? ref.namespace ?? 'default' : undefined;
    const collection = `${groupVersionPath(ref.apiVersion)}${ns ? `/namespaces/${encodeURIComponent(ns)}` : ''}/${info.name}`;
    const q = new URLSearchParams({ fieldManager: FIELD_MANAGER, fieldValidation: 'Strict' });
    if (dryRun) q.set('dryRun', 'All');
    const r = await cluster.request('PATCH', `${collection}/${encodeURIComponent(ref.name)}?${q}`, body, {
      'Content-Type': 'application/apply-patch+yaml',
    });
    const ok = r.status >= 200 && r.status < 300;
    if (ok && !dryRun && !how.keep) {
      created.push({ path: `${collection}/${encodeURIComponent(ref.name)}`, ref, crd: ref.kind === 'CustomResourceDefinition' });
    }
    // What the server keeps must be what was sent, or GitOps tools show the object out of sync forever.
    const drift = ok && how.sent !== undefined ? serverDrift(how.sent, withoutAdmissionDefaults(JSON.parse(r.body), how.sent)).map((d) => `drift: ${d}`) : [];
    return { ...base, ok, status: r.status, warnings: [...base.warnings, ...r.warnings, ...drift], ...(ok ? {} : { message: statusMessage(r) }) };
  };

  try {
    return await run();
  } finally {
    // Leave the cluster as before for the next folder (namespaces and extra CRDs stay).
    if (opts.cleanup ?? true) await deleteCreated(cluster, created);
  }

  async function run(): Promise<ValidationReport> {
    // ---- 1. namespaces ---------------------------------------------------------------------------
    const nsObjects = new Map<string, Doc>();
    for (const d of docs) if (d.ref.kind === 'Namespace' && d.ref.apiVersion === 'v1') nsObjects.set(d.ref.name, d);
    const referenced = new Set<string>(nsObjects.keys());
    for (const d of docs) {
      if (d.ref.kind === 'Namespace' || d.ref.kind === 'CustomResourceDefinition') continue;
      const info = await discovery.lookup(d.ref.apiVersion, d.ref.kind);
      // Unknown kinds (CRs whose CRD comes later) are namespaced unless told otherwise.
      if (!info || info.namespaced) referenced.add(d.ref.namespace ?? 'default');
    }
    const namespaces: Record<string, string> = {};
    for (const ns of [...referenced].sort()) {
      const own = nsObjects.get(ns);
      const obj: Record<string, any> = own ? structuredClone(own.obj) : { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } };
      obj.metadata = obj.metadata ?? {};
      const labels: Record<string, string> = (obj.metadata.labels = obj.metadata.labels ?? {});
      const hasPss = Object.keys(labels).some((k) => k.startsWith(PSS_PREFIX));
      if (!hasPss) {
        labels[`${PSS_PREFIX}enforce`] = PSS_LEVEL;
        labels[`${PSS_PREFIX}warn`] = PSS_LEVEL;
      }
      namespaces[ns] = labels[`${PSS_PREFIX}enforce`] ?? 'privileged';
      const ref: ObjectRef = own ? own.ref : { apiVersion: 'v1', kind: 'Namespace', name: ns, file: '(referenced)', doc: -1 };
      // Namespaces stay afterwards: without kube-controller-manager nothing finalizes a deletion.
      const res = await apply(ref, JSON.stringify(obj), { dryRun: false, phase: 'namespace', keep: true });
      if (own) results.push(res);
      else if (!res.ok) throw new Error(`creating namespace ${ns} failed: ${res.message}`);
    }

    // ---- 2. CRDs ---------------------------------------------------------------------------------
    // Extra (upstream) CRDs: installed once per cluster and kept for the next folders (see
    // installExtraCrds); the manifests' own CRDs are applied here and removed afterwards.
    const extraCrdDocs = (await installExtraCrds(cluster, opts.extraCrds ?? [], { concurrency })).docs;
    const ownCrds = docs.filter((d) => d.ref.kind === 'CustomResourceDefinition');
    const extraNames = new Set(extraCrdDocs.map((d) => d.ref.name));
    const crdResults = await mapLimit(ownCrds, concurrency, (d) =>
      apply(d.ref, d.text, { dryRun: false, phase: 'crd', keep: extraNames.has(d.ref.name) }),
    );
    // An own CRD that replaced an extra one of the same name: install the extra file again next time.
    forgetExtraCrds(cluster, ownCrds.filter((d) => extraNames.has(d.ref.name)).map((d) => d.ref.name));
    for (let i = 0; i < ownCrds.length; i++) {
      if (crdResults[i].ok) {
        const msg = await waitEstablished(cluster, ownCrds[i].ref.name, 60_000);
        if (msg) crdResults[i] = { ...crdResults[i], ok: false, message: msg };
      }
    }
    results.push(...crdResults);
    for (const d of [...extraCrdDocs, ...ownCrds]) {
      const spec = d.obj.spec ?? {};
      for (const v of spec.versions ?? []) if (v.served !== false) discovery.invalidate(`${spec.group}/${v.name}`);
    }
    const crdKinds = new Set<string>();
    for (const d of [...extraCrdDocs, ...ownCrds]) {
      const spec = d.obj.spec ?? {};
      for (const v of spec.versions ?? []) crdKinds.add(`${spec.group}/${v.name}|${spec.names?.kind}`);
    }

    // ---- 3. objects pods depend on, for real ----------------------------------------------------
    const rest = docs.filter((d) => d.ref.kind !== 'Namespace' && d.ref.kind !== 'CustomResourceDefinition');
    const real = rest.filter((d) => realKinds.has(d.ref.kind));
    results.push(...(await mapLimit(real, concurrency, (d) => apply(d.ref, d.text, { dryRun: false, phase: 'create', sent: d.obj }))));
    for (const ns of Object.keys(namespaces)) await ensureDefaultServiceAccount(cluster, ns);

    // ---- 4. everything else, dry-run -------------------------------------------------------------
    const dry = rest.filter((d) => !real.includes(d));
    results.push(
      ...(await mapLimit(dry, concurrency, async (d) => {
        if (crdKinds.has(`${d.ref.apiVersion}|${d.ref.kind}`)) await discovery.await(d.ref.apiVersion, d.ref.kind, 15_000);
        return apply(d.ref, d.text, { dryRun: true, phase: 'apply', sent: d.obj });
      })),
    );

    // ---- 5. pod templates as Pods ----------------------------------------------------------------
    const pods = rest.flatMap((d) => {
      const p = podFromWorkload(d);
      return p ? [p] : [];
    });
    results.push(
      ...(await mapLimit(pods, concurrency, (p) => apply(p.ref, JSON.stringify(p.pod), { dryRun: true, phase: 'pod', from: p.from, sent: p.pod }))),
    );

    // ---- optional: the same files through kubectl ------------------------------------------------
    if (opts.kubectlCrossCheck && files.length) {
      const k = kubectlDryRunApply(cluster, files);
      results.push({
        object: { apiVersion: '', kind: '(kubectl apply)', name: `${files.length} file(s)`, file: '.', doc: -1 },
        phase: 'kubectl',
        ok: k.ok,
        warnings: [],
        ...(k.ok ? {} : { message: k.output }),
      });
    }

    return {
      dir,
      files: files.map((f) => path.relative(dir, f) || path.basename(f)),
      results,
      namespaces,
      problems: results.filter((r) => !r.ok || r.warnings.length > 0),
      durationMs: Date.now() - t0,
    };
  }
}

/** The pod a workload would create: its template with name/namespace derived from the workload. */
export function podFromWorkload(d: Doc): { ref: ObjectRef; pod: Record<string, any>; from: ObjectRef } | undefined {
  const { kind, apiVersion } = d.ref;
  if (!WORKLOAD_KINDS.includes(kind)) return undefined;
  if (!/^(apps\/v1|batch\/v1|v1)$/.test(apiVersion)) return undefined;
  const template = kind === 'CronJob' ? d.obj.spec?.jobTemplate?.spec?.template : d.obj.spec?.template;
  if (!template || typeof template !== 'object') return undefined;
  const name = `${kind.toLowerCase()}-${d.ref.name}`.slice(0, 253).replace(/[-.]+$/, '');
  const meta = template.metadata ?? {};
  const spec: Record<string, any> = structuredClone(template.spec ?? {});
  if (kind === 'StatefulSet' && Array.isArray(d.obj.spec?.volumeClaimTemplates)) {
    // Like the StatefulSet controller: one PVC volume per claim template (replacing a template
    // volume of the same name), claim name <template>-<statefulset>-<ordinal>.
    const volumes: Array<Record<string, any>> = Array.isArray(spec.volumes) ? spec.volumes : [];
    for (const vct of d.obj.spec.volumeClaimTemplates as Array<Record<string, any>>) {
      const vname = vct?.metadata?.name;
      if (!vname) continue;
      const vol = { name: vname, persistentVolumeClaim: { claimName: `${vname}-${d.ref.name}-0` } };
      const i = volumes.findIndex((v) => v?.name === vname);
      if (i >= 0) volumes[i] = vol;
      else volumes.push(vol);
    }
    spec.volumes = volumes;
  }
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      ...(d.ref.namespace ? { namespace: d.ref.namespace } : {}),
      ...(meta.labels ? { labels: meta.labels } : {}),
      ...(meta.annotations ? { annotations: meta.annotations } : {}),
    },
    spec,
  };
  const ref: ObjectRef = { apiVersion: 'v1', kind: 'Pod', name, file: d.ref.file, doc: d.ref.doc };
  if (d.ref.namespace) ref.namespace = d.ref.namespace;
  return { ref, pod, from: d.ref };
}

export interface ExtraCrdInstall {
  /** every CRD document of the given paths (installed now or by an earlier call) */
  docs: Doc[];
  /** CRD names applied by this call (empty when all were already installed) */
  applied: string[];
  /** Warning headers the server sent while installing, one line per CRD and warning */
  warnings: string[];
  durationMs: number;
}

/** Extra CRD files already installed into a cluster (and Established), by file identity. */
const installedExtraCrds = new WeakMap<TestCluster, Map<string, Doc[]>>();

/**
 * The CRDs (apiextensions.k8s.io/v1) of one file, parsed once: unlike loadManifests, a
 * document's text is not re-parsed to check it (upstream CRD files run to megabytes). A file of
 * one document is sent as written; in a multi-document file each top-level block mapping's own
 * text (a complete document) is.
 */
function loadCrdFile(file: string): Doc[] {
  const source = fs.readFileSync(file, 'utf8');
  const parsed = parseAllDocuments(source, { version: '1.1', uniqueKeys: true });
  const out: Doc[] = [];
  parsed.forEach((d, i) => {
    if (d.errors.length) throw new Error(`extra CRDs ${file}#${i}: ${d.errors.map((e) => e.message).join('; ')}`);
    const obj = d.toJS({ maxAliasCount: 1000 }) as Record<string, any> | null;
    if (!obj || typeof obj !== 'object' || obj.kind !== 'CustomResourceDefinition' || obj.apiVersion !== 'apiextensions.k8s.io/v1') return;
    const name = String(obj.metadata?.name ?? '');
    if (!name) throw new Error(`extra CRDs ${file}#${i}: a CustomResourceDefinition without metadata.name`);
    const range = d.contents?.range;
    const atColumn0 = !!range && (range[0] === 0 || source[range[0] - 1] === '\n');
    const text =
      parsed.length === 1 ? source : isMap(d.contents) && !d.contents.flow && atColumn0 ? source.slice(range![0], range![2]) : JSON.stringify(obj);
    out.push({ ref: { apiVersion: obj.apiVersion, kind: obj.kind, name, file, doc: i }, obj, text });
  });
  return out;
}

function forgetExtraCrds(cluster: TestCluster, names: string[]): void {
  const cache = installedExtraCrds.get(cluster);
  if (!cache || !names.length) return;
  for (const [key, docs] of cache) if (docs.some((d) => names.includes(d.ref.name))) cache.delete(key);
}

function fileIdentity(file: string): string {
  const st = fs.statSync(file);
  return `${file}|${st.size}|${st.mtimeMs}`;
}

/**
 * Installs CRD files (or folders of them) for real, server-side applied with strict field
 * validation, and waits until the server reports every one Established and serves its kinds.
 * A file already installed into this cluster by an earlier call (same path, size and mtime) is
 * not applied again, so passing the same upstream CRDs for every folder costs nothing after the
 * first. Non-CRD documents in those files are ignored. Throws when a CRD is rejected, is not
 * Established in time, or the same CRD name comes from two different files.
 */
export async function installExtraCrds(
  cluster: TestCluster,
  paths: string[],
  opts: { concurrency?: number; timeoutMs?: number } = {},
): Promise<ExtraCrdInstall> {
  const t0 = Date.now();
  let cache = installedExtraCrds.get(cluster);
  if (!cache) installedExtraCrds.set(cluster, (cache = new Map()));
  const all: Doc[] = [];
  const pending: Array<{ key: string; docs: Doc[] }> = [];
  const origin = new Map<string, string>();
  for (const p of paths) {
    const abs = path.resolve(p);
    if (!fs.existsSync(abs)) throw new Error(`extra CRDs ${p}: ${abs} does not exist`);
    const list = fs.statSync(abs).isDirectory() ? listManifestFiles(abs) : [abs];
    if (!list.length) throw new Error(`extra CRDs ${p}: no *.yaml/*.yml files in ${abs}`);
    for (const file of list) {
      const key = fileIdentity(file);
      let crds = cache.get(key);
      if (!crds) {
        crds = loadCrdFile(file);
        pending.push({ key, docs: crds });
      }
      for (const d of crds) {
        const seen = origin.get(d.ref.name);
        if (seen && seen !== file) throw new Error(`extra CRDs: ${d.ref.name} is defined both in ${seen} and in ${file}`);
        origin.set(d.ref.name, file);
      }
      all.push(...crds);
    }
  }
  const toApply = pending.flatMap((p) => p.docs);
  const warnings: string[] = [];
  const failures: string[] = [];
  await mapLimit(toApply, opts.concurrency ?? 4, async (d) => {
    const q = new URLSearchParams({ fieldManager: FIELD_MANAGER, fieldValidation: 'Strict' });
    const r = await cluster.request(
      'PATCH',
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(d.ref.name)}?${q}`,
      d.text,
      { 'Content-Type': 'application/apply-patch+yaml' },
    );
    for (const w of r.warnings) warnings.push(`${d.ref.name}: ${w}`);
    if (r.status < 200 || r.status >= 300) failures.push(`${describeRef(d.ref)}: ${statusMessage(r)}`);
  });
  if (failures.length) throw new Error(`installing extra CRDs failed:\n${failures.join('\n')}`);
  const notReady = (
    await mapLimit(toApply, opts.concurrency ?? 4, (d) => waitEstablished(cluster, d.ref.name, opts.timeoutMs ?? 60_000))
  ).filter((m): m is string => !!m);
  if (notReady.length) throw new Error(`extra CRDs not ready:\n${notReady.join('\n')}`);
  for (const p of pending) cache.set(p.key, p.docs);
  return { docs: all, applied: toApply.map((d) => d.ref.name), warnings, durationMs: Date.now() - t0 };
}

async function waitEstablished(cluster: TestCluster, name: string, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const r = await cluster.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(name)}`);
    if (r.status === 200) {
      const conds = (JSON.parse(r.body).status?.conditions ?? []) as Array<{ type: string; status: string; message?: string }>;
      if (conds.some((c) => c.type === 'Established' && c.status === 'True')) return undefined;
      const rejected = conds.find((c) => c.type === 'NamesAccepted' && c.status === 'False');
      if (rejected) return `CRD ${name} not accepted: ${rejected.message}`;
      last = JSON.stringify(conds);
    } else {
      last = statusMessage(r);
    }
    await sleep(100);
  }
  return `CRD ${name} not Established after ${timeoutMs / 1000}s: ${last}`;
}

/** kube-controller-manager would create it; Pod admission (ServiceAccount plugin) requires it. */
async function ensureDefaultServiceAccount(cluster: TestCluster, ns: string): Promise<void> {
  const r = await cluster.request('POST', `/api/v1/namespaces/${encodeURIComponent(ns)}/serviceaccounts`, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'default' },
  });
  if (r.status !== 201 && r.status !== 409) throw new Error(`creating ServiceAccount ${ns}/default failed: ${statusMessage(r)}`);
}

async function deleteCreated(cluster: TestCluster, created: Array<{ path: string; ref: ObjectRef; crd: boolean }>): Promise<void> {
  for (const c of [...created].reverse()) {
    const r = await cluster.request('DELETE', c.path);
    if (r.status >= 300 && r.status !== 404) throw new Error(`cleanup: deleting ${describeRef(c.ref)} failed: ${statusMessage(r)}`);
  }
  // CRD deletion completes asynchronously (instances are cleaned up first); wait so that the
  // next folder can install the same CRD again.
  for (const c of created.filter((x) => x.crd)) {
    const deadline = Date.now() + 60_000;
    while ((await cluster.request('GET', c.path)).status !== 404) {
      if (Date.now() > deadline) throw new Error(`cleanup: CRD ${c.ref.name} still present after 60s`);
      await sleep(200);
    }
  }
}

/**
 * Cross-check with the matching kubectl: `kubectl apply --server-side --dry-run=server
 * --validate=strict --warnings-as-errors` over the same files (namespaces, CRDs and service
 * accounts must exist, i.e. run it while they are installed or with cleanup: false).
 */
export function kubectlDryRunApply(cluster: TestCluster, files: string[]): { ok: boolean; output: string } {
  const args = ['--warnings-as-errors', 'apply', '--server-side', '--dry-run=server', '--validate=strict', `--field-manager=${FIELD_MANAGER}`];
  for (const f of files) args.push('-f', f);
  const r = cluster.kubectl(args);
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}
