import { McpAgentCommonOptions, McpAgentOptions } from '../agent/agent-props';
import { MeshValidationError } from '../model/errors';
import { LogLevel } from '../model/runtime';
import { requireDnsLabel } from '../model/validation';
import { McpRegistryOptions } from '../registry/registry-props';
import { RegistryStorage } from '../registry/registry-storage';
import { brand } from '../schema/brand';
import { requireProps } from '../schema/props';

/** What an environment decides, under anything the mesh's own props set. */
export interface MeshEnvironmentProps {
  /** dev, staging, prod, or a name of your own. */
  readonly name: string;
  /** Registry defaults. @default - the library's defaults */
  readonly registry?: McpRegistryOptions;
  /** Defaults for every agent (an agent's own props win). @default - the library's defaults */
  readonly agent?: McpAgentCommonOptions;
  /**
   * Fail synth unless the registry runs on PostgreSQL with more than one replica.
   * @default false
   */
  readonly requireHighAvailability?: boolean;
  /**
   * Fail synth when an agent sets `allowPlainTextSecrets` (its secrets would be written into the YAML, and so
   * into Git).
   * @default false
   */
  readonly forbidPlainTextSecrets?: boolean;
}

/**
 * Environment presets: a mesh's defaults for dev, staging and prod, always overridable by its props.
 * `MeshEnvironment.custom({...})` defines your own.
 */
export class MeshEnvironment {
  /** One replica of everything, SQLite, debug logs, small requests: a laptop or a kind cluster. */
  public static dev(): MeshEnvironment {
    return brand(new MeshEnvironment({
      name: 'dev',
      registry: { replicas: 1, storage: RegistryStorage.sqlite({ size: '1Gi' }), logLevel: LogLevel.DEBUG, resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '256Mi' } },
      agent: { replicas: 1, logLevel: LogLevel.DEBUG, resources: { cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '512Mi' } },
    }), { className: 'MeshEnvironment', factory: 'dev' });
  }

  /** Two replicas per agent, one registry on SQLite: rollouts and disruptions rehearsed without a database. */
  public static staging(): MeshEnvironment {
    return brand(new MeshEnvironment({
      name: 'staging',
      registry: { replicas: 1, storage: RegistryStorage.sqlite({ size: '5Gi' }), logLevel: LogLevel.INFO },
      agent: { replicas: 2, logLevel: LogLevel.INFO },
    }), { className: 'MeshEnvironment', factory: 'staging' });
  }

  /**
   * Production: three registry replicas sized for 1000 agent pods (on the PostgreSQL storage you give: the
   * preset cannot know your database), two replicas per agent at least, larger requests.
   */
  public static prod(): MeshEnvironment {
    return brand(new MeshEnvironment({
      name: 'prod',
      // Sized for a thousand agent pods (docs/sizing.md); raise expectedAgents for more.
      registry: { replicas: 3, logLevel: LogLevel.INFO, expectedAgents: 1000 },
      agent: { replicas: 2, logLevel: LogLevel.INFO, resources: { cpuRequest: '250m', memoryRequest: '256Mi', memoryLimit: '1Gi' } },
      requireHighAvailability: true,
      forbidPlainTextSecrets: true,
    }), { className: 'MeshEnvironment', factory: 'prod' });
  }

  public static custom(props: MeshEnvironmentProps): MeshEnvironment {
    requireProps('MeshEnvironmentProps', props, ['environment']);
    return brand(new MeshEnvironment(props), { className: 'MeshEnvironment', factory: 'custom', definition: 'MeshEnvironmentProps', props });
  }

  public readonly name: string;

  private constructor(private readonly props: MeshEnvironmentProps) {
    this.name = requireDnsLabel('environment.name', props.name);
  }

  /** Whether the environment sets `key` of its registry or agent defaults. @internal */
  public _sets(part: 'agent' | 'registry', key: string): boolean {
    const defaults = (part === 'agent' ? this.props.agent : this.props.registry) as Record<string, unknown> | undefined;
    return defaults !== undefined && Object.prototype.hasOwnProperty.call(defaults, key) && defaults[key] !== undefined;
  }

  /** The registry options: the environment's, overridden by the mesh's. @internal */
  public _registry(own: McpRegistryOptions = {}): McpRegistryOptions {
    const merged = { ...this.props.registry, ...stripUndefined(own) };
    if (this.props.requireHighAvailability === true && (merged.storage?.kind !== 'postgres' || (merged.replicas ?? 1) < 2)) {
      throw new MeshValidationError('registry.storage', merged.storage?.kind ?? 'sqlite',
        `is not highly available, which the "${this.name}" environment requires (a single SQLite registry is a single point of failure)`,
        'set registry.storage to RegistryStorage.postgres(...), RegistryStorage.postgresFromParts(...) or RegistryStorage.postgresInCluster(...) with replicas of 2 or more');
    }
    return merged;
  }

  /** An agent's options: the environment's, overridden by the agent's own. @internal */
  public _agent<T extends McpAgentOptions>(own: T, field = 'agents[]'): T {
    if (this.props.forbidPlainTextSecrets === true && own.allowPlainTextSecrets === true) {
      throw new MeshValidationError(`${field}.allowPlainTextSecrets`, true, `is refused by the "${this.name}" environment: the agent's secrets would be written into the YAML, and so into Git`,
        'reference existing Secrets with SecretValue.fromSecretKey(secretName, key) (or deliver them with externalSecrets), and remove allowPlainTextSecrets');
    }
    // An autoscaler owns the replica count: the environment's fixed count must not collide with it.
    let defaults = this.props.agent ?? {};
    if (own.autoscaling !== undefined && defaults.replicas !== undefined) {
      const { replicas: _replicas, ...others } = defaults;
      defaults = others;
    }
    return { ...defaults, ...stripUndefined(own) } as T;
  }
}

/** The entries that are set (an undefined prop must not hide the default). */
function stripUndefined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) out[key] = item;
  }
  return out as T;
}
