/**
 * The travel mesh declared as data (mesh.yaml and one file per agent in this folder), synthesized by the
 * declarative front end into CDK8S_OUTDIR (dist/examples/declarative/ under `npm run synth`). Next to the
 * manifests it writes the CRDs (crds/) and the resources themselves (resources/), so that the conformance
 * suite installs the CRDs on a real API server and applies these MCPMesh and MCPAgent files with strict field
 * validation: the files must match the CRDs the API server sees, not only the CLI's validator.
 */
import * as fs from 'fs';
import * as path from 'path';
import { MCP_AGENT, MCP_MESH, crdFileName, synthDeclarative } from '../../src/declarative';

/** This folder, found from examples/ (ts-jest) and from lib/examples/ (compiled) alike. */
export function declarativeExampleDir(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'examples', 'declarative');
    if (fs.existsSync(path.join(candidate, 'mesh.yaml'))) return candidate;
  }
  throw new Error(`examples/declarative not found above ${__dirname}`);
}

export function synthDeclarativeExample(outdir: string): string[] {
  const source = declarativeExampleDir();
  const root = path.dirname(path.dirname(source));
  const files = synthDeclarative({ paths: [source], outdir });
  for (const [dir, names] of [
    ['crds', [MCP_AGENT, MCP_MESH].map((n) => path.join(root, crdFileName(n)))],
    ['resources', fs.readdirSync(source).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(source, f))],
  ] as const) {
    fs.mkdirSync(path.join(outdir, dir), { recursive: true });
    for (const file of names) {
      const target = path.join(outdir, dir, path.basename(file));
      fs.copyFileSync(file, target);
      files.push(target);
    }
  }
  return files;
}

if (require.main === module) {
  synthDeclarativeExample(process.env.CDK8S_OUTDIR ?? path.join('dist', 'examples', 'declarative'));
}
