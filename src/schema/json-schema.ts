/**
 * The schema language of the library: the subset of OpenAPI v3 that the CRDs use, plus two keywords of the
 * props schema (never written into a CRD): `x-class`, a value that must be an instance of one of the
 * library's classes (or cdk8s's `Duration`), made by one of the static factories `x-factories` lists.
 * Both schemas are generated from the TypeScript props types (src/declarative/crd-generator.ts).
 */
export interface JsonSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  oneOf?: JsonSchema[];
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  /** Props schema only: the value is an instance of this class. */
  'x-class'?: string;
  /** Props schema only: the static factories that make an instance of `x-class`. */
  'x-factories'?: string[];
}

/**
 * Durations as Kubernetes writes them (Go's time.Duration without fractions): hours, minutes and seconds, in
 * that order, each at most once. RE2-compatible (no look-ahead), as the API server evaluates CRD patterns.
 */
export const DURATION_PATTERN = '^([0-9]+h([0-9]+m)?([0-9]+s)?|[0-9]+m([0-9]+s)?|[0-9]+s)$';
