/**
 * What one `writeManifests` synthesis knows before its checks run, shared with them so that no check redoes
 * it: the objects' data, read once (a MeshObject's getters, the mesh-wide policies, evaluated once; the
 * output is rendered from the same data), and the app's constructs in tree order (each check would
 * otherwise walk the tree again). Outside such a synthesis (cdk8s's own `app.synth()`, a check run by hand)
 * the checks read the tree and the objects themselves.
 */
import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { isMeshObject } from './mesh-object';

interface Synthesis {
  /** Objects as data, read ahead of the checks. */
  readonly data: ReadonlyMap<ApiObject, unknown>;
  /** Every construct of the app, in the order `app.node.findAll()` gives. */
  readonly constructs: readonly IConstruct[];
  /** Where a construct is in `constructs` (filled on demand, for the scopes checks ask about). */
  readonly position: Map<IConstruct, number>;
}

let current: Synthesis | undefined;

/**
 * Runs `checks` inside a synthesis: `objectData` reads `data` (objects read ahead of the checks) and
 * `constructsUnder` slices `constructs` (the app's tree, walked once) instead of walking it again.
 */
export function withSynthesis<T>(data: ReadonlyMap<ApiObject, unknown>, constructs: readonly IConstruct[], checks: () => T): T {
  const outer = current;
  current = { data, constructs, position: new Map() };
  try {
    return checks();
  } finally {
    current = outer;
  }
}

/** `scope.node.findAll()`: the scope and everything under it, in tree order. */
export function constructsUnder(scope: IConstruct): IConstruct[] {
  const s = current;
  if (s === undefined) return scope.node.findAll();
  if (scope.node.scope === undefined && s.constructs[0] === scope) return [...s.constructs];
  let start = s.position.get(scope);
  if (start === undefined) {
    start = s.constructs.indexOf(scope);
    s.position.set(scope, start);
  }
  // Not in the synthesized app (a scope of another app): walk it.
  if (start < 0) return scope.node.findAll();
  // In tree order a scope's constructs follow it, up to the first one outside it.
  let end = start + 1;
  while (end < s.constructs.length && isWithin(s.constructs[end], scope)) end++;
  return s.constructs.slice(start, end);
}

/** Whether `c` is `scope` or under it. */
export function isWithin(c: IConstruct, scope: IConstruct): boolean {
  for (let at: IConstruct | undefined = c; at !== undefined; at = at.node.scope) {
    if (at === scope) return true;
  }
  return false;
}

/**
 * An object as data for read-only checks: what the synthesis read ahead of them, else `toData()` for a
 * MeshObject (no sorted copy), `toJson()` otherwise. Keys are in no particular order; do not modify it.
 */
export function objectData(o: ApiObject): any {
  const read = current?.data.get(o);
  if (read !== undefined) return read;
  return isMeshObject(o) ? o.toData() : o.toJson();
}
