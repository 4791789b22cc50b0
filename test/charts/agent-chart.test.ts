/**
 * charts/mcp-mesh-agent held to the McpAgent construct, with real helm: for random agent values, the agent is
 * installed (rendered) as a release in a mesh of releases (the registry, its providers, a caller), and either the
 * constructs and the charts both refuse the values, or the mesh's objects are the same (Helm's own labels aside;
 * Istio's AuthorizationPolicies, which the charts split by release, allow the same calls).
 */
import { agentCase, constructMeshOfAgent, meshOfAgent } from './agent-values';
import { Helm } from './helm-run';
import { checkMeshParity } from './mesh-parity';

let helm: Helm;
beforeAll(() => {
  helm = new Helm();
}, 5 * 60 * 1000);
afterAll(() => helm?.cleanup());

test('helm template and the constructs agree on random agent values: the same objects, or both refuse', () => {
  const { rendered, refused, covered } = checkMeshParity(helm, agentCase, {
    mesh: meshOfAgent,
    constructs: constructMeshOfAgent,
    features: ({ values: v }) => ({
      source: v.agent.source !== undefined, script: v.agent.source === undefined, 'pod-ip': v.agent.advertise === 'pod-ip', autoscaling: v.autoscaling?.enabled === true,
      ingress: v.ingress?.enabled === true, dependencies: v.agent.dependencies.length > 0, 'internet egress': v.networkPolicy.internetEgress === true,
      'no network policy': v.networkPolicy.enabled === false, istio: v.serviceMesh === 'istio', 'istio ingress': v.serviceMesh === 'istio' && v.ingress?.enabled === true,
      tolerations: (v.tolerations ?? []).length > 0, 'secret env': v.secretEnv.length > 0, 'replicas > 1': v.replicaCount > 1,
    }),
    numRuns: 120,
  });
  // The generator is meant to give mostly valid values: most cases compare objects, covering every option that
  // adds objects, rules or keys.
  expect(rendered).toBeGreaterThan(refused);
  expect(covered).toEqual(['autoscaling', 'dependencies', 'ingress', 'internet egress', 'istio', 'istio ingress', 'no network policy', 'pod-ip', 'replicas > 1', 'script', 'secret env', 'source', 'tolerations']);
}, 10 * 60 * 1000);
