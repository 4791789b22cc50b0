/**
 * The error every synth-time check throws. Its message always names the field, the bad value and the fix,
 * because the person reading it is looking at a CI log, not at our code.
 */
export class MeshValidationError extends Error {
  /** Dotted path of the offending prop, e.g. `agents[2].replicas`. */
  public readonly field: string;
  /** The value that was rejected, rendered as JSON. */
  public readonly value: string;
  /** What to do instead. */
  public readonly fix: string;

  constructor(field: string, value: unknown, problem: string, fix: string) {
    const shown = renderValue(value);
    super(`${field}: ${shown} ${problem}. Fix: ${fix}`);
    this.name = 'MeshValidationError';
    this.field = field;
    this.value = shown;
    this.fix = fix;
  }
}

function renderValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
