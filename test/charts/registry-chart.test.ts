/**
 * charts/mcp-mesh-registry held to the McpRegistry and McpSecurity constructs, with real helm: for random
 * registry values (in a mesh with one agent release), either both refuse them or the mesh's objects are the same
 * (Helm's own labels aside; Istio's AuthorizationPolicies allow the same calls).
 */
import { Helm } from './helm-run';
import { checkMeshParity } from './mesh-parity';
import { constructMeshOfRegistry, meshOfRegistry, registryCase } from './registry-values';

let helm: Helm;
beforeAll(() => {
  helm = new Helm();
}, 5 * 60 * 1000);
afterAll(() => helm?.cleanup());

test('helm template and the constructs agree on random registry values: the same objects, or both refuse', () => {
  const { rendered, refused, covered } = checkMeshParity(helm, registryCase, {
    mesh: meshOfRegistry,
    constructs: constructMeshOfRegistry,
    features: ({ values: v }) => ({
      [v.storage.type]: true, 'admin peers': v.registry.admin.allowFrom.length > 0, replicas: v.replicaCount > 1, [`istio ${v.storage.type}`]: v.serviceMesh === 'istio',
    }),
    numRuns: 120,
  });
  expect(rendered).toBeGreaterThan(refused);
  // The objects compared cover every storage, with and without Istio, and the options that add objects or rules.
  expect(covered).toEqual(['admin peers', 'istio postgres', 'istio postgres-in-cluster', 'istio sqlite', 'postgres', 'postgres-in-cluster', 'replicas', 'sqlite']);
}, 10 * 60 * 1000);
