/** The README's "Use it in your cdk8s app" example, run as written (only the package import points at src/). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { readmeExample } from './util/readme';
import { schemaErrors } from './util/schema';

test('the README example synthesizes a valid mesh with the objects the README describes', () => {
  const source = readmeExample();
  expect(source).toContain("from 'cdk8s-mcp-mesh'");
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-'));
  const previous = process.env.CDK8S_OUTDIR;
  process.env.CDK8S_OUTDIR = outdir;
  try {
    const requireShim = (id: string) => (id === 'cdk8s-mcp-mesh' ? require('../src') : require(id));
    new Function('require', 'exports', js)(requireShim, {});
  } finally {
    if (previous === undefined) delete process.env.CDK8S_OUTDIR; else process.env.CDK8S_OUTDIR = previous;
  }
  const files = fs.readdirSync(outdir);
  expect(files).toEqual(['travel.k8s.yaml']);
  const objects = parseAllDocuments(fs.readFileSync(path.join(outdir, files[0]), 'utf8')).map((d) => d.toJSON());
  expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
    'ConfigMap/planner-config', 'ConfigMap/weather-config', 'Deployment/planner', 'Deployment/weather',
    'NetworkPolicy/mcp-mesh-allow-dns', 'NetworkPolicy/mcp-mesh-default-deny', 'NetworkPolicy/mcp-mesh-registry',
    'NetworkPolicy/planner', 'NetworkPolicy/weather', 'PodDisruptionBudget/weather',
    'Service/mcp-mesh-registry', 'Service/mcp-mesh-registry-headless', 'Service/planner', 'Service/weather',
    'ServiceAccount/mcp-mesh-registry', 'ServiceAccount/planner', 'ServiceAccount/weather', 'StatefulSet/mcp-mesh-registry',
  ]);
  expect(objects.every((o) => o.metadata.namespace === 'travel')).toBe(true);
  const weather = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'weather');
  expect(weather.spec.template.spec.containers[0].env).toContainEqual({ name: 'MCP_MESH_HTTP_HOST', value: 'weather.travel.svc.cluster.local' });
  const sts = objects.find((o) => o.kind === 'StatefulSet');
  expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('1Gi');
  expect(objects.flatMap((o) => schemaErrors(o))).toEqual([]);
});
