import * as fc from 'fast-check';
import { App, Chart } from 'cdk8s';
import { AgentRuntime, McpMesh, McpMeshAgentProps, MeshValidationError, RegistryStorage } from '../src';
import { synthApp } from './util/synth';
import { canonicalQuantity } from '../src/model/validation';
import { quantityValue } from '../src/k8s/resources';

const rt = AgentRuntime.python({ image: 'ghcr.io/example/agent:1.0.0', script: 'agent.py' });

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function build(agents: McpMeshAgentProps[], registry: ConstructorParameters<typeof McpMesh>[2] = {}) {
  const app = new App({ outdir: '/nonexistent' });
  new McpMesh(new Chart(app, 'c'), 'Mesh', { ...registry, agents });
  return synthApp(app);
}

/** The error thrown by `fn`, which must be a MeshValidationError naming `field`, showing `value`, and saying how to fix it. */
function expectValidationError(fn: () => unknown, field: string, value: unknown): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(MeshValidationError);
  const e = error as MeshValidationError;
  expect(e.field).toBe(field);
  expect(e.message).toContain(`${field}: ${typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value)}`);
  expect(e.message).toMatch(/\. Fix: \S/);
}

const validName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/).filter((s) => !s.includes('--') && s !== 'mcp-mesh-registry');
const capability = fc.stringMatching(/^[a-z]([a-z0-9_]{0,14}[a-z0-9])?$/);

describe('bad input fails at synth with the field, the value and the fix (generated inputs)', () => {
  test('invalid agent names', () => {
    const invalid = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 70 }),
      fc.stringMatching(/^[a-z]{1,10}$/).map((s) => s.toUpperCase()),
      fc.stringMatching(/^[a-z]{51,60}$/),
      fc.stringMatching(/^-[a-z]{1,5}$|^[a-z]{1,5}-$|^[a-z]{1,5}_[a-z]{1,5}$|^[a-z]{1,5}\.[a-z]{1,5}$/),
    ).filter((s) => !(DNS_LABEL.test(s) && s.length <= 50));
    fc.assert(fc.property(invalid, (name) => expectValidationError(() => build([{ runtime: rt, name }]), 'agents[0].name', name)), { numRuns: 300 });
  });

  test('replicas that are negative, fractional or absurd', () => {
    const bad = fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: 1001 }), fc.double({ min: 0.01, max: 999, noInteger: true }));
    fc.assert(fc.property(validName, bad, (name, replicas) =>
      expectValidationError(() => build([{ runtime: rt, name, replicas }]), `agents.${name}.replicas`, replicas)), { numRuns: 200 });
  });

  test('ports a non-root container cannot bind or that do not exist', () => {
    const bad = fc.oneof(fc.integer({ min: -5, max: 1023 }), fc.integer({ min: 65536, max: 10 ** 7 }));
    fc.assert(fc.property(validName, bad, (name, port) =>
      expectValidationError(() => build([{ runtime: rt, name, port }]), `agents.${name}.port`, port)), { numRuns: 200 });
  });

  test('more than one registry replica on SQLite', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 100 }), (replicas) =>
      expectValidationError(() => build([], { registry: { replicas, storage: RegistryStorage.sqlite() } }), 'registry.replicas', replicas)), { numRuns: 50 });
  });

  test('duplicate agent names', () => {
    fc.assert(fc.property(fc.uniqueArray(validName, { minLength: 1, maxLength: 6 }), fc.nat(), (names, pick) => {
      const dup = names[pick % names.length];
      expectValidationError(() => build([...names, dup].map((name) => ({ runtime: rt, name }))), `agents[${names.length}].name`, dup);
    }), { numRuns: 100 });
  });

  test('dependencies on capabilities no agent provides, listing the ones that exist', () => {
    fc.assert(fc.property(fc.uniqueArray(capability, { minLength: 1, maxLength: 5 }), capability, (provided, missing) => {
      fc.pre(!provided.includes(missing));
      const agents = [{ runtime: rt, name: 'provider', capabilities: provided.map((c) => ({ name: c })) }, { runtime: rt, name: 'consumer', dependsOn: [missing] }];
      expect(() => build(agents)).toThrow(`agents.consumer.dependsOn[0]: ${JSON.stringify(missing)} is a capability that no agent in this mesh provides. `
        + `Fix: depend on one of the capabilities that exist (${[...provided].sort().join(', ')})`);
    }), { numRuns: 200 });
  });
});

describe('any valid mesh synthesizes into consistent objects (generated meshes)', () => {
  test('unique DNS names, Services select their workloads, every dependency has a provider', () => {
    const meshArb = fc.uniqueArray(validName, { minLength: 1, maxLength: 8 }).chain((names) =>
      fc.tuple(...names.map((name) => fc.record({
        name: fc.constant(name),
        runtime: fc.constant(rt),
        replicas: fc.integer({ min: 0, max: 5 }),
        port: fc.integer({ min: 1024, max: 65535 }),
        capabilities: fc.uniqueArray(capability, { maxLength: 3 }).map((cs) => cs.map((c) => ({ name: c }))),
      }))).chain((agents) => {
        const provided = [...new Set(agents.flatMap((a) => a.capabilities.map((c) => c.name)))];
        return fc.tuple(...agents.map((a) => (provided.length === 0 ? fc.constant<string[]>([]) : fc.uniqueArray(fc.constantFrom(...provided), { maxLength: 3 }))
          .map((dependsOn) => ({ ...a, dependsOn }))));
      }));
    fc.assert(fc.property(meshArb, (agents) => {
      // Random dependencies may call in circles: allowed here, where the objects' consistency is the point.
      const objects = build(agents, { allowDependencyCycles: true });
      const keys = objects.map((o) => `${o.kind}/${o.metadata.name}`);
      expect(new Set(keys).size).toBe(keys.length);
      for (const o of objects) expect(o.metadata.name).toMatch(DNS_LABEL);
      const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
      for (const service of objects.filter((o) => o.kind === 'Service')) {
        const selected = workloads.filter((w) => Object.entries(service.spec.selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v));
        expect(selected).toHaveLength(1);
        expect(selected[0].spec.template.spec.containers[0].ports[0].containerPort).toBe(service.spec.ports[0].port);
      }
      expect(workloads).toHaveLength(agents.length + 1);
    }), { numRuns: 150 });
  });
});

describe('quantities are written in the API server\'s canonical form (the conformance suite compares with a real kube-apiserver)', () => {
  test.each([
    ['0.5', '500m'], ['1000m', '1'], ['1024Mi', '1Gi'], ['0.5Gi', '512Mi'], ['1.5Gi', '1536Mi'], ['1.5m', '2m'], ['0.0000000001', '1m'],
    ['1.1Mi', '1153433600m'], ['1000k', '1M'], ['0.5Ki', '512'], ['1.5Ki', '1536'], ['2000Mi', '2000Mi'], ['.5', '500m'], ['1.0001Mi', '1048680858m'],
    ['7.9999999999Ki', '8Ki'], ['00012', '12'], ['2048', '2048'], ['0Gi', '0'], ['250m', '250m'], ['64Mi', '64Mi'],
  ])('%s is written %s (the form kube-apiserver 1.35 keeps)', (input, canonical) => {
    expect(canonicalQuantity(input)).toBe(canonical);
  });

  test('the canonical form is a fixed point, and keeps the value (rounded up to thousandths)', () => {
    const quantity = fc.tuple(fc.stringMatching(/^[0-9]{1,7}$/), fc.stringMatching(/^[0-9]{0,6}$/), fc.constantFrom('', 'm', 'k', 'M', 'G', 'Ki', 'Mi', 'Gi'))
      .map(([whole, fraction, suffix]) => `${whole}${fraction ? `.${fraction}` : ''}${suffix}`);
    fc.assert(fc.property(quantity, (q) => {
      fc.pre(canonicalQuantity(q) !== undefined); // too large for the library: a synth error, tested below
      const c = canonicalQuantity(q)!;
      expect(canonicalQuantity(c)).toBe(c);
      // Same value up to the rounding to thousandths (within 1m, never below).
      const diff = quantityValue(c) - quantityValue(q);
      expect(diff).toBeGreaterThanOrEqual(-Math.abs(quantityValue(q)) * 1e-12);
      expect(diff).toBeLessThanOrEqual(0.001 + Math.abs(quantityValue(q)) * 1e-12);
    }), { seed: 42, numRuns: 500 });
  });

  test('a resource prop is written canonically, and one too large for the API server fails synth', () => {
    const objects = synthApp(((app) => {
      new McpMesh(new Chart(app, 'q', { disableResourceNameHashes: true }), 'Mesh', {
        agents: [{ name: 'a', runtime: AgentRuntime.python({ image: 'x:1', script: 'a.py' }), resources: { cpuRequest: '0.25', memoryRequest: '1024Mi', memoryLimit: '2Gi' } }],
      });
      return app;
    })(new App({ outdir: '/nonexistent' })));
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    expect(deployment.spec.template.spec.containers[0].resources).toEqual({ requests: { 'cpu': '250m', 'ephemeral-storage': '50Mi', 'memory': '1Gi' }, limits: { 'ephemeral-storage': '2Gi', 'memory': '2Gi' } });
    expect(() => new McpMesh(new Chart(new App({ outdir: '/nonexistent' }), 'q'), 'Mesh', {
      agents: [{ name: 'a', runtime: AgentRuntime.python({ image: 'x:1', script: 'a.py' }), resources: { memoryRequest: '9E' } }],
    })).toThrow('agents.a.resources.memoryRequest: "9E" is larger than a quantity the library writes');
  });
});
