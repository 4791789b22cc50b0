export { McpAlert, RECORDED_METRICS, MESH_LABEL } from './rules';
export type { RuleGroup, RecordingRule, AlertingRule, Rule } from './rules';
export { McpObservability } from './mcp-observability';
export type { McpObservabilityOptions, McpObservabilityProps, McpAlertOptions } from './mcp-observability';
export { LazyMeshObject } from './lazy-object';
export type { LazyMeshObjectProps } from './lazy-object';
export { OtlpProtocol, registryTracingEnv, agentTracingEnv } from './tracing';
export type { TracingOptions } from './tracing';
