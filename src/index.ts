/**
 * The public API of cdk8s-mcp-mesh: the constructs, their props, and the classes and enums the props take.
 * It is the same for TypeScript, JavaScript and (through jsii) Python: every name here passes jsii's type
 * model (`npm run package:python`). What only the library uses stays behind in its own modules.
 *
 * Beside the jsii surface, TypeScript and JavaScript get a few functions and the validation error class
 * (jsii has no free functions and no Error subclasses; Python reaches the same through `MeshManifests` and the
 * error's message): see the end of this file.
 */

// The mesh, its registry and agents.
export * from './mesh/mcp-mesh';
export { McpNamespace } from './mesh/mcp-namespace';
export type { McpNamespaceProps } from './mesh/mcp-namespace';
export * from './mesh/mesh-environment';
export * from './registry/mcp-registry';
export { RegistryStorage, VolumeAccessMode } from './registry/registry-storage';
export type { SecretKeyReference, SqliteStorageProps, PostgresStorageProps, PostgresPartsProps, PostgresCredentials } from './registry/registry-storage';
export type { PostgresInClusterProps } from './registry/storage-context';
export * from './agent/mcp-agent';
export { AgentRuntime } from './agent/agent-runtime';
export type { PythonRuntimeProps, AgentProbePaths, CustomRuntimeProps } from './agent/agent-runtime';
export * from './agent/secret-value';
export type { ResourceProps } from './k8s/resources';
export type { PodPlacementProps, Toleration } from './k8s/pod-placement';

// The resolved model the constructs render (mesh.model), for standalone security, traffic and observability.
export { MeshModel, AdvertiseMode } from './model/mesh-model';
export type { CapabilityModel, GatewayReference, ExposureModel, AgentModel, BackendModel, RegistryModel, RegistryBackendModel, DependencyEdge } from './model/mesh-model';
export { NetworkPeer } from './model/network-peer';
export type { PodPeerProps, BackendEndpoint } from './model/network-peer';
export * from './model/service-mesh';
export type { TrafficPolicyOptions } from './model/traffic';
export { LogLevel } from './model/runtime';

// Security, traffic policy, observability and the policy check.
export * from './security/security-props';
export { McpSecurity } from './security/mcp-security';
export * from './security/mcp-external-secrets';
export * from './security/tls-props';
export { McpTrafficPolicy } from './traffic/mcp-traffic-policy';
export type { McpTrafficPolicyProps } from './traffic/mcp-traffic-policy';
export * from './observability/mcp-observability';
export type { McpObservabilityOptions, McpObservabilityProps, McpAlertOptions } from './observability/observability-props';
export type { IObservableMesh, IDeliveredSecrets } from './observability/observed-mesh';
export { McpAlert } from './observability/rules';
export type { PrometheusRuleGroup, PrometheusRule } from './observability/rules';
export { OtlpProtocol } from './observability/tracing';
export type { MeshTracingOptions, TracingOptions } from './observability/tracing';
export * from './policy/mcp-policy-check';

// Writing the app.
export { MeshManifests } from './synth/mesh-manifests';

// TypeScript and JavaScript only. jsii skips functions, constants and type aliases, so these stay out of the
// Python API: the validation errors are Error subclasses (Python sees a RuntimeError with the same message), and
// the functions below are the declarative front end and the other output formats (from Python: the
// `cdk8s-mcp-mesh` command the wheel installs).
import { MeshValidationError as ValidationError } from './model/errors';
import { DeclarativeInputError as InputError, DeclarativeUsageError as UsageError } from './declarative/input';
import type * as input from './declarative/input';
import type * as declarativeSynth from './declarative/synth';
import type * as helm from './synth/helm-charts';
import type * as owned from './synth/owned-objects';
import type * as ownership from './k8s/ownership';
import type * as rules from './observability/rules';

/** The error every check throws: `problems` holds each problem (field, value, problem, fix) of one input. */
export const MeshValidationError = ValidationError;
export type MeshValidationError = ValidationError;
/** Problems in MCPMesh/MCPAgent files: `issues` holds every one, each with its file, document and field. */
export const DeclarativeInputError = InputError;
export type DeclarativeInputError = InputError;
/** A misuse of the declarative front end itself (no files, an unknown environment or format). */
export const DeclarativeUsageError = UsageError;
export type DeclarativeUsageError = UsageError;
export type InputIssue = input.InputIssue;
export type DeclarativeMesh = declarativeSynth.DeclarativeMesh;
export type BuiltMesh = declarativeSynth.BuiltMesh;
export type DeclarativeSynthOptions = declarativeSynth.DeclarativeSynthOptions;
export type DeclarativeFormat = declarativeSynth.DeclarativeFormat;
export type HelmChartOptions = helm.HelmChartOptions;
export type OwnedObject = owned.OwnedObject;
export type ObjectOwner = ownership.ObjectOwner;
export type MeshPart = ownership.MeshPart;
export type PrometheusRecordingRule = rules.PrometheusRecordingRule;
export type PrometheusAlertingRule = rules.PrometheusAlertingRule;

export { MCP_MESH_VERSION } from './model/runtime';
export { writeManifests } from './synth/write-manifests';
export { toYamlDocument, toYamlDocuments } from './synth/yaml';
export { synthDeclarative, readDeclarativeMesh, buildDeclarativeMesh, declarativeMeshProps } from './declarative/synth';
export { writeKustomize } from './synth/kustomize';
export { writeHelmCharts } from './synth/helm-charts';
export { ownedObjectsOf } from './synth/owned-objects';
export { meshDiagramMarkdown } from './synth/mesh-diagram';
export { podSecurityLabels } from './k8s/namespace';
