/**
 * Helm export: the synthesized objects of one mesh wrapped as two installable charts (the charts configured at
 * install time are in charts/), `mcp-mesh-export-registry` (the registry,
 * its database and everything mesh-wide) and `mcp-mesh-agents` (every agent with its own policies and traffic
 * objects). The templates are the synthesized YAML itself, written by the deterministic emitter, with `{{`
 * escaped so that `helm template` gives back the same bytes; the only install-time value is `commonLabels`.
 * See docs/helm.md.
 */
import * as fs from 'fs';
import * as path from 'path';
import { MeshValidationError } from '../model/errors';
import { MCP_MESH_VERSION } from '../model/runtime';
import { OwnedObject } from './owned-objects';
import { toYamlDocument } from './yaml';

type Json = any;

/** The charts' names: fixed, whatever folder the synthesis runs in. */
export const HELM_REGISTRY_CHART = 'mcp-mesh-export-registry';
export const HELM_AGENTS_CHART = 'mcp-mesh-export-agents';
export type HelmChartName = typeof HELM_REGISTRY_CHART | typeof HELM_AGENTS_CHART;

/** The oldest Kubernetes the manifests are written for (Pod Security labels pin v1.30). */
export const HELM_KUBE_VERSION = '>=1.30.0-0';

export interface HelmChartOptions {
  /** The charts' `version` (SemVer 2), e.g. the library's version. **Required.** */
  readonly chartVersion: string;
  /** The charts' `appVersion`: the MCP Mesh runtime the manifests run. @default MCP_MESH_VERSION ("3.7.1") */
  readonly appVersion?: string;
}

// The labels the notes and READMEs read to describe what a chart holds.
const COMPONENT = 'app.kubernetes.io/component';
const INSTANCE = 'app.kubernetes.io/instance';
const AGENT_COMPONENT = 'agent';

// SemVer 2 (semver.org's regular expression), which Helm requires of a chart version.
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function labelsOf(o: Json): Record<string, string> {
  return isObject(o?.metadata?.labels) ? o.metadata.labels : {};
}

/**
 * Which chart each object belongs to, in input order: an agent's objects (its workload, Services, config, and
 * the policies and traffic objects rendered for it) go to the agents chart; the registry's, the database's and
 * the mesh-wide ones (default deny, DNS, mTLS mode, capability routing, monitoring, delivered Secrets) and any
 * object no mesh rendered go to the registry chart. The owner is what the constructs that rendered the object
 * recorded (`ownedObjectsOf`), never a guess from labels or names.
 */
export function helmChartsOf(objects: readonly OwnedObject[]): HelmChartName[] {
  return objects.map((o) => (o.owner?.part === 'agent' ? HELM_AGENTS_CHART : HELM_REGISTRY_CHART));
}

/** The objects of each chart, in input order. */
export function splitHelmCharts(objects: readonly OwnedObject[]): Record<HelmChartName, Json[]> {
  const charts = helmChartsOf(objects);
  const out: Record<HelmChartName, Json[]> = { [HELM_REGISTRY_CHART]: [], [HELM_AGENTS_CHART]: [] };
  objects.forEach((o, i) => out[charts[i]].push(o.object));
  return out;
}

/**
 * Escapes text for a Helm (Go) template so that rendering gives it back byte for byte: every `{{` becomes
 * the action `{{ "{{" }}`. Text outside actions is copied verbatim by the template engine, so `}}`, `{{-`
 * inside the escaped text and everything else need nothing.
 */
export function escapeHelmTemplate(text: string): string {
  return text.replace(/\{\{/g, '{{ "{{" }}');
}

/** Go string literal for template arguments (JSON strings are valid Go interpreted string literals). */
const goString = (s: string) => JSON.stringify(s);

// A key no Kubernetes label or annotation can have (they start with an alphanumeric): marks where the
// commonLabels of the values go.
const LABELS_HOOK = '__mcp_mesh_helm_common_labels__';

/**
 * A template that renders into exactly `toYamlDocument(o)` (with empty commonLabels) or that plus the
 * commonLabels in `metadata.labels`. cdk8s orders keys, so `data` may precede `metadata`: the metadata is
 * written on its own and the hook is looked for there only.
 */
function objectTemplate(o: Json): string {
  const what = goString(`${o.kind}/${o.metadata?.name}`);
  return Object.keys(o).filter((k) => o[k] !== undefined).map((k) => {
    if (k !== 'metadata' || !isObject(o.metadata)) return escapeHelmTemplate(toYamlDocument({ [k]: o[k] }));
    const labels = o.metadata.labels;
    if (isObject(labels) && Object.keys(labels).length > 0) {
      const text = escapeHelmTemplate(toYamlDocument({ metadata: { ...o.metadata, labels: { ...labels, [LABELS_HOOK]: 'x' } } }));
      const existing = Object.keys(labels).map(goString).join(' ');
      return replaceOnce(text, `\n    ${LABELS_HOOK}: x\n`,
        `\n    {{- include "mcp-mesh.commonLabels" (dict "labels" .Values.commonLabels "existing" (list ${existing}) "object" ${what}) }}\n`);
    }
    if (isObject(labels)) {
      // `labels: {}` stays a flow map: `{}`, or the commonLabels as one.
      const text = escapeHelmTemplate(toYamlDocument({ metadata: { ...o.metadata, labels: LABELS_HOOK } }));
      return replaceOnce(text, `\n  labels: ${LABELS_HOOK}\n`, '\n  labels: {{ .Values.commonLabels | default dict | toJson }}\n');
    }
    const text = escapeHelmTemplate(toYamlDocument({ metadata: { ...o.metadata, [LABELS_HOOK]: 'x' } }));
    return replaceOnce(text, `\n  ${LABELS_HOOK}: x\n`,
      `\n  {{- include "mcp-mesh.commonLabelsBlock" (dict "labels" .Values.commonLabels "existing" (list) "object" ${what}) }}\n`);
  }).join('');
}

function replaceOnce(text: string, find: string, replacement: string): string {
  const at = text.indexOf(find);
  if (at < 0 || text.indexOf(find, at + 1) >= 0) throw new Error(`internal: the labels hook is not in the metadata exactly once:\n${text}`);
  return text.slice(0, at) + replacement + text.slice(at + find.length);
}

const HELPERS = `{{/*
Generated by cdk8s-mcp-mesh (src/synth/helm-charts.ts). The templates are the synthesized manifests; the
only thing rendering adds is .Values.commonLabels in metadata.labels of every object.
*/}}

{{/* The commonLabels as "key": "value" lines at the indentation of metadata.labels, each after a newline.
A key the object already has fails the render: the chart never overrides a label the mesh sets. */}}
{{- define "mcp-mesh.commonLabels" -}}
{{- range $key, $value := .labels -}}
{{- if has $key $.existing -}}
{{- fail (printf "commonLabels: %s already sets the label %s (selectors and policies rely on the mesh's labels). Fix: remove %s from commonLabels" $.object $key $key) -}}
{{- end }}
    {{ $key | quote }}: {{ $value | quote }}
{{- end -}}
{{- end -}}

{{/* metadata.labels holding only the commonLabels, for objects that have no labels of their own. */}}
{{- define "mcp-mesh.commonLabelsBlock" -}}
{{- if .labels }}
  labels:
{{- include "mcp-mesh.commonLabels" . }}
{{- end -}}
{{- end -}}
`;

const VALUES_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Install-time values of an MCP Mesh chart generated by cdk8s-mcp-mesh',
  description: 'Everything else (namespace, names, images, replicas, storage, policies) is fixed at synthesis: re-synthesize with other props, see docs/helm.md. Unknown keys are rejected, so a value the chart would ignore fails the install instead.',
  type: 'object',
  additionalProperties: false,
  properties: {
    // Helm passes `global` to every chart, subcharts included.
    global: { description: 'Passed by Helm to every chart and subchart; not read.', type: 'object' },
    commonLabels: {
      description: 'Labels added to metadata.labels of every object of the chart (not to selectors, pod templates or CRDs). A label the object already has fails the render.',
      type: 'object',
      propertyNames: {
        maxLength: 317,
        pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$',
      },
      additionalProperties: { type: 'string', pattern: '^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$' },
    },
  },
};

function valuesYaml(chart: HelmChartName): string {
  return `# Install-time values of the ${chart} chart (generated by cdk8s-mcp-mesh; see docs/helm.md).
#
# The templates are the synthesized manifests of the mesh: namespace, names, images, replicas, storage,
# resources, NetworkPolicies and service-mesh policies are fixed at synthesis. For another configuration,
# re-synthesize with other props (or use the Kustomize overlays in dist/kustomize/). values.schema.json
# rejects any key not listed here, so a value the chart would ignore fails the install instead.

# Labels added to metadata.labels of every object of this chart, e.g. { team: travel, cost-center: "42" }.
# Not added to selectors, pod templates or CRDs (selectors are immutable, and a pod-template label would
# restart every pod). A label the object already has (app.kubernetes.io/*) fails the render. Values are
# strings: use --set-string (--set commonLabels.cost-center=42 would pass a number, which the schema rejects).
commonLabels: {}
`;
}

function chartYaml(chart: HelmChartName, options: HelmChartOptions): string {
  const description = chart === HELM_REGISTRY_CHART
    ? 'MCP Mesh registry, its storage and the mesh-wide objects (namespace, default-deny and DNS policies, mTLS, capability routing, monitoring), as synthesized by cdk8s-mcp-mesh'
    : 'MCP Mesh agents with their own NetworkPolicies and service-mesh objects, as synthesized by cdk8s-mcp-mesh';
  return toYamlDocument({
    apiVersion: 'v2',
    name: chart,
    description,
    type: 'application',
    version: options.chartVersion,
    appVersion: options.appVersion ?? MCP_MESH_VERSION,
    kubeVersion: HELM_KUBE_VERSION,
    keywords: ['mcp', 'mcp-mesh', 'cdk8s'],
    sources: ['https://github.com/dhyansraj/mcp-mesh'],
    annotations: { 'cdk8s-mcp-mesh/generated': 'true' },
  });
}

interface RegistryInfo { service: string; namespace?: string; port: number; url: string }

function envValue(workload: Json, name: string): string | undefined {
  const containers: Json[] = workload?.spec?.template?.spec?.containers ?? [];
  for (const c of containers) {
    const hit = (c.env ?? []).find((e: Json) => e.name === name && typeof e.value === 'string');
    if (hit) return hit.value;
  }
  return undefined;
}

/** The registry's ClusterIP Service and the URL agents reach it at (from an agent's MCP_MESH_REGISTRY_URL if any). */
function registryInfo(objects: readonly Json[]): RegistryInfo | undefined {
  const svc = objects.find((o) => o.kind === 'Service' && labelsOf(o)[COMPONENT] === 'registry' && o.spec?.clusterIP !== 'None');
  if (svc === undefined) return undefined;
  const ports: Json[] = svc.spec?.ports ?? [];
  const port = (ports.find((p) => p.name === 'http') ?? ports[0])?.port ?? 8000;
  const service: string = svc.metadata.name;
  const namespace: string | undefined = svc.metadata.namespace;
  const fromAgent = objects
    .filter((o) => o.kind === 'Deployment' && labelsOf(o)[COMPONENT] === AGENT_COMPONENT)
    .map((o) => envValue(o, 'MCP_MESH_REGISTRY_URL'))
    .find((u) => u !== undefined && new RegExp(`^https?://${service.replace(/\./g, '\\.')}[.:/]`).test(u));
  const url = fromAgent ?? `http://${service}${namespace ? `.${namespace}.svc.cluster.local` : ''}:${port}`;
  return { service, namespace, port, url };
}

interface AgentInfo { name: string; namespace?: string; instance?: string; replicas: number | string; url: string; image?: string }

function agentInfos(objects: readonly Json[]): AgentInfo[] {
  return objects.filter((o) => o.kind === 'Deployment' && labelsOf(o)[COMPONENT] === AGENT_COMPONENT).map((d) => {
    const host = envValue(d, 'MCP_MESH_HTTP_HOST');
    const port = envValue(d, 'MCP_MESH_HTTP_PORT');
    return {
      name: d.metadata.name,
      namespace: d.metadata.namespace,
      instance: labelsOf(d)[INSTANCE],
      replicas: d.spec?.replicas ?? 'autoscaled',
      // MCP_MESH_HTTP_HOST from the downward API (AdvertiseMode.POD_IP) has no literal value.
      url: host !== undefined && port !== undefined ? `http://${host}:${port}` : 'its pod IP',
      image: d.spec?.template?.spec?.containers?.[0]?.image,
    };
  });
}

const nsFlag = (namespace: string | undefined) => (namespace === undefined ? '' : ` --namespace ${namespace}`);

function namespacesOf(objects: readonly Json[]): string[] {
  return [...new Set(objects.map((o) => o.metadata?.namespace).filter((n): n is string => typeof n === 'string'))].sort();
}

/** How to install a chart: into the mesh's namespace, or elsewhere when the chart itself holds that Namespace. */
function installCommand(chart: HelmChartName, all: readonly Json[], own: readonly Json[]): string {
  const meshNamespace = namespacesOf(own)[0];
  const namespaceObject = all.some((o) => o.kind === 'Namespace' && o.metadata?.name === meshNamespace);
  if (meshNamespace === undefined) return `helm install ${chart} ./${chart}`;
  // A chart that creates the Namespace cannot keep its release record in it (Helm writes the record first).
  if (namespaceObject && chart === HELM_REGISTRY_CHART) return `helm install ${chart} ./${chart} --namespace default`;
  if (namespaceObject) return `helm install ${chart} ./${chart} --namespace ${meshNamespace}`;
  return `helm install ${chart} ./${chart} --namespace ${meshNamespace}${chart === HELM_REGISTRY_CHART ? ' --create-namespace' : ''}`;
}

/** Agents NOTES.txt lists one by one; a large mesh gets a summary line (the README lists them all). */
const NOTES_AGENTS = 20;

function notes(chart: HelmChartName, all: readonly Json[], own: readonly Json[], agentObjects: readonly Json[]): string {
  const e = escapeHelmTemplate;
  const registry = registryInfo(all);
  const namespaces = namespacesOf(own);
  const lines: string[] = [];
  lines.push(`{{ .Chart.Name }} {{ .Chart.Version }} (MCP Mesh {{ .Chart.AppVersion }}), release {{ .Release.Name }}.`, '');
  if (namespaces.length > 0) {
    lines.push(e(`The objects are in namespace ${namespaces.join(', ')}, fixed at synthesis (the release namespace does not move them).`));
  }
  if (chart === HELM_AGENTS_CHART) {
    const agents = agentInfos(own);
    lines.push('', `Agents (${agents.length}):`);
    for (const a of agents.slice(0, NOTES_AGENTS)) {
      lines.push(e(`  ${a.name}: Deployment ${a.name}, ${a.replicas === 'autoscaled' ? 'replicas set by its autoscaler' : `${a.replicas} replica(s)`}, advertised as ${a.url}`));
    }
    if (agents.length > NOTES_AGENTS) lines.push(`  ... and ${agents.length - NOTES_AGENTS} more (all of them in the chart's README.md)`);
  }
  if (registry !== undefined) {
    const ns = nsFlag(registry.namespace);
    lines.push('');
    lines.push(e(chart === HELM_REGISTRY_CHART
      ? `The registry is reachable in the cluster at ${registry.url}`
      : `The agents register with the registry at ${registry.url} (chart ${HELM_REGISTRY_CHART}: install it first).`));
    lines.push('', 'From your machine:');
    lines.push(e(`  kubectl${ns} port-forward svc/${registry.service} ${registry.port}`));
    lines.push(e(`  curl http://localhost:${registry.port}/health      # HTTP 200 while the registry is up`));
    lines.push(e(`  curl http://localhost:${registry.port}/agents      # the agents that registered and their capabilities`));
  }
  if (chart === HELM_AGENTS_CHART) {
    const agents = agentInfos(own);
    if (agents.length > 0) {
      lines.push('', 'Wait for the agents:');
      if (agents.length > NOTES_AGENTS) {
        lines.push(e(`  kubectl${nsFlag(agents[0].namespace)} wait deployment --selector app.kubernetes.io/component=agent${agents[0].instance ? `,app.kubernetes.io/instance=${agents[0].instance}` : ''} --for condition=Available --timeout 10m`));
      } else {
        for (const a of agents) lines.push(e(`  kubectl${nsFlag(a.namespace)} rollout status deployment/${a.name}`));
      }
    }
  } else if (agentObjects.length > 0) {
    lines.push('', e(`Then install the agents: ${installCommand(HELM_AGENTS_CHART, all, agentObjects)}`));
  }
  lines.push('', 'Configuration is fixed at synthesis except commonLabels (values.yaml); see the chart\'s README.md.');
  return lines.join('\n') + '\n';
}

function readme(chart: HelmChartName, options: HelmChartOptions, all: readonly Json[], own: readonly Json[], crds: readonly Json[], agentObjects: readonly Json[]): string {
  const kinds = new Map<string, number>();
  for (const o of [...own, ...crds]) kinds.set(`${o.apiVersion} ${o.kind}`, (kinds.get(`${o.apiVersion} ${o.kind}`) ?? 0) + 1);
  const registry = registryInfo(all);
  const agents = chart === HELM_AGENTS_CHART ? agentInfos(own) : [];
  const out: string[] = [];
  out.push(`# ${chart}`, '');
  out.push('An export of one synthesized mesh, wrapped as a chart: the objects are fixed at synthesis. The charts you configure at install time (`--set image.tag=…`, `replicaCount`, `--namespace`) are `mcp-mesh-registry`, `mcp-mesh-agent` and `mcp-mesh` in charts/ of cdk8s-mcp-mesh.', '');
  out.push(chart === HELM_REGISTRY_CHART
    ? 'The MCP Mesh registry, its storage, and the objects of the whole mesh (the Namespace if the mesh owns it, the default-deny and DNS NetworkPolicies, mesh-wide mTLS, capability routing, monitoring).'
    : `The MCP Mesh agents, each with its own NetworkPolicy and service-mesh objects. Install \`${HELM_REGISTRY_CHART}\` first: it holds the registry the agents register with and the mesh-wide policies.`);
  out.push('', `Chart version ${options.chartVersion}, MCP Mesh ${options.appVersion ?? MCP_MESH_VERSION}, Kubernetes ${HELM_KUBE_VERSION}. Generated by cdk8s-mcp-mesh: do not edit, re-synthesize (\`npm run synth:helm-export\`).`);
  out.push('', '## Install', '', '```sh', installCommand(chart, all, own));
  if (chart === HELM_REGISTRY_CHART && agentObjects.length > 0) out.push(installCommand(HELM_AGENTS_CHART, all, agentObjects));
  out.push('```', '');
  if (registry !== undefined) {
    out.push(`The registry: \`${registry.url}\` in the cluster; from your machine \`kubectl${nsFlag(registry.namespace)} port-forward svc/${registry.service} ${registry.port}\`, then \`curl http://localhost:${registry.port}/health\`.`, '');
  }
  if (agents.length > 0) {
    out.push('## Agents', '', '| agent | replicas | advertised URL | image |', '|---|---|---|---|');
    for (const a of agents) out.push(`| ${a.name} | ${a.replicas} | ${a.url} | \`${a.image ?? ''}\` |`);
    out.push('');
  }
  out.push('## Objects', '', `${own.length + crds.length} object(s)${namespacesOf(own).length ? ` in namespace ${namespacesOf(own).map((n) => `\`${n}\``).join(', ')}` : ''}${crds.length ? ` (${crds.length} CRD(s) in \`crds/\`)` : ''}:`, '');
  out.push('| apiVersion kind | count |', '|---|---|');
  for (const [k, n] of [...kinds].sort((a, b) => a[0].localeCompare(b[0]))) out.push(`| ${k} | ${n} |`);
  out.push('', '## Values', '');
  out.push('| value | default | meaning |', '|---|---|---|');
  out.push('| `commonLabels` | `{}` | labels added to `metadata.labels` of every object (not selectors, pod templates or CRDs); a label an object already has fails the render |');
  out.push('', 'Nothing else is configurable at install time: the namespace, names, images, replicas, storage and policies are fixed at synthesis, and `values.schema.json` rejects any other key. For another configuration re-synthesize with other props, or use the Kustomize overlays. See docs/helm.md of cdk8s-mcp-mesh.');
  return out.join('\n') + '\n';
}

/** `<kind>-<name>.yaml`, made unique within the chart. */
function templateFileNames(objects: readonly Json[]): string[] {
  const used = new Set<string>();
  return objects.map((o, i) => {
    const base = `${String(o.kind ?? 'object').toLowerCase()}-${String(o.metadata?.name ?? i)}`.replace(/[^A-Za-z0-9._-]/g, '_');
    let name = base;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${base}-${n}`;
    used.add(name.toLowerCase());
    return `${name}.yaml`;
  });
}

/**
 * Writes the charts `<outdir>/mcp-mesh-export-registry/` and `<outdir>/mcp-mesh-export-agents/` (each replaced whole; nothing
 * else in outdir is touched): Chart.yaml, values.yaml with values.schema.json, README.md, templates/ (one file
 * per object, plus NOTES.txt and _helpers.tpl) and crds/ for CustomResourceDefinitions. `helm template` of the
 * two charts gives exactly `objects` (CRDs with `--include-crds`). Returns the files written.
 */
export function writeHelmCharts(outdir: string, owned: readonly OwnedObject[], options: HelmChartOptions): string[] {
  if (typeof options?.chartVersion !== 'string' || !SEMVER.test(options.chartVersion)) {
    throw new MeshValidationError('helm.chartVersion', options?.chartVersion, 'is not a SemVer 2 version, which Helm requires of a chart',
      'pass a version such as "0.1.0" (e.g. the version of package.json)');
  }
  if (options.appVersion !== undefined && (typeof options.appVersion !== 'string' || options.appVersion.trim() === '')) {
    throw new MeshValidationError('helm.appVersion', options.appVersion, 'is not a version', `leave it unset (MCP Mesh ${MCP_MESH_VERSION}) or pass the runtime version`);
  }
  const files: string[] = [];
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    files.push(file);
  };
  const split = splitHelmCharts(owned);
  const objects = owned.map((o) => o.object);
  for (const chart of [HELM_REGISTRY_CHART, HELM_AGENTS_CHART] as const) {
    const dir = path.join(outdir, chart);
    fs.rmSync(dir, { recursive: true, force: true });
    const crds = split[chart].filter((o) => o.kind === 'CustomResourceDefinition');
    const own = split[chart].filter((o) => o.kind !== 'CustomResourceDefinition');
    write(path.join(dir, 'Chart.yaml'), chartYaml(chart, options));
    write(path.join(dir, 'values.yaml'), valuesYaml(chart));
    write(path.join(dir, 'values.schema.json'), JSON.stringify(VALUES_SCHEMA, null, 2) + '\n');
    write(path.join(dir, 'README.md'), readme(chart, options, objects, own, crds, split[HELM_AGENTS_CHART]));
    write(path.join(dir, 'templates', '_helpers.tpl'), HELPERS);
    write(path.join(dir, 'templates', 'NOTES.txt'), notes(chart, objects, own, split[HELM_AGENTS_CHART]));
    const names = templateFileNames(own);
    own.forEach((o, i) => write(path.join(dir, 'templates', names[i]), objectTemplate(o)));
    // crds/ is not templated by Helm: the YAML goes in as it is.
    const crdNames = templateFileNames(crds);
    crds.forEach((o, i) => write(path.join(dir, 'crds', crdNames[i]), toYamlDocument(o)));
  }
  return files;
}
