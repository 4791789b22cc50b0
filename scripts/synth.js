#!/usr/bin/env node
// Synthesizes the default app into dist/manifests/ through the cdk8s CLI (cdk8s.yaml), its Namespace into
// dist/bootstrap/, every example into dist/examples/<name>/, and the other formats (Kustomize, Helm, the
// diagram) beside them. Run after `npm run build` (the npm script does both).
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const cdk8s = path.join(root, 'node_modules', '.bin', 'cdk8s');

// Files of the layout before dist/manifests/ existed: kubectl apply -R -f dist/ could not take them.
for (const stale of fs.readdirSync(dist).filter((f) => f.endsWith('.k8s.yaml'))) fs.rmSync(path.join(dist, stale));
execFileSync(cdk8s, ['synth', '--no-check-upgrade'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });

const examples = fs.readdirSync(path.join(root, 'examples'), { withFileTypes: true })
  .filter((e) => e.isDirectory() && fs.existsSync(path.join(root, 'examples', e.name, 'main.ts')))
  .map((e) => e.name)
  .sort();
for (const name of examples) {
  const outdir = path.join(dist, 'examples', name);
  fs.rmSync(outdir, { recursive: true, force: true });
  execFileSync(process.execPath, [path.join(root, 'lib', 'examples', name, 'main.js')], {
    cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CDK8S_OUTDIR: outdir },
  });
}
const main = require(path.join(root, 'lib', 'src', 'main.js'));
// Its Namespace with the Pod Security labels, applied once before the mesh.
fs.rmSync(path.join(dist, 'bootstrap'), { recursive: true, force: true });
main.synthBootstrap(path.join(dist, 'bootstrap'));
// The default mesh per environment, as a Kustomize base and overlays.
main.synthKustomize(path.join(dist, 'kustomize'));
// ... and exported as two Helm charts of this one synthesized mesh (the configurable charts are in charts/).
fs.rmSync(path.join(dist, 'helm'), { recursive: true, force: true });
main.synthHelm(path.join(dist, 'helm-export'));
// ... and as a picture.
fs.writeFileSync(path.join(dist, 'mesh-diagram.md'), main.defaultMeshDiagram());
fs.writeFileSync(path.join(dist, 'README.md'), main.DIST_README);

for (const file of listFiles(dist)) console.log(path.relative(root, file));

function listFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
