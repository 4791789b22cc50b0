/**
 * The error every synth-time check throws. Its message always names the field, the bad value and the fix,
 * because the person reading it is looking at a CI log, not at our code. Several problems found together come
 * out as one `MeshValidationError` whose `problems` lists each (and whose own field, value and fix are the
 * first one's), so that a user fixes them in one round.
 */
export class MeshValidationError extends Error {
  /**
   * Throws nothing for no errors, the error itself for one, and one error listing all of them for several
   * (nested lists flattened).
   */
  public static throwAll(errors: readonly MeshValidationError[]): void {
    const all = errors.flatMap((e) => e.problems);
    if (all.length === 0) return;
    if (all.length === 1) throw all[0];
    throw new MeshValidationError(all);
  }

  /** The same problem with more said: the field and the value stay, the problem and the fix are replaced. */
  public static reworded(error: MeshValidationError, problem: string, fix: string): MeshValidationError {
    return new MeshValidationError(error.field, new RenderedValue(error.value), problem, fix);
  }

  /** Dotted path of the offending prop, e.g. `agents[2].replicas`. */
  public readonly field: string;
  /** The value that was rejected, rendered as JSON (long values shortened). */
  public readonly value: string;
  /** What is wrong with the value. */
  public readonly problem: string;
  /** What to do instead. */
  public readonly fix: string;
  /** Every problem this error reports: itself alone, or the list it was made from. */
  public readonly problems: readonly MeshValidationError[];

  constructor(problems: readonly MeshValidationError[]);
  constructor(field: string, value: unknown, problem: string, fix: string);
  constructor(fieldOrProblems: string | readonly MeshValidationError[], value?: unknown, problem?: string, fix?: string) {
    if (typeof fieldOrProblems !== 'string') {
      const list = fieldOrProblems;
      super(`${list.length} problems:\n${list.map((e) => `  - ${e.message}`).join('\n')}`);
      this.field = list[0].field;
      this.value = list[0].value;
      this.problem = list[0].problem;
      this.fix = list[0].fix;
      this.problems = [...list];
    } else {
      const shown = renderValue(value);
      super(`${fieldOrProblems}: ${shown} ${problem}. Fix: ${fix}`);
      this.field = fieldOrProblems;
      this.value = shown;
      this.problem = problem!;
      this.fix = fix!;
      this.problems = [this];
    }
    this.name = 'MeshValidationError';
  }
}

/** Values longer than this are shown by their start and length: an error names the value, it does not echo 2 MB. */
const MAX_SHOWN = 120;

/** A value already rendered by an earlier error. */
class RenderedValue {
  constructor(public readonly text: string) {}
}

function renderValue(value: unknown): string {
  let shown: string;
  if (value === undefined) return 'undefined';
  if (value instanceof RenderedValue) return value.text;
  try {
    if (typeof value === 'function') shown = `<function ${value.name || 'anonymous'}>`;
    else if (typeof value === 'number' && !Number.isFinite(value)) shown = String(value); // JSON would say null
    else shown = JSON.stringify(value) ?? String(value);
  } catch {
    try {
      shown = String(value);
    } catch {
      shown = '<a value that cannot be shown>';
    }
  }
  return shown.length > MAX_SHOWN ? `${shown.slice(0, MAX_SHOWN - 20)}… (${shown.length} characters)` : shown;
}
