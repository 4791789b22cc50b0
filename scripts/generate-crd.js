#!/usr/bin/env node
// Generates the MCPAgent and MCPMesh CRDs (crds/), their strict JSON Schemas for editors and kubeconform (schemas/)
// and the run-time props schema (src/schema/props-schema.generated.ts)
// from the TypeScript props types, then the CRDs' cdk8s bindings (imports/) with `cdk8s import`. Run after `npm run build` (it loads the compiled generator from lib/).
//
//   node scripts/generate-crd.js          write crds/ and imports/
//   node scripts/generate-crd.js --check  write nothing; exit 1 if crds/ or imports/ differ from a fresh generation
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const check = process.argv.includes('--check');
const { generateCrds, generatePropsSchema, jsonSchemaFiles, PROPS_SCHEMA_FILE } = require(path.join(root, 'lib', 'src', 'declarative', 'crd-generator.js'));

/** Runs `cdk8s import` over the CRD files into `outdir`; returns the files it wrote (relative to outdir). */
function importBindings(crdFiles, outdir) {
  // cdk8s import writes one file per API group; both CRDs share one group, so they are imported together.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-mesh-import-'));
  try {
    const combined = path.join(work, 'mesh.mcp.io.yaml');
    fs.writeFileSync(combined, crdFiles.map((f) => fs.readFileSync(f, 'utf8')).join('---\n'));
    execFileSync(path.join(root, 'node_modules', '.bin', 'cdk8s'), ['import', combined, '--language', 'typescript', '--no-check-upgrade', '--output', path.join(work, 'out')],
      { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    fs.mkdirSync(outdir, { recursive: true });
    const written = [];
    for (const name of fs.readdirSync(path.join(work, 'out')).sort()) {
      fs.copyFileSync(path.join(work, 'out', name), path.join(outdir, name));
      written.push(name);
    }
    return written;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const generated = generateCrds({ root });
const propsSchema = generatePropsSchema({ root });
const jsonSchemas = jsonSchemaFiles(generated);
if (!check) {
  fs.writeFileSync(path.join(root, PROPS_SCHEMA_FILE), propsSchema.text);
  console.log(PROPS_SCHEMA_FILE);
  for (const s of jsonSchemas) {
    fs.mkdirSync(path.dirname(path.join(root, s.file)), { recursive: true });
    fs.writeFileSync(path.join(root, s.file), s.text);
    console.log(s.file);
  }
  const files = generated.crds.map((c) => {
    const file = path.join(root, c.file);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, c.text);
    return file;
  });
  const bindings = importBindings(files, path.join(root, 'imports'));
  for (const f of [...files, ...bindings.map((b) => path.join(root, 'imports', b))]) console.log(path.relative(root, f));
} else {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-mesh-crd-check-'));
  try {
    const stale = [];
    const committedProps = path.join(root, PROPS_SCHEMA_FILE);
    if (!fs.existsSync(committedProps) || fs.readFileSync(committedProps, 'utf8') !== propsSchema.text) stale.push(PROPS_SCHEMA_FILE);
    for (const s of jsonSchemas) {
      const committed = path.join(root, s.file);
      if (!fs.existsSync(committed) || fs.readFileSync(committed, 'utf8') !== s.text) stale.push(s.file);
    }
    const files = generated.crds.map((c) => {
      const file = path.join(tmp, path.basename(c.file));
      fs.writeFileSync(file, c.text);
      const committed = path.join(root, c.file);
      if (!fs.existsSync(committed) || fs.readFileSync(committed, 'utf8') !== c.text) stale.push(c.file);
      return file;
    });
    for (const name of importBindings(files, path.join(tmp, 'imports'))) {
      const committed = path.join(root, 'imports', name);
      if (!fs.existsSync(committed) || fs.readFileSync(committed, 'utf8') !== fs.readFileSync(path.join(tmp, 'imports', name), 'utf8')) stale.push(`imports/${name}`);
    }
    if (stale.length > 0) {
      console.error(`generate-crd: out of date: ${stale.join(', ')}. Run: npm run build && node scripts/generate-crd.js`);
      process.exitCode = 1;
    } else {
      console.log('generate-crd: crds/, imports/, schemas/ and the props schema are up to date');
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
