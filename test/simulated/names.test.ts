/**
 * The StatefulSet name bound (MAX_STATEFULSET_NAME) held against the real StatefulSet controller, which the
 * API server alone does not show (it accepts longer names): a registry with the longest name the library
 * allows rolls out; the same StatefulSet one character longer, which the library refuses, never gets a pod,
 * because the controller cannot label its pods with a controller-revision-hash of more than 63 characters.
 *
 * Env: MCP_MESH_SKIP_CONFORMANCE=1 skips (local only; CI never sets it).
 */
import { App, Chart } from 'cdk8s';
import { McpMesh, MeshValidationError } from '../../src';
import { MAX_STATEFULSET_NAME } from '../../src/k8s/object-names';
import { conformanceSkipReason } from '../conformance/cluster';
import { rolloutTarget, SimulatedCluster } from './simulated-cluster';

const NS = 'names';

function mesh(registryName: string): any[] {
  const chart = new Chart(new App({ outdir: '/nonexistent' }), 'names', { disableResourceNameHashes: true });
  new McpMesh(chart, 'Mesh', { namespace: NS, createNamespace: true, registry: { name: registryName } });
  return chart.toJson();
}

const skip = conformanceSkipReason();
const suite = skip ? describe.skip : describe;

suite('StatefulSet names on a simulated cluster (real StatefulSet controller)', () => {
  let cluster: SimulatedCluster;
  const longest = `r${'e'.repeat(MAX_STATEFULSET_NAME - 1)}`;
  const objects = mesh(longest);

  beforeAll(async () => {
    cluster = await SimulatedCluster.start({ nodes: 1, log: (l) => process.stderr.write(`names: ${l}\n`) });
  }, 10 * 60_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  test(`a registry named with ${MAX_STATEFULSET_NAME} characters rolls out`, async () => {
    await cluster.createVolumesFor(objects);
    cluster.apply(objects, 'gitops');
    const { state } = await cluster.waitForRollout(rolloutTarget(objects, NS), 120_000);
    expect(state.lagging).toEqual([]);
    const pods = await cluster.list(`/api/v1/namespaces/${NS}/pods`);
    expect(pods.map((p) => p.metadata.name)).toEqual([`${longest}-0`]);
  });

  test(`one character more is refused by the library, and the controller could not run it`, async () => {
    const tooLong = `${longest}x`;
    expect(() => mesh(tooLong)).toThrow(MeshValidationError);
    expect(() => mesh(tooLong)).toThrow(`registry.name: "${tooLong}" is ${tooLong.length} characters long, more than the ${MAX_STATEFULSET_NAME} allowed here`);
    // The same StatefulSet with the longer name, bypassing the library: accepted by the API server, never a pod.
    const sts = JSON.parse(JSON.stringify(objects.find((o) => o.kind === 'StatefulSet')));
    sts.metadata.name = tooLong;
    delete sts.spec.volumeClaimTemplates;
    sts.spec.template.spec.volumes = [...(sts.spec.template.spec.volumes ?? []), { name: 'data', emptyDir: {} }];
    cluster.apply([sts], 'bypass');
    let events: any[] = [];
    for (let i = 0; i < 60; i++) {
      events = (await cluster.list(`/api/v1/namespaces/${NS}/events`)).filter((e) => e.involvedObject.name === tooLong && e.type === 'Warning');
      if (events.length > 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const pods = (await cluster.list(`/api/v1/namespaces/${NS}/pods`)).filter((p) => p.metadata.name.startsWith(tooLong));
    expect(pods).toEqual([]);
    expect(events.map((e) => e.message).join('\n')).toMatch(/Invalid value: "[a-z]+-[0-9a-z]+": must be no more than 63 (bytes|characters)/);
  });
});
