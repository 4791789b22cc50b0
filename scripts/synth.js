#!/usr/bin/env node
// Synthesizes the default app into dist/ through the cdk8s CLI (cdk8s.yaml), then every example into
// dist/examples/<name>/. Run after `npm run build` (the npm script does both).
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const cdk8s = path.join(root, 'node_modules', '.bin', 'cdk8s');

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
// The default mesh per environment, as a Kustomize base and overlays.
const main = require(path.join(root, 'lib', 'src', 'main.js'));
main.synthKustomize(path.join(dist, 'kustomize'));
// ... and as two Helm charts.
main.synthHelm(path.join(dist, 'helm'));
// ... and as a picture.
fs.writeFileSync(path.join(dist, 'mesh-diagram.md'), main.defaultMeshDiagram());

for (const file of listFiles(dist)) console.log(path.relative(root, file));

function listFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
