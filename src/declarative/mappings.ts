/**
 * How the props that are classes (chosen with static factories in TypeScript) are written as data.
 *
 * The schema generator reads these mappings together with the TypeScript types: it checks that every public
 * static factory of a mapped class is either mapped or excluded with a reason, that positional parameters
 * are listed in their order, and takes each choice's schema from the factory's parameter types. The converter
 * reads the same mappings to call the factories. A node of a generated schema that needs one of these
 * conversions carries the mapping's name as its `title`.
 */
import { Duration } from 'cdk8s';
import { AgentRuntime } from '../agent/agent-runtime';
import { SecretValue } from '../agent/secret-value';
import { MeshEnvironment } from '../mesh/mesh-environment';
import { NetworkPeer } from '../model/network-peer';
import { RegistryStorage } from '../registry/registry-storage';

/** How a choice's value becomes the factory's arguments. */
export type ChoiceArgs =
  /** One props object (the factory's only parameter). `type` names a declarative type that extends it. */
  | { readonly kind: 'props'; readonly type?: string }
  /** Positional parameters, written as the fields of an object: [field, parameter name] in parameter order. */
  | { readonly kind: 'params'; readonly fields: ReadonlyArray<readonly [string, string]> }
  /** The only parameter, written as the choice's value itself. */
  | { readonly kind: 'scalar'; readonly param: string };

export interface FactoryChoice {
  /** The key the file uses, e.g. `python` in `runtime: { python: {...} }`. */
  readonly key: string;
  /** The static factory it calls. */
  readonly factory: string;
  readonly args: ChoiceArgs;
  /** What it means, when the factory's own documentation does not say it in the file's terms. */
  readonly description?: string;
  /** Turns the file's value into the factory's (e.g. reads a source file); `dir` is the declaring file's folder. */
  readonly prepare?: (value: any, context: ConversionContext) => any;
}

export interface ConversionContext {
  /** Folder of the file that declares the value, for relative paths. */
  readonly dir: string;
  /** Path of the value in its document, e.g. `spec.runtime.python`, for errors. */
  readonly path: string;
  /** Reads a file; errors name the field. */
  readFile(file: string, field: string): string;
}

/** A class whose instances come from static factories: an object with exactly one key, the chosen factory. */
export interface ChoiceMapping {
  readonly kind: 'choice';
  /** The class's name in the TypeScript sources; also the `title` of its schema nodes. */
  readonly name: string;
  readonly factories: object;
  readonly choices: readonly FactoryChoice[];
  /** Static factories that have no declarative form, with why. */
  readonly excluded?: Readonly<Record<string, string>>;
  readonly description: string;
}

/**
 * An interface with one class-typed property whose choices are written into the interface's object itself,
 * e.g. `secretEnv: [{ name, secretKeyRef: { name, key } }]` for `{ name, value: SecretValue.fromSecretKey() }`.
 */
export interface InlineMapping {
  readonly kind: 'inline';
  /** The interface's name; also the `title` of its schema nodes. */
  readonly name: string;
  /** The property whose value is chosen. */
  readonly property: string;
  /** The class of that property. */
  readonly className: string;
  readonly factories: object;
  readonly choices: readonly FactoryChoice[];
  readonly excluded?: Readonly<Record<string, string>>;
}

/** A class chosen by name among zero-argument factories: a string enum. */
export interface PresetMapping {
  readonly kind: 'preset';
  readonly name: string;
  readonly factories: object;
  readonly presets: readonly string[];
  readonly excluded?: Readonly<Record<string, string>>;
  readonly description: string;
}

/** cdk8s `Duration`: a string such as "30s", "2m" or "1h30m". */
export interface DurationMapping {
  readonly kind: 'duration';
  readonly name: 'Duration';
}

export type ClassMapping = ChoiceMapping | InlineMapping | PresetMapping | DurationMapping;

export { DURATION_PATTERN } from '../schema/json-schema';

/** The Duration a pattern-valid string means: whole seconds when it has no fraction (it never has). */
export function parseDuration(text: string): Duration {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (match === null || text === '') throw new Error(`"${text}" is not a duration`);
  const [h, m, s] = match.slice(1).map((part) => (part === undefined ? 0 : Number(part)));
  return Duration.seconds(h * 3600 + m * 60 + s);
}

export const CLASS_MAPPINGS: readonly ClassMapping[] = [
  { kind: 'duration', name: 'Duration' },
  {
    kind: 'choice',
    name: 'AgentRuntime',
    factories: AgentRuntime,
    description: 'The code the agent runs: exactly one of `python` (the MCP Mesh Python runtime) or `custom` (any image).',
    choices: [
      {
        key: 'python',
        factory: 'python',
        args: { kind: 'props', type: 'DeclarativePythonRuntimeProps' },
        prepare: (value, context) => {
          const { sourceFile, ...rest } = value;
          if (sourceFile === undefined) return rest;
          for (const other of ['source', 'script']) {
            if (rest[other] !== undefined) {
              throw new DeclarativeFieldError(`${context.path}.sourceFile`, sourceFile, `is set together with ${other}, and only one of them can be the agent`,
                `remove ${other}, or remove sourceFile`);
            }
          }
          return { ...rest, source: context.readFile(sourceFile, `${context.path}.sourceFile`) };
        },
      },
      { key: 'custom', factory: 'custom', args: { kind: 'props' } },
    ],
  },
  {
    kind: 'inline',
    name: 'SecretEnvVar',
    property: 'value',
    className: 'SecretValue',
    factories: SecretValue,
    choices: [
      {
        key: 'secretKeyRef',
        factory: 'fromSecretKey',
        args: { kind: 'params', fields: [['name', 'secretName'], ['key', 'key']] },
        description: 'A key of an existing Secret in the mesh namespace.',
      },
      {
        key: 'unsafePlainText',
        factory: 'unsafePlainText',
        args: { kind: 'scalar', param: 'value' },
        description: 'The value itself, written into the synthesized YAML (and so into Git): refused unless the agent sets allowPlainTextSecrets.',
      },
    ],
  },
  {
    kind: 'choice',
    name: 'RegistryStorage',
    factories: RegistryStorage,
    description: 'Where the registry keeps its state: exactly one of `sqlite`, `postgres`, `postgresFromParts` or `postgresInCluster`.',
    choices: [
      { key: 'sqlite', factory: 'sqlite', args: { kind: 'props' } },
      { key: 'postgres', factory: 'postgres', args: { kind: 'props' } },
      { key: 'postgresFromParts', factory: 'postgresFromParts', args: { kind: 'props' } },
      { key: 'postgresInCluster', factory: 'postgresInCluster', args: { kind: 'props' } },
    ],
  },
  {
    kind: 'choice',
    name: 'NetworkPeer',
    factories: NetworkPeer,
    description: 'Pods or an IP range: exactly one of `pods`, `podsInNamespace` or `ipBlock`.',
    choices: [
      { key: 'pods', factory: 'pods', args: { kind: 'props' } },
      { key: 'podsInNamespace', factory: 'podsInNamespace', args: { kind: 'params', fields: [['namespace', 'namespace'], ['podLabels', 'podLabels']] } },
      { key: 'ipBlock', factory: 'ipBlock', args: { kind: 'params', fields: [['cidr', 'cidr'], ['except', 'except']] } },
    ],
  },
  {
    kind: 'preset',
    name: 'MeshEnvironment',
    factories: MeshEnvironment,
    presets: ['dev', 'staging', 'prod'],
    excluded: {
      custom: 'a preset of your own is TypeScript-only; in a file, set the values in the MCPMesh spec and its `environments` overrides',
    },
    description: 'The environment preset whose defaults every other value overrides. The CLI\'s `--env` wins over it.',
  },
];

export function mappingNamed(name: string | undefined): ClassMapping | undefined {
  return name === undefined ? undefined : CLASS_MAPPINGS.find((m) => m.name === name);
}

/** The factory arguments a choice's value stands for. */
export function factoryArguments(choice: FactoryChoice, value: any): unknown[] {
  switch (choice.args.kind) {
    case 'props': return [value];
    case 'scalar': return [value];
    case 'params': return choice.args.fields.map(([field]) => value[field]);
  }
}

/** An error in a value of a declarative file, in the form MeshValidationError uses. */
export class DeclarativeFieldError extends Error {
  constructor(public readonly field: string, public readonly value: unknown, public readonly problem: string, public readonly fix: string) {
    super(`${field}: ${JSON.stringify(value)} ${problem}. Fix: ${fix}`);
    this.name = 'DeclarativeFieldError';
  }
}
