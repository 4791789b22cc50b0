/**
 * How the props validator recognises the library's class-typed props (`AgentRuntime`, `RegistryStorage`,
 * `SecretValue`, `NetworkPeer`, `MeshEnvironment`) in values that may come from JavaScript, where nothing
 * checked the type: every instance carries a brand under a registry-wide symbol (so that two copies of the
 * package in one app still recognise each other's instances), with the props its factory was given, which
 * the validator checks in place, with the field path of the instance.
 */
import type { Duration } from 'cdk8s';

const BRAND = Symbol.for('cdk8s-mcp-mesh.class');

export interface ClassBrand {
  /** The class, as the props schema's `x-class` names it. */
  readonly className: string;
  /** The factory that made the instance, e.g. `python` for `AgentRuntime.python(...)`. */
  readonly factory: string;
  /** The props schema definition of the factory's props object, when it takes one. */
  readonly definition?: string;
  /** The props object the factory was given. */
  readonly props?: unknown;
}

/** Marks an instance as made by `className.factory(props)`. */
export function brand<T extends object>(instance: T, value: ClassBrand): T {
  // Configurable: a factory built on another (NetworkPeer.podsInNamespace on .pods) re-brands its result.
  Object.defineProperty(instance, BRAND, { value, enumerable: false, configurable: true });
  return instance;
}

/** The brand of a value, if it is an instance of one of the library's branded classes. */
export function brandOf(value: unknown): ClassBrand | undefined {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
  const found = (value as Record<symbol, unknown>)[BRAND];
  return typeof found === 'object' && found !== null ? found as ClassBrand : undefined;
}

/** cdk8s's `Duration` (recognised by its methods, so that any copy of cdk8s in the app is accepted). */
export function isDuration(value: unknown): value is Duration {
  return typeof value === 'object' && value !== null
    && typeof (value as { toSeconds?: unknown }).toSeconds === 'function'
    && typeof (value as { toMilliseconds?: unknown }).toMilliseconds === 'function';
}
