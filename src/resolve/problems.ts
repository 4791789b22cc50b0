import { MeshValidationError } from '../model/errors';

/**
 * The problems one resolve step finds, collected rather than thrown at the first: each check runs, a failing
 * one is recorded and resolution goes on with a stand-in value, so that one synth reports every problem of an
 * input. Errors that are not validation errors (bugs) are never swallowed.
 */
export class Problems {
  private readonly found: MeshValidationError[] = [];

  /** Runs `check`; on a validation error records it and returns `fallback` instead. */
  public check<T>(check: () => T, fallback: T): T {
    try {
      return check();
    } catch (e) {
      if (!(e instanceof MeshValidationError)) throw e;
      this.found.push(e);
      return fallback;
    }
  }

  /** Runs `check` for its problems alone. Returns whether it passed. */
  public run(check: () => void): boolean {
    return this.check(() => {
      check();
      return true;
    }, false);
  }

  public add(...errors: readonly MeshValidationError[]): void {
    this.found.push(...errors);
  }

  /** The number of problems recorded so far (a checkpoint for `since`). */
  public get count(): number {
    return this.found.length;
  }

  /** Whether a problem was recorded after the checkpoint. */
  public since(checkpoint: number): boolean {
    return this.found.length > checkpoint;
  }

  public get list(): readonly MeshValidationError[] {
    return [...this.found];
  }

  /** Throws every recorded problem as one error; nothing when there is none. */
  public throwIfAny(): void {
    MeshValidationError.throwAll(this.found);
  }
}

/**
 * Runs a resolve step on its own (a construct used without a mesh), throwing every problem it found at once.
 */
export function resolvedOrThrow<T>(resolve: (problems: Problems) => T | undefined): T {
  const problems = new Problems();
  const resolved = resolve(problems);
  problems.throwIfAny();
  if (resolved === undefined) throw new Error('a resolve step returned nothing, and no problem says why');
  return resolved;
}

/**
 * Freezes a resolved value and the plain objects and arrays reachable from it: rendering reads it, never
 * changes it. Class instances (a user's `NetworkPeer`, `Duration`) are left as they are: they are the user's;
 * so are the models marked `sharedModel` (see there).
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value) || SHARED_MODELS.has(value as object)) return value;
  const prototype = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) return value;
  Object.freeze(value);
  for (const key of Object.keys(value as object)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}

const SHARED_MODELS = new WeakSet<object>();

/**
 * Marks a model that the constructs hand to users (`mesh.model.agents`, `agent.model`, `registry.model`) as one
 * `deepFreeze` leaves as it is, with what it holds. Other languages reach the library through jsii, whose
 * runtime tags every object it passes to them with a property, which a frozen object refuses (a Python user's
 * `mesh.model.agents` failed); the model's types are readonly, which is what keeps TypeScript from changing it.
 */
export function sharedModel<T extends object>(model: T): T {
  SHARED_MODELS.add(model);
  return model;
}

/**
 * Carries a value already resolved from a mesh to the construct that renders it, keyed by the props object
 * the mesh hands the construct: the construct then renders without resolving twice, and the public props
 * stay what users write. Internal wiring between McpMesh and its constructs, not an API.
 */
export class ResolvedCarrier<P extends object, R> {
  private readonly carried = new WeakMap<object, R>();

  /** A copy of `props` that carries `resolved`. */
  public attach(props: P, resolved: R): P {
    const carrier = { ...props };
    this.carried.set(carrier, resolved);
    return carrier;
  }

  /** What the props carry, if a mesh resolved them. */
  public take(props: P | undefined | null): R | undefined {
    return props !== null && typeof props === 'object' ? this.carried.get(props) : undefined;
  }
}
