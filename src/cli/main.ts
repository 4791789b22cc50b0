#!/usr/bin/env node
/**
 * `cdk8s-mcp-mesh`: synthesizes an MCP Mesh from MCPMesh and MCPAgent files.
 *
 *   cdk8s-mcp-mesh synth -f <file or folder>... [--env dev|staging|prod] [--format yaml|kustomize|helm-export] [-o dir]
 *   cdk8s-mcp-mesh validate -f <file or folder>... [--env ...]
 *   cdk8s-mcp-mesh crds [-o dir]
 *
 * Exit codes: 0 ok, 1 invalid input (nothing written), 2 usage, 3 the output could not be written, 4 an
 * internal error (a bug of this package: the input may be fine).
 */
import * as fs from 'fs';
import * as path from 'path';
import { YamlOutputType } from 'cdk8s';
import { DeclarativeInputError, DeclarativeUsageError, displayPath, formatIssue } from '../declarative/input';
import { MCP_AGENT, MCP_MESH, crdFileName, packageRoot } from '../declarative/resources';
import {
  DeclarativeFormat, ENVIRONMENT_PRESETS, buildDeclarativeMesh, readDeclarativeMesh, synthDeclarative,
} from '../declarative/synth';

export const EXIT_OK = 0;
export const EXIT_INVALID_INPUT = 1;
export const EXIT_USAGE = 2;
export const EXIT_OUTPUT = 3;
export const EXIT_INTERNAL = 4;

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const USAGE = `Usage:
  cdk8s-mcp-mesh synth -f <file or folder> [-f ...] [--env ${ENVIRONMENT_PRESETS.join('|')}] [--format yaml|kustomize|helm-export] [--layout <layout>] [-o <dir>]
  cdk8s-mcp-mesh validate -f <file or folder> [-f ...] [--env ${ENVIRONMENT_PRESETS.join('|')}]
  cdk8s-mcp-mesh crds [-o <dir>]
  cdk8s-mcp-mesh --version

Reads MCPMesh and MCPAgent documents (apiVersion mesh.mcp.io/v1alpha1), validates them against the CRDs and
the constructs' own checks, and writes the mesh's manifests. Nothing is written unless the whole input is valid.

  -f, --file      a YAML file, or a folder whose *.yaml and *.yml files are read (not recursive); repeatable,
                  or comma-separated
  --env           environment preset: its defaults, then the MCPMesh's spec.environments.<env> overrides.
                  yaml, helm-export: default the MCPMesh's spec.environment (none if unset). kustomize: the overlays to
                  write, repeatable (default: all of ${ENVIRONMENT_PRESETS.join(', ')})
  --format        yaml (default): the manifests, as writeManifests writes them (see --layout)
                  kustomize: <dir>/base (no preset) and <dir>/overlays/<env>; replaces <dir>, which must be
                  empty or hold only a previous base/ and overlays/
                  helm-export: <dir>/mcp-mesh-export-registry and <dir>/mcp-mesh-export-agents (each replaced), as writeHelmCharts
                  writes them
  --layout        yaml: file-per-chart (default: <dir>/<mesh name>.k8s.yaml), file-per-resource
                  (<dir>/<Kind>.<name>.k8s.yaml), file-per-app (<dir>/app.k8s.yaml) or
                  folder-per-chart-file-per-resource, as cdk8s's yamlOutputType
  --chart-version helm-export: the charts' version (default: this package's version)
  --source-root   the folder every file the documents name (runtime.python.sourceFile) must resolve into,
                  symlinks followed (default: the working directory)
  -o, --output    output folder (default: dist); crds: print to stdout unless given

Exit codes: 0 ok, 1 invalid input (nothing written), 2 usage, 3 the output could not be written,
4 internal error (a bug of cdk8s-mcp-mesh; please report it with the input).
`;

interface Parsed {
  command: string;
  files: string[];
  environments: string[];
  format: string;
  output?: string;
  chartVersion?: string;
  sourceRoot?: string;
  layout?: string;
  help: boolean;
  version: boolean;
}

function parseArgs(argv: readonly string[]): Parsed {
  const parsed: Parsed = { command: '', files: [], environments: [], format: 'yaml', help: false, version: false };
  const options: Record<string, (value: string) => void> = {
    '-f': (v) => parsed.files.push(...v.split(',').filter((s) => s !== '')),
    '--file': (v) => parsed.files.push(...v.split(',').filter((s) => s !== '')),
    '--env': (v) => parsed.environments.push(...v.split(',').filter((s) => s !== '')),
    '--format': (v) => { parsed.format = v; },
    '--chart-version': (v) => { parsed.chartVersion = v; },
    '--source-root': (v) => { parsed.sourceRoot = v; },
    '--layout': (v) => { parsed.layout = v; },
    '-o': (v) => { parsed.output = v; },
    '--output': (v) => { parsed.output = v; },
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      parsed.help = true;
      continue;
    }
    if (arg === '--version') {
      parsed.version = true;
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const option = options[name];
    if (option !== undefined) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || (eq < 0 && value.startsWith('-') && value !== '-')) throw new DeclarativeUsageError(`${name} needs a value`);
      option(value);
    } else if (arg.startsWith('-')) {
      throw new DeclarativeUsageError(`unknown option ${arg}`);
    } else if (parsed.command === '') {
      parsed.command = arg;
    } else {
      throw new DeclarativeUsageError(`unexpected argument ${arg} (input files go after -f)`);
    }
  }
  return parsed;
}

/** Runs the CLI; returns the exit code. */
export function runCli(argv: readonly string[], io: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }): number {
  try {
    const args = parseArgs(argv);
    if (args.help || args.command === 'help') {
      io.out(USAGE);
      return EXIT_OK;
    }
    if (args.version) {
      io.out(`${JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version}\n`);
      return EXIT_OK;
    }
    switch (args.command) {
      case 'synth': return synth(args, io);
      case 'validate': return validate(args, io);
      case 'crds': return crds(args, io);
      case '':
        throw new DeclarativeUsageError('no command given');
      default:
        throw new DeclarativeUsageError(`unknown command ${args.command}`);
    }
  } catch (e) {
    if (e instanceof DeclarativeUsageError) {
      io.err(`cdk8s-mcp-mesh: ${e.message}\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    if (e instanceof DeclarativeInputError) {
      io.err(`cdk8s-mcp-mesh: ${e.issues.length} problem${e.issues.length === 1 ? '' : 's'} in the input, nothing was written:\n`);
      for (const issue of e.issues) io.err(`  ${formatIssue(issue)}\n`);
      if (e.hint !== undefined) io.err(`Hint: ${e.hint}\n`);
      return EXIT_INVALID_INPUT;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      io.err(`cdk8s-mcp-mesh: the output could not be written: ${(e as Error).message}\n`);
      return EXIT_OUTPUT;
    }
    // Anything else is this package's fault, not the input's: say so, with what a bug report needs.
    io.err(`cdk8s-mcp-mesh: internal error (a bug of cdk8s-mcp-mesh, not necessarily of the input; please report it with the input): `
      + `${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    return EXIT_INTERNAL;
  }
}

function synth(args: Parsed, io: CliIo): number {
  const format = requireFormat(args.format);
  requireWritableOutput(args.output ?? 'dist');
  if (args.chartVersion !== undefined && format !== 'helm-export') throw new DeclarativeUsageError('--chart-version is for --format helm-export');
  if (args.layout !== undefined && format !== 'yaml') throw new DeclarativeUsageError('--layout is for --format yaml');
  const files = synthDeclarative({
    paths: args.files, environments: args.environments, format, outdir: args.output ?? 'dist', chartVersion: args.chartVersion, sourceRoot: requireSourceRoot(args.sourceRoot),
    yamlOutputType: requireLayout(args.layout),
  });
  for (const file of files) io.out(`${displayPath(file)}\n`);
  return EXIT_OK;
}

/** The cdk8s layouts, by their --layout names. */
const LAYOUTS: Record<string, YamlOutputType> = {
  'file-per-chart': YamlOutputType.FILE_PER_CHART,
  'file-per-resource': YamlOutputType.FILE_PER_RESOURCE,
  'file-per-app': YamlOutputType.FILE_PER_APP,
  'folder-per-chart-file-per-resource': YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE,
};

function requireLayout(layout: string | undefined): YamlOutputType | undefined {
  if (layout === undefined) return undefined;
  const type = Object.prototype.hasOwnProperty.call(LAYOUTS, layout) ? LAYOUTS[layout] : undefined;
  if (type === undefined) throw new DeclarativeUsageError(`--layout ${layout}: not a layout; use ${Object.keys(LAYOUTS).join(', ')}`);
  return type;
}

/**
 * Fails before any work when the output folder cannot be made: it is a file, or its nearest existing folder
 * is not writable. Writes nothing (an invalid input must leave no trace, not even an empty folder).
 */
function requireWritableOutput(output: string): void {
  let dir = path.resolve(output);
  while (!fs.existsSync(dir)) {
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const stat = fs.statSync(dir);
  if (!stat.isDirectory()) throw new DeclarativeUsageError(`-o ${output}: ${displayPath(dir)} is a file, so the output folder cannot be made there`);
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch {
    throw new DeclarativeUsageError(`-o ${output}: ${displayPath(dir)} is not writable`);
  }
}

function requireSourceRoot(root: string | undefined): string {
  if (root === undefined) return process.cwd();
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new DeclarativeUsageError(`--source-root ${root}: not a folder`);
  return root;
}

function requireFormat(format: string): DeclarativeFormat {
  if (format === 'yaml' || format === 'kustomize' || format === 'helm-export') return format;
  throw new DeclarativeUsageError(`--format ${format}: use yaml, kustomize or helm-export (the charts to configure at install time are in charts/)`);
}

function validate(args: Parsed, io: CliIo): number {
  if (args.output !== undefined) throw new DeclarativeUsageError('validate writes nothing: -o is for synth and crds');
  if (args.format !== 'yaml' || args.chartVersion !== undefined) throw new DeclarativeUsageError('validate writes nothing: --format is for synth');
  for (const env of args.environments) {
    if (!ENVIRONMENT_PRESETS.includes(env)) throw new DeclarativeUsageError(`--env ${env}: not an environment preset; use ${ENVIRONMENT_PRESETS.join(', ')}`);
  }
  const declared = readDeclarativeMesh(args.files, requireSourceRoot(args.sourceRoot));
  const environments = args.environments.length > 0 ? args.environments : [declared.mesh?.object.spec?.environment];
  for (const env of environments) buildDeclarativeMesh(declared, env);
  io.out(`valid: ${declared.mesh !== undefined ? `MCPMesh "${declared.mesh.name}"` : 'the default mesh'} with ${declared.agents.length} agent${declared.agents.length === 1 ? '' : 's'}`
    + `${environments[0] !== undefined ? ` (environment ${environments.join(', ')})` : ''}\n`);
  return EXIT_OK;
}

function crds(args: Parsed, io: CliIo): number {
  if (args.files.length > 0 || args.environments.length > 0 || args.format !== 'yaml' || args.chartVersion !== undefined || args.sourceRoot !== undefined) {
    throw new DeclarativeUsageError('crds takes only -o');
  }
  const root = packageRoot();
  const files = [MCP_AGENT, MCP_MESH].map((names) => crdFileName(names));
  if (args.output === undefined) {
    io.out(files.map((f) => fs.readFileSync(path.join(root, f), 'utf8')).join('---\n'));
    return EXIT_OK;
  }
  fs.mkdirSync(args.output, { recursive: true });
  for (const file of files) {
    const target = path.join(args.output, path.basename(file));
    fs.copyFileSync(path.join(root, file), target);
    io.out(`${displayPath(target)}\n`);
  }
  return EXIT_OK;
}

if (require.main === module) {
  // A reader that stops early (`cdk8s-mcp-mesh crds | head -1`) is not an error of ours.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  process.exitCode = runCli(process.argv.slice(2));
}
