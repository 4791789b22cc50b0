/**
 * The declarative file format's own types: the specs of the MCPAgent and MCPMesh resources, written in terms
 * of the props the constructs take. `scripts/generate-crd.js` reads these types with the TypeScript compiler
 * and generates the CRDs' OpenAPI schemas from them, so a prop added to `McpAgentOptions` (or any type under
 * it) reaches the CRD on the next generation, and the drift test fails until it is regenerated.
 */
import { PythonRuntimeProps } from '../agent/agent-runtime';
import { McpMeshAgentProps, McpMeshProps } from '../mesh/mcp-mesh';

/**
 * The spec of an MCPAgent: every prop of an agent of a mesh but its name, which is the resource's
 * `metadata.name`.
 */
export interface McpAgentSpec extends Omit<McpMeshAgentProps, 'name'> {}

/**
 * The spec of an MCPMesh: every prop of a mesh but its name (the resource's `metadata.name`) and its agents
 * (the MCPAgent resources next to it), plus per-environment overrides.
 */
export interface McpMeshSpec extends Omit<McpMeshProps, 'name' | 'agents'> {
  /**
   * Values merged over this spec when the mesh is synthesized for that environment (`--env`, or each overlay
   * of the Kustomize output): objects are merged key by key, lists and choices (such as `registry.storage`)
   * are replaced whole. Keys are environment preset names (dev, staging, prod).
   * @default - no overrides
   */
  readonly environments?: { readonly [environment: string]: McpMeshOverrides };
}

/** What an environment changes in the mesh's spec. */
export interface McpMeshOverrides extends Omit<McpMeshSpec, 'environment' | 'environments'> {}

/** `AgentRuntime.python(...)` props as a file gives them: the code may also come from a file. */
export interface DeclarativePythonRuntimeProps extends PythonRuntimeProps {
  /**
   * A Python file, relative to the file that declares the agent, read into `source` when the mesh is
   * synthesized (so the agent's code is reviewed as code, not as a YAML string). Excludes `source` and
   * `script`.
   * @default - the code is in `source` or in the image
   */
  readonly sourceFile?: string;
}
