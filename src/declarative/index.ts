/**
 * The declarative front end: MCPMesh and MCPAgent resources (CRDs generated from the props types), read from
 * files, validated, and synthesized by the same constructs. `crd-generator` is not exported: it needs the
 * TypeScript compiler, which only the generation script and the tests load.
 */
export * from './types';
export { MESH_API_GROUP, MESH_API_VERSION, MESH_API, MCP_AGENT, MCP_MESH, crdFileName, loadCrd } from './resources';
export type { ResourceNames, JsonSchema } from './resources';
export { DURATION_PATTERN, parseDuration } from './mappings';
export { validateValue, formatPath } from '../schema/validate';
export type { SchemaIssue, FieldPath } from '../schema/validate';
export { DeclarativeInputError, DeclarativeUsageError, formatIssue, expandPaths, readDocuments } from './input';
export type { SourceDocument, InputIssue } from './input';
export { ENVIRONMENT_PRESETS, readDeclarativeMesh, declarativeMeshProps, buildDeclarativeMesh, synthDeclarative } from './synth';
export type { DeclarativeMesh, BuiltMesh, DeclarativeFormat, DeclarativeSynthOptions } from './synth';
