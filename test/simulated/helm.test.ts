/**
 * The Helm export of dist/helm-export installed for real with helm 4 into a simulated cluster (real kube-apiserver,
 * controller-manager, scheduler; kwok nodes), the way docs/helm.md says: the registry chart first, then
 * the agents; an upgrade that sets commonLabels; uninstall in reverse order. What it shows: each object
 * lands in its release, the mesh rolls out, commonLabels reach every object's labels but neither selectors
 * nor pod templates (no pod restarts), and uninstalling keeps the registry's volume claim.
 *
 * Env: MCP_MESH_SKIP_CONFORMANCE=1 skips (local only; CI never sets it).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { App } from 'cdk8s';
import { buildDefaultApp } from '../../src/main';
import { helmChartsOf } from '../../src/synth/helm-charts';
import { ownedObjectsOf } from '../../src/synth/owned-objects';
import { conformanceSkipReason, REPO_ROOT } from '../conformance/cluster';
import { rolloutTarget, SimulatedCluster } from './simulated-cluster';

const NS = 'mcp-mesh';
const CHARTS = path.join(REPO_ROOT, 'dist', 'helm-export');
const REGISTRY = 'mcp-mesh-export-registry';
const AGENTS = 'mcp-mesh-export-agents';

const skip = conformanceSkipReason();
const suite = skip ? describe.skip : describe;

suite('the Helm export installed for real (helm 4, simulated cluster)', () => {
  let cluster: SimulatedCluster;
  let helmBin: string;
  let env: NodeJS.ProcessEnv;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-install-'));
  /** The default mesh as synthesized (what the charts must install). */
  const objects: any[] = parseAllDocuments(fs.readFileSync(path.join(REPO_ROOT, 'dist', 'manifests', 'mcp-mesh.k8s.yaml'), 'utf8')).map((d) => d.toJSON()).filter(Boolean);

  const helm = (...args: string[]) => {
    const r = spawnSync(helmBin, [...args, '--kubeconfig', cluster.api.kubeconfig], { encoding: 'utf8', env });
    if (r.status !== 0) throw new Error(`helm ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
    return r.stdout;
  };
  const pods = async () => (await cluster.list(`/api/v1/namespaces/${NS}/pods`)).map((p) => `${p.metadata.name}/${p.metadata.uid}`).sort();

  beforeAll(async () => {
    helmBin = execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'helm-tools.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    env = { ...process.env, HELM_CACHE_HOME: `${home}/cache`, HELM_CONFIG_HOME: `${home}/config`, HELM_DATA_HOME: `${home}/data` };
    cluster = await SimulatedCluster.start({ nodes: 3, log: (l) => process.stderr.write(`helm-install: ${l}\n`) });
    await cluster.createVolumesFor(objects);
  }, 45 * 60_000);

  afterAll(async () => {
    await cluster?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }, 60_000);

  test('registry chart, then agents chart: every object lands in its release and the mesh rolls out', async () => {
    helm('install', REGISTRY, path.join(CHARTS, REGISTRY), '--namespace', NS, '--create-namespace');
    helm('install', AGENTS, path.join(CHARTS, AGENTS), '--namespace', NS);
    await cluster.waitForRollout(rolloutTarget(objects, NS), 120_000);
    // Each object exists, owned by the release of the chart it was split into (docs/helm.md, "What goes where").
    // The release each object belongs to: its owner as the constructs recorded it (the same mesh, built again).
    const owned = ownedObjectsOf(buildDefaultApp(new App({ outdir: home })));
    const keyOf = (o: any) => `${o.apiVersion}/${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
    const chartByKey = new Map(helmChartsOf(owned).map((chart, i) => [keyOf(owned[i].object), chart]));
    const charts = objects.map((o) => chartByKey.get(keyOf(o)));
    for (const [i, o] of objects.entries()) {
      const live = await cluster.get(o);
      expect([o.kind, o.metadata.name, live?.metadata.labels?.['app.kubernetes.io/managed-by'], live?.metadata.annotations?.['meta.helm.sh/release-name']])
        .toEqual([o.kind, o.metadata.name, 'Helm', charts[i]]);
    }
    expect(new Set(charts)).toEqual(new Set([REGISTRY, AGENTS]));
    expect(JSON.parse(helm('list', '--namespace', NS, '--output', 'json')).map((r: any) => [r.name, r.status]).sort()).toEqual([[AGENTS, 'deployed'], [REGISTRY, 'deployed']]);
  });

  test('an upgrade with commonLabels labels every object of the release, and restarts no pod', async () => {
    const before = await pods();
    helm('upgrade', AGENTS, path.join(CHARTS, AGENTS), '--namespace', NS, '--set-string', 'commonLabels.team=travel');
    const agentObjects = objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'agent');
    expect(agentObjects.length).toBeGreaterThan(5);
    for (const o of agentObjects) {
      const live = await cluster.get(o);
      expect([o.kind, o.metadata.name, live.metadata.labels.team]).toEqual([o.kind, o.metadata.name, 'travel']);
      if (o.kind === 'Deployment') {
        expect(live.spec.template.metadata.labels.team).toBeUndefined();
        expect(live.spec.selector.matchLabels.team).toBeUndefined();
      }
    }
    await new Promise((r) => setTimeout(r, 3000));
    expect(await pods()).toEqual(before);
  });

  test('uninstall in reverse order removes the objects and keeps the registry\'s volume claim', async () => {
    helm('uninstall', AGENTS, '--namespace', NS, '--wait');
    for (const o of objects.filter((x) => x.kind === 'Deployment')) expect([o.metadata.name, await cluster.get(o)]).toEqual([o.metadata.name, undefined]);
    helm('uninstall', REGISTRY, '--namespace', NS, '--wait');
    for (const o of objects.filter((x) => x.kind === 'StatefulSet' || x.kind === 'Service')) expect([o.kind, o.metadata.name, await cluster.get(o)]).toEqual([o.kind, o.metadata.name, undefined]);
    const claims = await cluster.list(`/api/v1/namespaces/${NS}/persistentvolumeclaims`);
    expect(claims.map((c) => c.metadata.name)).toEqual([`data-mcp-mesh-registry-0`]);
  });
});
