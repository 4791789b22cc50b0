/**
 * Facts of the MCP Mesh runtime (release lines 3.7 and 3.8) that the manifests must fit. Kept in one file so that a
 * runtime upgrade is one reviewed change. Source: the runtime's code and its registry binary, see
 * docs/runtime-contract.md.
 */

/**
 * The registry release used by default: the newest whose binary the npm registry serves
 * (`@mcpmesh/cli-linux-x64`), so that the tests run the binary the image holds. A 3.8 agent registers with it.
 */
export const REGISTRY_VERSION = '3.7.1';
/** The Python runtime release used by default (`mcp-mesh` on PyPI, the `mcpmesh/python-runtime` image). */
export const PYTHON_RUNTIME_VERSION = '3.8.0';
/** The MCP Mesh release the manifests target by default: the agents' runtime (the Helm charts' appVersion). */
export const MCP_MESH_VERSION = PYTHON_RUNTIME_VERSION;

export const REGISTRY_IMAGE = `mcpmesh/registry:${REGISTRY_VERSION}`;
export const PYTHON_RUNTIME_IMAGE = `mcpmesh/python-runtime:${PYTHON_RUNTIME_VERSION}`;

/** The registry image's user (uid 1001); the Python runtime image's user (uid 999). */
export const REGISTRY_UID = 1001;
export const PYTHON_RUNTIME_UID = 999;

/**
 * The Python runtime gives calls in flight 30 s after SIGTERM, then cuts them (and, measured with 3.7.1, may
 * hang until SIGKILL): a longer grace period buys nothing.
 */
export const PYTHON_RUNTIME_SHUTDOWN_LIMIT = 30;

/**
 * Registry capacity, measured with the 3.7.1 binary on 2-vCPU machines (bench/registry-load.ts,
 * docs/sizing.md): about 2 millicores per heartbeat per second up to 1000 agents, and on SQLite a ceiling
 * near 300 heartbeats per second (1500 agents at a 5 s interval), past which latency goes to seconds.
 */
export const REGISTRY_MILLICORES_PER_HEARTBEAT = 2;
export const SQLITE_MAX_HEARTBEATS_PER_SECOND = 300;

export const DEFAULT_REGISTRY_PORT = 8000;
/**
 * The port the library moves the registry's admin API to (`MCP_MESH_ADMIN_PORT`; `/admin/drain`,
 * `/admin/entities`, ...). Unset, the registry serves it unauthenticated on its main port, to every agent.
 * Measured on 3.7.1: with it set, `/admin/*` answers 404 on the main port; the admin listener binds every
 * interface (it ignores HOST) and serves nothing else (no `/health`).
 */
export const DEFAULT_REGISTRY_ADMIN_PORT = 8001;
export const DEFAULT_AGENT_PORT = 8080;

/** The registry's only health endpoint: a static 200 that does not check the database. */
export const REGISTRY_HEALTH_PATH = '/health';

/** Agent probe endpoints. `/health` is diagnostic (503 when a user health check fails) and never a probe. */
export const AGENT_STARTUP_PATH = '/startupz';
export const AGENT_LIVENESS_PATH = '/livez';
export const AGENT_READINESS_PATH = '/ready';
export const AGENT_METRICS_PATH = '/metrics';

/** Where the agent's ConfigMap is mounted in its container. */
export const AGENT_CONFIG_DIR = '/etc/mcp-mesh';
export const AGENT_CONFIG_FILE = 'agent-config.yaml';

/** Log levels both the registry and the agents read from `MCP_MESH_LOG_LEVEL`. */
export enum LogLevel {
  TRACE = 'TRACE',
  DEBUG = 'DEBUG',
  INFO = 'INFO',
  WARNING = 'WARNING',
  ERROR = 'ERROR',
  CRITICAL = 'CRITICAL',
}
