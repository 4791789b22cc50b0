import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { buildApp as buildFull } from '../examples/full/main';
import { buildApp as buildHa } from '../examples/ha/main';
import { buildApp as buildLinkerd } from '../examples/linkerd/main';
import { buildApp as buildMinimal } from '../examples/minimal/main';
import { buildDefaultApp } from '../src/main';
import { schemaErrors } from './util/schema';
import { K8sObject, synthApp } from './util/synth';

const apps: Record<string, () => K8sObject[]> = {
  default: () => synthApp(buildDefaultApp()),
  minimal: () => synthApp(buildMinimal()),
  full: () => synthApp(buildFull()),
  linkerd: () => synthApp(buildLinkerd()),
  ha: () => synthApp(buildHa()),
};

/** Custom resources are validated against their real upstream CRDs by the conformance suite. */
const CUSTOM_GROUPS = ['security.istio.io', 'networking.istio.io', 'policy.linkerd.io', 'linkerd.io', 'monitoring.coreos.com', 'external-secrets.io', 'gateway.networking.k8s.io', 'cert-manager.io'];
const isCustom = (o: K8sObject) => CUSTOM_GROUPS.includes(o.apiVersion.split('/')[0]);

describe('every object of every example matches the Kubernetes schemas and has no unknown fields', () => {
  for (const [name, build] of Object.entries(apps)) {
    test(name, () => {
      const objects = build();
      expect(objects.length).toBeGreaterThan(4);
      const problems = objects.filter((o) => !isCustom(o)).flatMap((o) => schemaErrors(o).map((e) => `${o.kind}/${o.metadata.name}: ${e}`));
      expect(problems).toEqual([]);
    });
  }
});

describe('the schema check itself', () => {
  const deployment = () => JSON.parse(JSON.stringify(synthApp(buildMinimal()).find((o) => o.kind === 'Deployment')));

  test('finds unknown fields at any depth, which schema validation alone lets through', () => {
    const d = deployment();
    d.spec.replica = 2;
    d.spec.template.spec.containers[0].livenessProbe.httpGet.paht = '/livez';
    d.spec.template.spec.containers[0].lifecycle.preStop.sleep.second = 3;
    expect(schemaErrors(d).sort()).toEqual([
      '/spec/replica is not a field of apps/v1 Deployment',
      '/spec/template/spec/containers/0/lifecycle/preStop/sleep/second is not a field of apps/v1 Deployment',
      '/spec/template/spec/containers/0/livenessProbe/httpGet/paht is not a field of apps/v1 Deployment',
    ]);
  });

  test('finds wrong types and missing required fields', () => {
    const d = deployment();
    d.spec.replicas = 'two';
    delete d.spec.template.spec.containers[0].name;
    const errors = schemaErrors(d);
    expect(errors).toEqual([
      '/spec/replicas fails "type" {"type":"integer"}',
      '/spec/template/spec/containers/0 fails "required" {"missingProperty":"name"}',
    ]);
  });

  test('accepts free-form maps (labels, annotations, ConfigMap data)', () => {
    const d = deployment();
    d.metadata.labels['example.com/any-key'] = 'v';
    expect(schemaErrors(d)).toEqual([]);
  });
});

test('the committed dist/ parses into the same objects the apps synthesize', () => {
  const files = fs.readdirSync(path.join('dist', 'manifests')).filter((f) => f.endsWith('.yaml'));
  const committed = files.flatMap((f) => parseAllDocuments(fs.readFileSync(path.join('dist', 'manifests', f), 'utf8')).map((d) => d.toJSON()));
  expect(committed).toEqual(JSON.parse(JSON.stringify(apps.default())));
});
