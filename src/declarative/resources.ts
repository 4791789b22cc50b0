import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { JsonSchema } from '../schema/json-schema';

export type { JsonSchema } from '../schema/json-schema';

/** The API group of the MCP Mesh resources (the same domain as the annotations the constructs write). */
export const MESH_API_GROUP = 'mesh.mcp.io';
export const MESH_API_VERSION = 'v1alpha1';
export const MESH_API = `${MESH_API_GROUP}/${MESH_API_VERSION}`;

export interface ResourceNames {
  readonly kind: string;
  readonly listKind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: string[];
  readonly categories: string[];
}

export const MCP_AGENT: ResourceNames = {
  kind: 'MCPAgent', listKind: 'MCPAgentList', plural: 'mcpagents', singular: 'mcpagent', shortNames: ['mcpa'], categories: ['mcp'],
};
export const MCP_MESH: ResourceNames = {
  kind: 'MCPMesh', listKind: 'MCPMeshList', plural: 'mcpmeshes', singular: 'mcpmesh', shortNames: ['mcpm'], categories: ['mcp'],
};

/** The CRD file of a resource, relative to the package root. */
export function crdFileName(names: ResourceNames): string {
  return path.join('crds', `${names.plural}.${MESH_API_GROUP}.yaml`);
}

/** The package root (the folder with crds/), found from src/ (ts-jest) and from lib/src/ (compiled) alike. */
export function packageRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, crdFileName(MCP_AGENT))) && fs.existsSync(path.join(dir, 'package.json'))) return dir;
  }
  throw new Error(`the CRDs (${crdFileName(MCP_AGENT)}) were not found above ${__dirname}: run scripts/generate-crd.js`);
}

const loaded = new Map<string, { crd: any; schema: JsonSchema }>();

/** The shipped CRD of a resource and its schema (of the one served version). */
export function loadCrd(names: ResourceNames, root: string = packageRoot()): { crd: any; schema: JsonSchema } {
  const file = path.join(root, crdFileName(names));
  let hit = loaded.get(file);
  if (hit === undefined) {
    const crd = parseAllDocuments(fs.readFileSync(file, 'utf8'))[0].toJS();
    const version = crd.spec.versions.find((v: any) => v.name === MESH_API_VERSION);
    hit = { crd, schema: version.schema.openAPIV3Schema };
    loaded.set(file, hit);
  }
  return hit;
}
