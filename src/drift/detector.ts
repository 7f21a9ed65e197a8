/**
 * The shape every streaming drift detector shares: `update(x)` returns
 * `{ drift, warning }`, `reset()` forgets everything, and the state (options
 * and running statistics) round-trips through plain JSON with
 * `stateDict()` / `loadStateDict()`.
 *
 * As in river, a detector that signalled a drift starts over (resets itself)
 * at the next update, so one change gives one `drift: true`.
 */
import { ArgumentError, fmtArg } from '../errors';

/** What one update says. The objects are shared constants: read them, do not keep or change them. */
export interface DriftSignal {
  readonly drift: boolean;
  readonly warning: boolean;
}

const NONE: DriftSignal = Object.freeze({ drift: false, warning: false });
const WARNING: DriftSignal = Object.freeze({ drift: false, warning: true });
const DRIFT: DriftSignal = Object.freeze({ drift: true, warning: false });

/** A JSON-safe snapshot of a detector: its class, its options and its running state. */
export interface DetectorState {
  detector: string;
  options: Record<string, unknown>;
  state: Record<string, unknown>;
}

/** The public face of every detector in `drift`. */
export interface DriftDetector {
  /** Class name ('ADWIN'), used in messages and events. */
  readonly name: string;
  /** Whether the last update signalled a drift. */
  readonly driftDetected: boolean;
  /** Whether the last update is in the warning zone (detectors without one: always false). */
  readonly warningDetected: boolean;
  /** Feeds one value (an error bit 0/1 for the binary detectors, any number for Page-Hinkley, ADWIN, KSWIN). @example `d.update(1).drift` */
  update(x: number): DriftSignal;
  /** Forgets all data seen; options are kept. @example `d.reset()` */
  reset(): void;
  /** Options and running state as JSON-safe data. @example `JSON.stringify(d.stateDict())` */
  stateDict(): DetectorState;
  /** Restores a stateDict() of the same class and options. @example `d.loadStateDict(saved)` */
  loadStateDict(state: DetectorState): void;
  /** The statistics behind the last decision (for alerts and logs). @example `d.evidence()` */
  evidence(): Record<string, number>;
}

/** Structured JSON clone: JSON-safe values only (numbers incl. ±Infinity kept as strings). */
function encode(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v as ArrayLike<unknown>, encode);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
  return v;
}

function decode(v: unknown): unknown {
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (v === 'NaN') return NaN;
  if (Array.isArray(v)) return v.map(decode);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
  return v;
}

/**
 * Base class: option checks, the reset-after-drift rule, the signal
 * constants and the state round trip. A subclass implements `step(x)`,
 * `clear()`, `saveState()` and `restoreState()`.
 * @example
 * class Threshold extends drift.DetectorBase<{ limit: number }> {
 *   constructor() { super('Threshold', { limit: 3 }); }
 *   protected step(x: number) { this.drift = x > this.options.limit; }
 *   // ... evidence, clear, saveState, restoreState
 * }
 */
export abstract class DetectorBase<O extends object> implements DriftDetector {
  readonly name: string;
  readonly options: Readonly<O>;
  protected drift = false;
  protected warning = false;

  protected constructor(name: string, options: O) {
    this.name = name;
    this.options = Object.freeze({ ...options });
  }

  /** Whether the last update signalled a drift. @example `if (ddm.driftDetected) ...` */
  get driftDetected(): boolean { return this.drift; }
  /** Whether the last update is in the warning zone. @example `if (ddm.warningDetected) startBuffering()` */
  get warningDetected(): boolean { return this.warning; }

  /**
   * Feeds one value.
   * @example `if (ddm.update(wrong ? 1 : 0).drift) retrain()`
   */
  update(x: number): DriftSignal {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new ArgumentError(`${this.name}.update: x must be a finite number, got ${fmtArg(x)}`);
    if (this.drift) this.reset();
    this.step(x);
    return this.drift ? DRIFT : this.warning ? WARNING : NONE;
  }

  /**
   * Forgets every value seen; the options stay.
   * @example `detector.reset()`
   */
  reset(): void {
    this.drift = false;
    this.warning = false;
    this.clear();
  }

  /**
   * Options and running state as JSON-safe data.
   * @example `const saved = JSON.stringify(adwin.stateDict())`
   */
  stateDict(): DetectorState {
    return encode({ detector: this.name, options: { ...this.options }, state: { drift: this.drift, warning: this.warning, ...this.saveState() } }) as DetectorState;
  }

  /**
   * Restores a state from `stateDict()` of the same detector class and options.
   * @example `adwin.loadStateDict(JSON.parse(saved))`
   */
  loadStateDict(sd: DetectorState): void {
    if (!sd || typeof sd !== 'object' || sd.detector !== this.name || !sd.state || typeof sd.state !== 'object') {
      throw new ArgumentError(`${this.name}.loadStateDict: expected a state dict of a ${this.name}, got ${sd && typeof sd === 'object' ? `one of '${fmtArg(sd.detector)}'` : String(sd)}`);
    }
    const options = decode(sd.options) as Record<string, unknown>;
    for (const [k, v] of Object.entries(this.options)) {
      if (options[k] !== v) throw new ArgumentError(`${this.name}.loadStateDict: the saved detector has ${k} = ${fmtArg(options[k])} but this one has ${fmtArg(v)}`);
    }
    const state = decode(sd.state) as Record<string, unknown>;
    this.restoreState(state);
    this.drift = state.drift === true;
    this.warning = state.warning === true;
  }

  abstract evidence(): Record<string, number>;
  protected abstract step(x: number): void;
  protected abstract clear(): void;
  protected abstract saveState(): Record<string, unknown>;
  protected abstract restoreState(state: Record<string, unknown>): void;
}

/** Throws unless v is a number in range (for constructor options). */
export function checkOption(name: string, option: string, v: unknown, range: { min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean; integer?: boolean } = {}): number {
  const bad = (why: string): never => { throw new ArgumentError(`${name}: ${option} ${why}, got ${fmtArg(v)}`); };
  if (typeof v !== 'number' || !Number.isFinite(v)) bad('must be a finite number');
  const x = v as number;
  if (range.integer && !Number.isInteger(x)) bad('must be an integer');
  if (range.min !== undefined && (range.minExclusive ? x <= range.min : x < range.min)) bad(`must be ${range.minExclusive ? '>' : '>='} ${range.min}`);
  if (range.max !== undefined && (range.maxExclusive ? x >= range.max : x > range.max)) bad(`must be ${range.maxExclusive ? '<' : '<='} ${range.max}`);
  return x;
}

/** Reads a number from a restored state, naming the detector and key when it is missing. */
export function stateNumber(name: string, state: Record<string, unknown>, key: string): number {
  const v = state[key];
  if (typeof v !== 'number') throw new ArgumentError(`${name}.loadStateDict: state.${key} must be a number, got ${fmtArg(v)}`);
  return v;
}
