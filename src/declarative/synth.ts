/**
 * Declarative input to manifests: MCPMesh and MCPAgent files become McpMesh props, checked by the constructs
 * themselves, and are written with `writeManifests` (or as a Kustomize base with overlays, or as Helm charts). Everything is
 * validated and synthesized in memory first: an invalid input writes nothing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, YamlOutputType } from 'cdk8s';
import { McpMesh, McpMeshAgentProps, McpMeshProps } from '../mesh/mcp-mesh';
import { MeshValidationError } from '../model/errors';
import { writeHelmCharts } from '../synth/helm-charts';
import { ownedObjectsOf } from '../synth/owned-objects';
import { writeKustomize } from '../synth/kustomize';
import { writeManifests } from '../synth/write-manifests';
import { documentPath, convertValue, mergeOverrides, parseField } from './convert';
import {
  DeclarativeInputError, DeclarativeUsageError, InputIssue, SourceDocument, expandPaths, readDocuments, render,
} from './input';
import { CLASS_MAPPINGS, DeclarativeFieldError, PresetMapping } from './mappings';
import { JsonSchema, MCP_AGENT, MCP_MESH, loadCrd, packageRoot } from './resources';
import { FieldPath, formatPath } from '../schema/validate';
import { inYamlTerms } from './yaml-terms';

/** The environment presets a file (and `--env`) can name. */
export const ENVIRONMENT_PRESETS: readonly string[] = (CLASS_MAPPINGS.find((m) => m.name === 'MeshEnvironment') as PresetMapping).presets;

/** The mesh a set of files declares. */
export interface DeclarativeMesh {
  /** The MCPMesh document, if the files have one (otherwise the mesh's defaults apply). */
  readonly mesh?: SourceDocument;
  /** The MCPAgent documents, sorted by name (so that the output does not depend on how files are laid out). */
  readonly agents: readonly SourceDocument[];
  /** The folder every file a document names (`sourceFile`) must be inside, symlinks resolved. */
  readonly sourceRoot: string;
}

/** The mesh's name and namespace when no MCPMesh document sets them (McpMesh's own defaults). */
const DEFAULT_MESH_NAME = 'mcp-mesh';
const DEFAULT_MESH_NAMESPACE = 'mcp-mesh';

/** Reads and validates the files the paths name. Throws DeclarativeUsageError or DeclarativeInputError (with every problem). */
export function readDeclarativeMesh(paths: readonly string[], sourceRoot: string = process.cwd()): DeclarativeMesh {
  const { documents, issues } = readDocuments(expandPaths(paths));
  const meshes = documents.filter((d) => d.kind === 'MCPMesh');
  const agents = documents.filter((d) => d.kind === 'MCPAgent').sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const mesh = meshes[0];
  for (const extra of meshes.slice(1)) {
    issues.push(issueAt(extra, ['kind'], `is a second MCPMesh (the first is "${mesh.name}" in ${mesh.file}, document ${mesh.index + 1}). Fix: synthesize one mesh at a time: pass one MCPMesh and its agents`));
  }
  if (mesh !== undefined) {
    const environments = mesh.object.spec?.environments ?? {};
    for (const key of Object.keys(environments)) {
      if (!ENVIRONMENT_PRESETS.includes(key)) {
        issues.push(issueAt(mesh, ['spec', 'environments', key], `${JSON.stringify(key)} is not an environment preset. Fix: use ${ENVIRONMENT_PRESETS.join(', ')}`));
      }
    }
  }
  const meshNamespace = mesh?.object.spec?.namespace ?? DEFAULT_MESH_NAMESPACE;
  const seen = new Map<string, SourceDocument>();
  for (const agent of agents) {
    const first = seen.get(agent.name);
    if (first !== undefined) {
      issues.push(issueAt(agent, ['metadata', 'name'], `${JSON.stringify(agent.name)} is already the name of the agent in ${first.file}, document ${first.index + 1}. Fix: give every agent a unique name`));
    }
    seen.set(agent.name, agent);
    if (agent.namespace !== undefined && agent.namespace !== meshNamespace) {
      issues.push(issueAt(agent, ['metadata', 'namespace'], `${JSON.stringify(agent.namespace)} is not the mesh's namespace ${JSON.stringify(meshNamespace)}, where the agent is rendered. `
        + `Fix: remove metadata.namespace, or set it to ${JSON.stringify(meshNamespace)}`));
    }
  }
  if (documents.length === 0 && issues.length === 0) {
    issues.push({ message: 'the files hold no MCPMesh or MCPAgent documents. Fix: pass the files that declare the mesh and its agents' });
  }
  if (issues.length > 0) throw new DeclarativeInputError(issues);
  return { mesh, agents, sourceRoot };
}

function issueAt(doc: SourceDocument, at: FieldPath, message: string, environment?: string): InputIssue {
  return {
    file: doc.file,
    line: doc.lineOf(at),
    document: doc.index + 1,
    resource: `${doc.kind} "${doc.name}"`,
    field: at.length > 0 ? formatPath(at) : undefined,
    message: environment === undefined ? message : `${message} (with environment "${environment}")`,
  };
}

/** The mesh's spec for an environment: its overrides merged over it, and the preset named. */
function meshSpec(declared: DeclarativeMesh, environment: string | undefined): Record<string, any> {
  const { environments, ...rest } = declared.mesh?.object.spec ?? {};
  // The preset is the one asked for (--env, or the spec's own through the caller), never both.
  delete rest.environment;
  if (environment === undefined) return rest; // no preset, no overrides: the Kustomize base
  const { schema } = loadCrd(MCP_MESH);
  const merged = mergeOverrides(schema.properties!.spec, rest, environments?.[environment]) as Record<string, any>;
  return { ...merged, environment };
}

/** The McpMesh props the files declare, for an environment (`undefined`: no preset). */
export function declarativeMeshProps(declared: DeclarativeMesh, environment?: string): McpMeshProps {
  const issues: InputIssue[] = [];
  const meshSchema = loadCrd(MCP_MESH).schema.properties!.spec;
  const agentSchema = loadCrd(MCP_AGENT).schema.properties!.spec;
  let props: Record<string, any> = {};
  if (declared.mesh !== undefined) {
    try {
      props = convertValue(meshSchema, meshSpec(declared, environment), declared.mesh.dir, ['spec'], declared.sourceRoot);
    } catch (e) {
      issues.push(conversionIssue(declared.mesh, e, environment));
    }
  } else if (environment !== undefined) {
    props = convertValue(meshSchema, { environment }, process.cwd(), ['spec']);
  }
  const agents: McpMeshAgentProps[] = [];
  for (const doc of declared.agents) {
    try {
      agents.push({ ...convertValue(agentSchema, doc.object.spec, doc.dir, ['spec'], declared.sourceRoot), name: doc.name });
    } catch (e) {
      issues.push(conversionIssue(doc, e, environment));
    }
  }
  if (issues.length > 0) throw new DeclarativeInputError(issues);
  return { ...props, name: declared.mesh?.name ?? DEFAULT_MESH_NAME, agents };
}

function conversionIssue(doc: SourceDocument, e: unknown, environment?: string): InputIssue {
  if (e instanceof DeclarativeFieldError) {
    const at = parseField(e.field);
    return issueAt(doc, at, `${render(e.value)} ${e.problem}. Fix: ${e.fix}`, environment);
  }
  throw e;
}

export interface BuiltMesh {
  readonly app: App;
  readonly chart: Chart;
  readonly mesh: McpMesh;
}

/**
 * Builds the mesh the files declare into an app (chart id = mesh name, construct id `Mesh`, no resource name
 * hashes), and checks it as `cdk8s synth` would. Throws DeclarativeInputError with the constructs' own
 * messages, located in the documents.
 */
export function buildDeclarativeMesh(declared: DeclarativeMesh, environment?: string, app: App = new App()): BuiltMesh {
  const props = declarativeMeshProps(declared, environment);
  const chart = new Chart(app, props.name!, { disableResourceNameHashes: true });
  let mesh: McpMesh;
  try {
    // The agents go in through the props, exactly as a TypeScript app passes them.
    mesh = new McpMesh(chart, 'Mesh', props);
  } catch (e) {
    // The mesh reports every problem it finds in one error; each is located in the documents.
    const problems = e instanceof MeshValidationError ? e.problems : [e];
    throw new DeclarativeInputError(problems.map((p) => libraryIssue(declared, p, environment)));
  }
  const issues: InputIssue[] = [];
  for (const construct of app.node.findAll()) {
    for (const message of construct.node.validate()) issues.push(libraryIssue(declared, message, environment));
  }
  if (issues.length > 0) throw new DeclarativeInputError(issues);
  try {
    app.charts.forEach((c) => c.toJson());
  } catch (e) {
    throw new DeclarativeInputError([libraryIssue(declared, e, environment)]);
  }
  return { app, chart, mesh };
}

/** Locates a construct's error (a MeshValidationError, or a validation message in its form) in the documents. */
function libraryIssue(declared: DeclarativeMesh, error: unknown, environment?: string, agentIndex?: number): InputIssue {
  const message = inYamlTerms(error instanceof Error ? error.message : String(error));
  const field = error instanceof MeshValidationError ? error.field : /^([A-Za-z][\w.[\]-]*): /.exec(message)?.[1];
  const text = field !== undefined && message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
  const segments = field === undefined ? [] : parseField(field);
  let agent: SourceDocument | undefined;
  let rest = segments;
  if (segments[0] === 'agents' && typeof segments[1] === 'number') {
    agent = declared.agents[agentIndex ?? segments[1]];
    rest = segments.slice(2);
  } else if (segments[0] === 'agents' && typeof segments[1] === 'string') {
    agent = declared.agents.find((a) => a.name === segments[1]);
    rest = segments.slice(2);
  }
  if (agent === undefined && field === undefined) {
    // A policy check finding, "[rule] Kind/name: ...": an agent's objects carry its name.
    const object = /^\[[\w-]+\] [\w.]+\/([a-z0-9.-]+): /.exec(message)?.[1];
    agent = object === undefined ? undefined : declared.agents.find((a) => object === a.name)
      ?? declared.agents.filter((a) => object.startsWith(`${a.name}-`)).sort((a, b) => b.name.length - a.name.length)[0];
  }
  if (agent !== undefined) return issueAt(agent, docPath(loadCrd(MCP_AGENT).schema, agent.object.spec, rest), text, environment);
  const mesh = declared.mesh;
  if (mesh === undefined) {
    return { resource: 'the mesh (no MCPMesh document: its defaults)', field, message: environment === undefined ? text : `${text} (with environment "${environment}")` };
  }
  const spec = meshSpec(declared, environment);
  let at = segments[0] === 'environment' ? ['spec', 'environment'] : docPath(loadCrd(MCP_MESH).schema, spec, segments);
  // A value the environment's overrides set is reported where they set it.
  if (environment !== undefined && at[0] === 'spec') {
    const overridden: FieldPath = ['spec', 'environments', environment, ...at.slice(1)];
    if (valueAt(mesh.object, overridden) !== undefined) at = overridden;
  }
  return issueAt(mesh, at, text, environment);
}

function valueAt(value: unknown, at: FieldPath): unknown {
  return at.reduce<any>((v, segment) => (v === undefined || v === null ? undefined : v[segment]), value);
}

/** A construct field below an agent or the mesh, as a document path (`name` is the metadata's). */
function docPath(schema: JsonSchema, spec: unknown, segments: ReadonlyArray<string | number>): FieldPath {
  if (segments.length === 0) return [];
  if (segments[0] === 'name' && segments.length === 1) return ['metadata', 'name'];
  return ['spec', ...documentPath(schema.properties!.spec, spec, segments)];
}

export type DeclarativeFormat = 'yaml' | 'kustomize' | 'helm-export';

export interface DeclarativeSynthOptions {
  /** Files and folders with MCPMesh and MCPAgent documents. */
  readonly paths: readonly string[];
  /**
   * yaml and helm-export: the environment to synthesize (at most one; default: the MCPMesh's `environment`, or none).
   * kustomize: the overlays to write (default: every preset).
   */
  readonly environments?: readonly string[];
  /** @default "yaml" */
  readonly format?: DeclarativeFormat;
  /** @default "dist" */
  readonly outdir?: string;
  /** helm-export: the charts' version. @default - the version of this package */
  readonly chartVersion?: string;
  /** The folder files named by the documents (`sourceFile`) must be inside. @default - the working directory */
  readonly sourceRoot?: string;
  /** yaml: the layout of the files, as cdk8s's `App.yamlOutputType`. @default YamlOutputType.FILE_PER_CHART */
  readonly yamlOutputType?: YamlOutputType;
}

/**
 * Reads, validates, builds and writes the mesh. Nothing is written unless every environment of the output
 * synthesizes cleanly. Returns the files written.
 */
export function synthDeclarative(options: DeclarativeSynthOptions): string[] {
  const format = options.format ?? 'yaml';
  const outdir = path.resolve(options.outdir ?? 'dist');
  const environments = [...new Set(options.environments ?? [])];
  for (const env of environments) {
    if (!ENVIRONMENT_PRESETS.includes(env)) throw new DeclarativeUsageError(`--env ${env}: not an environment preset; use ${ENVIRONMENT_PRESETS.join(', ')}`);
  }
  if (format !== 'kustomize' && environments.length > 1) throw new DeclarativeUsageError(`--env: the ${format} format synthesizes one environment; pass --env once`);
  if (format === 'kustomize') requireKustomizeOutdir(outdir);
  const declared = readDeclarativeMesh(options.paths, options.sourceRoot);

  if (format === 'yaml') {
    const environment = environments[0] ?? declared.mesh?.object.spec?.environment;
    const built = buildDeclarativeMesh(declared, environment, new App({ outdir, yamlOutputType: options.yamlOutputType }));
    return writeManifests(built.app, outdir);
  }
  if (format === 'helm-export') {
    const environment = environments[0] ?? declared.mesh?.object.spec?.environment;
    const objects = ownedObjectsOf(buildDeclarativeMesh(declared, environment, new App({ outdir })).app);
    const chartVersion = options.chartVersion ?? JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version;
    try {
      return writeHelmCharts(outdir, objects, { chartVersion });
    } catch (e) {
      if (e instanceof MeshValidationError && e.field.startsWith('helm.')) throw new DeclarativeUsageError(`--chart-version: ${e.message}`);
      throw e;
    }
  }
  const issues: InputIssue[] = [];
  const objects = (environment?: string): any[] | undefined => {
    try {
      return buildDeclarativeMesh(declared, environment, new App({ outdir })).app.charts.flatMap((c) => c.toJson());
    } catch (e) {
      if (!(e instanceof DeclarativeInputError)) throw e;
      issues.push(...e.issues);
      return undefined;
    }
  };
  const base = objects(undefined);
  const overlays: Record<string, any[]> = {};
  for (const env of environments.length > 0 ? environments : ENVIRONMENT_PRESETS) {
    const built = objects(env);
    if (built !== undefined) overlays[env] = built;
  }
  if (issues.length > 0) {
    const hint = environments.length === 0 && Object.keys(overlays).length < ENVIRONMENT_PRESETS.length
      ? `the kustomize format writes an overlay for every preset (${ENVIRONMENT_PRESETS.join(', ')}) unless --env names the ones to write`
      : undefined;
    throw new DeclarativeInputError(dedupe(issues), hint);
  }
  return writeKustomize(outdir, base!, overlays);
}

/** The same problem found in several environments is reported once per environment, but never twice for one. */
function dedupe(issues: InputIssue[]): InputIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = JSON.stringify(i);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * writeKustomize replaces its folder: refuse one that holds anything but a previous Kustomize output, so that
 * `-o .` cannot delete a working tree.
 */
function requireKustomizeOutdir(outdir: string): void {
  if (!fs.existsSync(outdir)) return;
  if (!fs.statSync(outdir).isDirectory()) throw new DeclarativeUsageError(`-o ${outdir}: not a folder`);
  const other = fs.readdirSync(outdir).filter((e) => e !== 'base' && e !== 'overlays');
  if (other.length > 0) {
    throw new DeclarativeUsageError(`-o ${outdir}: the kustomize format replaces the whole folder, and it holds other files (${other.slice(0, 5).join(', ')}${other.length > 5 ? ', ...' : ''}). `
      + 'Pass an empty or new folder, or one that holds only a previous base/ and overlays/');
  }
}
