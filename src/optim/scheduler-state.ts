/**
 * Validation of a scheduler state dict before any of it is applied: every entry
 * must be one the scheduler has, of the kind it holds now. A state such as
 * `{ lastEpoch: "x" }` used to load and silently stop the schedule (every later
 * `lastEpoch + 1` became a string), and an unknown entry threw after earlier
 * entries had already been written.
 */
import { ArgumentError } from '../errors';

/** Counters that are whole numbers (lastEpoch starts at -1). */
const INTEGER_ENTRIES = new Set(['lastEpoch', 'stepCount', 'numBadEpochs', 'cooldownCounter', 'stepSize']);

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * Throws an ArgumentError naming `${name}.loadStateDict`, the entry and what it holds when `sd` is not
 * a state of `self`: an unknown entry, another kind of value, NaN, or a non-integer counter.
 * `nullable` lists number entries that JSON may have turned into null (an infinite best).
 */
export function checkSchedulerState(name: string, self: Record<string, unknown>, sd: unknown, skip: readonly string[], nullable: readonly string[] = []): void {
  const op = `${name}.loadStateDict`;
  if (sd === null || typeof sd !== 'object' || Array.isArray(sd)) throw new ArgumentError(`${op}: expected an object from stateDict(), got ${show(sd)}`);
  for (const [k, v] of Object.entries(sd)) {
    if (skip.includes(k)) continue;
    if (!(k in self)) throw new ArgumentError(`${op}: unknown entry '${k}' (a state of another scheduler?)`);
    const current = self[k];
    const want = kind(current);
    if (want === 'function' || want === 'object' || want === 'null' || want === 'undefined') continue;
    const got = kind(v);
    if (got === 'null' && nullable.includes(k)) continue;
    if (got !== want) throw new ArgumentError(`${op}: '${k}' must be a ${want} like the scheduler's ${show(current)}, got ${show(v)}`);
    if (got === 'number') {
      if (Number.isNaN(v)) throw new ArgumentError(`${op}: '${k}' is NaN`);
      if (INTEGER_ENTRIES.has(k) && !Number.isInteger(v)) throw new ArgumentError(`${op}: '${k}' must be an integer, got ${show(v)}`);
    }
    if (got === 'array') {
      const items = v as unknown[];
      const numeric = (current as unknown[]).every((x) => typeof x === 'number');
      if (numeric && !items.every((x) => typeof x === 'number' && !Number.isNaN(x))) {
        throw new ArgumentError(`${op}: '${k}' must be an array of numbers, got ${show(v)}`);
      }
    }
  }
}
