/**
 * Pod placement and platform metadata of an agent: node selector, tolerations, pod and ServiceAccount
 * annotations render where Kubernetes reads them, and bad values are refused at synth with field and fix,
 * every problem at once.
 */
import { Duration } from 'cdk8s';
import { AgentRuntime, McpMesh, McpMeshAgentProps, ServiceMesh } from '../src';
import { container, find, synth } from './util/synth';

const runtime = AgentRuntime.python({ source: 'print(1)' });

function mesh(agent: Partial<McpMeshAgentProps>) {
  return synth((chart) => new McpMesh(chart, 'Mesh', { namespace: 'travel', agents: [{ name: 'weather', runtime, ...agent }] }));
}

test('nodeSelector, tolerations and pod annotations go to the pod template, ServiceAccount annotations to the ServiceAccount', () => {
  const objects = mesh({
    nodeSelector: { 'kubernetes.io/arch': 'arm64' },
    tolerations: [{ key: 'dedicated', value: 'agents', effect: 'NoSchedule' }, { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }],
    podAnnotations: { 'fluentbit.io/parser': 'json' },
    serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/weather' },
  });
  const pod = find(objects, 'Deployment', 'weather').spec.template;
  expect(pod.spec.nodeSelector).toEqual({ 'kubernetes.io/arch': 'arm64' });
  expect(pod.spec.tolerations).toEqual([
    { effect: 'NoSchedule', key: 'dedicated', operator: 'Equal', value: 'agents' },
    { effect: 'NoExecute', operator: 'Exists', tolerationSeconds: 30 },
  ]);
  expect(pod.metadata.annotations).toEqual({ 'mesh.mcp.io/config-checksum': expect.stringMatching(/^[0-9a-f]{64}$/), 'fluentbit.io/parser': 'json' });
  expect(find(objects, 'ServiceAccount', 'weather').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/weather' });
  expect(container(find(objects, 'Deployment', 'weather')).name).toBe('agent');
});

test('unset, nothing changes: no placement keys and no annotations on the ServiceAccount', () => {
  const objects = mesh({});
  const pod = find(objects, 'Deployment', 'weather').spec.template;
  expect(pod.spec.nodeSelector).toBeUndefined();
  expect(pod.spec.tolerations).toBeUndefined();
  expect(Object.keys(pod.metadata.annotations)).toEqual(['mesh.mcp.io/config-checksum']);
  expect(find(objects, 'ServiceAccount', 'weather').metadata.annotations).toBeUndefined();
});

test('bad placement: every problem at once, each with its field and fix', () => {
  let message = '';
  try {
    mesh({
      nodeSelector: { 'bad key!': 'x' },
      tolerations: [{ value: 'x' }, { key: 'k', operator: 'Exists', value: 'v' }, { key: 'k', effect: 'NoExec' }, { key: 'k', tolerationSeconds: 5 }, { key: 'k', operator: 'equal' }],
      podAnnotations: { 'mesh.mcp.io/config-checksum': 'x' },
      serviceAccountAnnotations: { 'a/b/c': 'x' },
    });
  } catch (e: any) {
    message = e.message;
  }
  for (const line of [
    'agents.weather.nodeSelector', 'agents.weather.tolerations[0].key: undefined is not set, which only operator "Exists" allows',
    'agents.weather.tolerations[1].value: "v" is set with operator "Exists"', 'agents.weather.tolerations[2].effect: "NoExec" is not a taint effect',
    'agents.weather.tolerations[3].tolerationSeconds: 5 is set without effect "NoExecute"', 'agents.weather.tolerations[4].operator: "equal" is not a toleration operator',
    'agents.weather.podAnnotations.mesh.mcp.io/config-checksum: "x" is an annotation the library sets itself', 'agents.weather.serviceAccountAnnotations',
  ]) expect(message).toContain(line);
});

test('service-mesh annotations are the library\'s: a pod annotation cannot override them', () => {
  expect(() => synth((chart) => new McpMesh(chart, 'Mesh', {
    namespace: 'travel', serviceMesh: ServiceMesh.ISTIO,
    agents: [{ name: 'weather', runtime, podAnnotations: { 'proxy.istio.io/config': '{}' } }],
  }))).toThrow(/podAnnotations\.proxy\.istio\.io\/config: "\{\}" is an annotation the library sets itself/);
});

test('empty lists and maps are left out, as the API server drops them (no GitOps drift)', () => {
  const objects = mesh({ nodeSelector: {}, tolerations: [], podAnnotations: {}, serviceAccountAnnotations: {} });
  const pod = find(objects, 'Deployment', 'weather').spec.template;
  expect([pod.spec.nodeSelector, pod.spec.tolerations, find(objects, 'ServiceAccount', 'weather').metadata.annotations]).toEqual([undefined, undefined, undefined]);
  expect(Object.keys(pod.metadata.annotations)).toEqual(['mesh.mcp.io/config-checksum']);
});

test('no pause, no preStop hook: Kubernetes before 1.33 refuses a zero sleep (agents and the registry)', () => {
  const objects = synth((chart) => new McpMesh(chart, 'Mesh', {
    namespace: 'travel', registry: { preStopDelay: Duration.seconds(0) }, agents: [{ name: 'weather', runtime, preStopDelay: Duration.seconds(0) }],
  }));
  expect(container(find(objects, 'Deployment', 'weather')).lifecycle).toBeUndefined();
  expect(container(find(objects, 'StatefulSet', 'mcp-mesh-registry')).lifecycle).toBeUndefined();
  expect(container(find(mesh({ preStopDelay: Duration.seconds(3) }), 'Deployment', 'weather')).lifecycle).toEqual({ preStop: { sleep: { seconds: 3 } } });
});
