/** Prometheus rules, an optional agent PodMonitor, Grafana dashboards and tracing env for an MCP Mesh (docs/observability.md). */
export { McpAlert, RECORDED_METRICS, MESH_LABEL } from './rules';
export type { PrometheusRuleGroup, PrometheusRule, PrometheusRecordingRule, PrometheusAlertingRule } from './rules';
export { McpObservability } from './mcp-observability';
export type { McpObservabilityOptions, McpObservabilityProps, McpAlertOptions } from './observability-props';
export type { IObservableMesh } from './observed-mesh';
export { OtlpProtocol, registryTracingEnv, agentTracingEnv } from './tracing';
export type { MeshTracingOptions, TracingOptions } from './tracing';
