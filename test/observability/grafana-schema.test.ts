/**
 * Every generated dashboard checked against Grafana's own dashboard schema types (`@grafana/schema`, the
 * types Grafana generates from its CUE schema): unknown fields, wrong types and invalid enum values are
 * compile errors. The TypeScript compiler does the checking; the dashboards are written as object literals
 * so that excess-property checks apply at every level.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { ServiceMesh } from '../../src';
import { dashboardsOf, travel } from './fixtures';
import { synthApp } from '../util/synth';
import { buildApp as buildFull } from '../../examples/full/main';
import { buildApp as buildLinkerd } from '../../examples/linkerd/main';

const ROOT = path.resolve(__dirname, '..', '..');
// Inside the repository (git-ignored), so that '@grafana/schema' resolves from its node_modules.
const DIR = path.join(ROOT, '.cache', 'grafana-schema-check');
const SCHEMA = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', '@grafana', 'schema', 'package.json'), 'utf8')).version as string;

/** Grafana's enums accept their string values, as a dashboard file writes them. */
const PRELUDE = `import type { Dashboard } from '@grafana/schema';
type Literal<T> = T extends string ? \`\${T}\` : T extends number | boolean | null | undefined ? T
  : T extends Array<infer U> ? Array<Literal<U>> : T extends object ? { [K in keyof T]: Literal<T[K]> } : T;
`;

/** Compiler diagnostics of each dashboard, as "file(line): message". */
function check(dashboards: Record<string, unknown>): string[] {
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(DIR, { recursive: true });
  const files = Object.entries(dashboards).map(([name, json]) => {
    const file = path.join(DIR, `${name.replace(/[^A-Za-z0-9]/g, '_')}.ts`);
    fs.writeFileSync(file, `${PRELUDE}export const dashboard: Literal<Dashboard> = ${JSON.stringify(json, null, 2)};\n`);
    return file;
  });
  const program = ts.createProgram(files, {
    strict: true, noEmit: true, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10,
    target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: [],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${path.basename(d.file.fileName)}(${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1})` : '';
    return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n').slice(0, 300)}`;
  });
}

const named = (prefix: string, dashboards: Record<string, unknown>) => Object.fromEntries(Object.entries(dashboards).map(([k, v]) => [`${prefix}-${k}`, v]));

test(`every dashboard matches Grafana's dashboard schema (@grafana/schema ${SCHEMA})`, () => {
  const dashboards = {
    ...named('plain', dashboardsOf(travel().objects)),
    ...named('istio', dashboardsOf(travel({ scrapeAgents: true }, { serviceMesh: ServiceMesh.ISTIO }).objects)),
    ...named('linkerd', dashboardsOf(travel({}, { serviceMesh: ServiceMesh.LINKERD }).objects)),
    ...named('full', dashboardsOf(synthApp(buildFull()))),
    ...named('linkerd-example', dashboardsOf(synthApp(buildLinkerd()))),
  };
  expect(Object.keys(dashboards).length).toBeGreaterThanOrEqual(8);
  expect(check(dashboards)).toEqual([]);
}, 120_000);

test('the check fails on what Grafana would not understand (negative controls)', () => {
  const [overview] = Object.values(dashboardsOf(travel().objects)) as any[];
  const misspelled = structuredClone(overview);
  misspelled.panels[1].titel = misspelled.panels[1].title;
  const badEnum = structuredClone(overview);
  badEnum.graphTooltip = 'shared';
  const problems = check({ misspelled, badEnum });
  expect(problems).toEqual([
    expect.stringMatching(/^badEnum\.ts\(\d+\): Type 'string' is not assignable to type 'DashboardCursorSync/),
    expect.stringMatching(/^misspelled\.ts\(\d+\): Object literal may only specify known properties, and '"titel"' does not exist/),
  ]);
}, 120_000);
