import { MeshValidationError } from '../model/errors';
import {
  AGENT_LIVENESS_PATH, AGENT_READINESS_PATH, AGENT_STARTUP_PATH, PYTHON_RUNTIME_IMAGE, PYTHON_RUNTIME_SHUTDOWN_LIMIT, PYTHON_RUNTIME_UID,
} from '../model/runtime';
import { isUrlPath, requireInteger, requirePinnedImage } from '../model/validation';
import { EnvVarJson } from '../k8s/pod';
import { brand } from '../schema/brand';

export interface PythonRuntimeProps {
  /**
   * The agent script, relative to the image's working directory `/app` (the image's entrypoint is `python`).
   * @default "main.py"
   */
  readonly script?: string;
  /**
   * Your image built `FROM mcpmesh/python-runtime`, pinned to a version. Required unless `source` is set.
   * @default "mcpmesh/python-runtime:3.8.0" when `source` is set
   */
  readonly image?: string;
  /**
   * The agent's Python source, for small agents: shipped in a ConfigMap, mounted read-only and run by the stock
   * runtime image, so no image build is needed. Excludes `script`.
   * @default - the agent code is in the image
   */
  readonly source?: string;
  /** Extra arguments after the script. @default - none */
  readonly args?: string[];
}

/** The HTTP paths a runtime answers the kubelet's probes on, on the agent's port. */
export interface AgentProbePaths {
  /** Answers 200 once the runtime has started. @default "/startupz" */
  readonly startup?: string;
  /** Answers 200 while the process serves (never depends on the agent's own dependencies). @default "/livez" */
  readonly liveness?: string;
  /** Answers 200 while the agent can take calls. @default "/ready" */
  readonly readiness?: string;
}

export interface CustomRuntimeProps {
  /** The image, pinned to a version. */
  readonly image: string;
  /** @default - the image's entrypoint */
  readonly command?: string[];
  /** @default - the image's cmd */
  readonly args?: string[];
  /**
   * Non-root uid the container runs as (Pod Security "restricted" requires one).
   * @default 1000
   */
  readonly runAsUser?: number;
  /** @default - same as runAsUser */
  readonly runAsGroup?: number;
  /**
   * The paths the image answers the probes on, for runtimes that do not serve the MCP Mesh Python runtime's.
   * @default - the MCP Mesh runtime's: /startupz, /livez, /ready
   */
  readonly probes?: AgentProbePaths;
}

/** What a runtime choice contributes to the agent's container. @internal */
export interface RuntimeBinding {
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly user: number;
  readonly group: number;
  readonly env: EnvVarJson[];
  /** Files to ship in a ConfigMap and mount read-only at SOURCE_DIR. */
  readonly sourceFiles?: Record<string, string>;
  /** How long the runtime waits for calls in flight after SIGTERM, if it has a fixed limit. */
  readonly shutdownLimitSeconds?: number;
  /** The probe paths. */
  readonly probes: Required<AgentProbePaths>;
}

/** The probe paths of the MCP Mesh runtime (docs/runtime-contract.md). */
const MESH_RUNTIME_PROBES: Required<AgentProbePaths> = { startup: AGENT_STARTUP_PATH, liveness: AGENT_LIVENESS_PATH, readiness: AGENT_READINESS_PATH };

/** An HTTP path for a probe: absolute, no spaces, no query or fragment (the kubelet sends it as it is). */
function requireProbePath(field: string, path: string): string {
  if (!isUrlPath(path)) {
    throw new MeshValidationError(field, path, 'is not an HTTP path the kubelet can probe', 'write an absolute path such as "/healthz"');
  }
  return path;
}

/** Where shipped agent source is mounted. */
export const SOURCE_DIR = '/opt/mcp-mesh/agent';
/** ConfigMaps are limited to 1 MiB in all; leave room for metadata. */
const MAX_SOURCE_BYTES = 900 * 1024;

/**
 * The language runtime an agent runs on. `AgentRuntime.python()` for the MCP Mesh Python runtime image
 * (or one built from it), `AgentRuntime.custom()` for anything else.
 */
export abstract class AgentRuntime {
  /** Made by the static factories only. */
  protected constructor() {}

  public static python(props: PythonRuntimeProps): AgentRuntime {
    return brand(new PythonRuntime(props), { className: 'AgentRuntime', factory: 'python', definition: 'PythonRuntimeProps', props });
  }

  public static custom(props: CustomRuntimeProps): AgentRuntime {
    return brand(new CustomRuntime(props), { className: 'AgentRuntime', factory: 'custom', definition: 'CustomRuntimeProps', props });
  }

  /** @internal */
  public abstract _resolve(field: string): RuntimeBinding;
}

class PythonRuntime extends AgentRuntime {
  constructor(private readonly props: PythonRuntimeProps) {
    super();
  }

  public _resolve(field: string): RuntimeBinding {
    const source = this.props.source;
    if (source !== undefined && this.props.script !== undefined) {
      throw new MeshValidationError(`${field}.script`, this.props.script, 'is set together with source, and only one of them can be the agent',
        'set script (code in the image) or source (code shipped in a ConfigMap), not both');
    }
    if (source !== undefined && (typeof source !== 'string' || source.trim() === '' || Buffer.byteLength(source) > MAX_SOURCE_BYTES)) {
      throw new MeshValidationError(`${field}.source`, typeof source === 'string' ? `<${Buffer.byteLength(source)} bytes>` : source,
        'is empty or larger than a ConfigMap can carry (900 KiB)', 'build an image FROM mcpmesh/python-runtime with the code, and set script instead');
    }
    if (source === undefined && this.props.image === undefined) {
      throw new MeshValidationError(`${field}.image`, undefined, 'is not set, and the stock runtime image holds no agent code, so the pod would crash-loop',
        'set image to your image built FROM mcpmesh/python-runtime (with script), or ship small agents with source');
    }
    const script = source !== undefined ? `${SOURCE_DIR}/main.py` : (this.props.script ?? 'main.py');
    return {
      image: requirePinnedImage(`${field}.image`, this.props.image ?? PYTHON_RUNTIME_IMAGE),
      args: [script, ...(this.props.args ?? [])],
      ...(source !== undefined ? { sourceFiles: { 'main.py': source } } : {}),
      user: PYTHON_RUNTIME_UID,
      group: PYTHON_RUNTIME_UID,
      // No bytecode-cache redirection: it would make Python ignore the image's precompiled modules and
      // recompile ~1500 of them on every start (measured: 11 s instead of 3 s, and the runtime's startup
      // race below). On the read-only root Python simply skips writing bytecode.
      env: [],
      shutdownLimitSeconds: PYTHON_RUNTIME_SHUTDOWN_LIMIT,
      probes: MESH_RUNTIME_PROBES,
    };
  }
}

class CustomRuntime extends AgentRuntime {
  constructor(private readonly props: CustomRuntimeProps) {
    super();
  }

  public _resolve(field: string): RuntimeBinding {
    const fix = 'run as a non-root uid (Pod Security "restricted" forbids uid 0)';
    const user = requireInteger(`${field}.runAsUser`, this.props.runAsUser ?? 1000, 1, 2147483647, fix);
    return {
      image: requirePinnedImage(`${field}.image`, this.props.image),
      command: this.props.command === undefined ? undefined : [...this.props.command],
      args: this.props.args === undefined ? undefined : [...this.props.args],
      user,
      group: requireInteger(`${field}.runAsGroup`, this.props.runAsGroup ?? user, 1, 2147483647, fix),
      env: [],
      probes: {
        startup: requireProbePath(`${field}.probes.startup`, this.props.probes?.startup ?? MESH_RUNTIME_PROBES.startup),
        liveness: requireProbePath(`${field}.probes.liveness`, this.props.probes?.liveness ?? MESH_RUNTIME_PROBES.liveness),
        readiness: requireProbePath(`${field}.probes.readiness`, this.props.probes?.readiness ?? MESH_RUNTIME_PROBES.readiness),
      },
    };
  }
}
