import * as fc from 'fast-check';
import { App, Chart } from 'cdk8s';
import { AgentRuntime, McpMesh, McpMeshAgentProps, MeshValidationError, RegistryStorage } from '../src';
import { synthApp } from './util/synth';

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
  expect(e.message).toContain(`${field}: ${JSON.stringify(value)}`);
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
      const agents = [{ runtime: rt, name: 'provider', capabilities: provided.map((c) => ({ runtime: rt, name: c })) }, { runtime: rt, name: 'consumer', dependsOn: [missing] }];
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
      const objects = build(agents);
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
