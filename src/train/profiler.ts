/**
 * Where a step's time goes, as torch.profiler's `profile` and `key_averages().table()`.
 *
 * Three hook points feed one recorder (backend/observer.ts): every backend kernel call is
 * timed; every op reports itself at its tape record (ops/record.ts); the autograd engine opens
 * a frame around the backward pass and around each node's backward; recordFunction() and the
 * callback's steps open frames too. From those the result builds two views:
 *
 * - ops: an op is named only at its end (record() runs after its kernels), so the kernels run
 *   since the previous record in the same frame are counted to the op that records next. An op's
 *   span runs from its first such kernel to its record: its kernels and the work between them,
 *   not its argument checks and output allocation before the first kernel (those count as time
 *   outside kernels). A view (an output sharing its input's storage, as the reshape inside sum)
 *   claims no kernel: the kernels before it go to the op that records after it. An op that does
 *   not record (in-place updates, the fused optimizer steps) has its kernels counted to the next
 *   op that records in the same frame; at a frame's edge the unclaimed kernels stay with the
 *   frame (its self time), and outside any frame they get a row of their own, `[kernelName]`.
 *   Wrap such code in recordFunction() to name it. Backward rows are exact frames named
 *   `<op>Backward0` (torch's node names), with the ops their gradient formulas ran inside them;
 *   a row's self time is its time less that of the ops and frames inside it.
 * - kernels: exact per-kernel calls and time (the Backend's kernel names).
 *
 * The other way, a "current op" set by every op function on entry, would touch every op; this one
 * needs one hook in record(), which every op already calls.
 */
import { performance } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import * as v8 from 'node:v8';
import { ArgumentError } from '../errors';
import { profiling, type FrameKind, type ProfileObserver, type TensorLike } from '../backend/observer';
import { allocationStats } from '../tensor/dtype';
import { writeFileAtomic } from './atomic-write';
import type { Callback, StepLogs, TrainContext } from './types';

/** Which clock times the spans: 'wall' (performance.now(), the default) or 'cpu' (this process's CPU time, all threads). @example `profile(step, { clock: 'cpu' })` */
export type ProfileClock = 'wall' | 'cpu';

/** Options of profile() and ProfilerCallback. @example `profile(step, { recordShapes: true })` */
export interface ProfileOptions {
  /** Keep each op's input shapes (torch's record_shapes), so rows can be grouped by shape. Default false. */
  recordShapes?: boolean;
  /**
   * 'wall' (default) times by the clock; 'cpu' by this process's CPU time (µs resolution, about
   * 1 µs a read), which other jobs on a loaded machine do not inflate, but which adds the pool
   * threads' time when the kernels run on several threads.
   */
  clock?: ProfileClock;
}

/** What a row stands for: an op, a backward frame, a recordFunction or step scope, or a kernel. @example `result.ops.filter((r) => r.kind === 'backward')` */
export type ProfileRowKind = 'op' | 'backward' | 'scope' | 'kernel';

/** One row of keyAverages(): an op (or kernel) summed over its calls. @example `const conv = result.ops.find((r) => r.name === 'conv2d')!; conv.calls` */
export interface ProfileRow {
  name: string;
  kind: ProfileRowKind;
  /** The inputs' shapes, e.g. `[[64, 1, 28, 28], [32, 1, 3, 3]]`, when grouped by input shape. */
  inputShapes?: string;
  calls: number;
  /** Time in the row itself, less the ops and frames inside it (ms, on the profile's clock). */
  selfMs: number;
  /** Time from start to end of each call, summed (ms). */
  totalMs: number;
  /** totalMs / calls. */
  meanMs: number;
  /** selfMs as a percentage of the profiled time. */
  selfPercent: number;
  /** totalMs as a percentage of the profiled time. */
  totalPercent: number;
}

/** The figures of a whole profile. @example `const { wallMs, kernelMs } = result.totals` */
export interface ProfileTotals {
  clock: ProfileClock;
  /** Wall time of the profiled function (or of the recorded steps). */
  wallMs: number;
  /** This process's CPU time over the same span (all threads). */
  cpuMs: number;
  /** Time inside kernels, on the profile's clock. */
  kernelMs: number;
  kernelCalls: number;
  /** The profiled time (wallMs or cpuMs, by the clock) less kernelMs: op dispatch, tape, allocation, GC, the caller's own code. */
  outsideKernelMs: number;
  /** Buffers allocated fresh (not taken from the pool), and their bytes. */
  freshAllocations: number;
  freshBytes: number;
  /** Garbage-collection pauses and their total time; null where Node has no v8.GCProfiler. */
  gcPauses: number | null;
  gcMs: number | null;
  /** ProfilerCallback: the steps recorded. */
  steps?: number;
}

/** One recorded span (what exportChromeTrace writes). @example `result.spans.filter((s) => s.kind === 'kernel' && s.name === 'gemm')` */
export interface ProfileSpan {
  name: string;
  kind: ProfileRowKind;
  /** Start and end in ms from the start of the profile, on its clock. */
  startMs: number;
  endMs: number;
  /** Index in `spans` of the frame (backward node, scope) it ran in, or -1. */
  parent: number;
  /** Kernels: index in `spans` of the op it is counted to, or -1. */
  op: number;
  inputShapes?: string;
}

/** Options of keyAverages(). @example `result.keyAverages({ by: 'op', groupByInputShape: true })` */
export interface KeyAveragesOptions {
  /** 'op' (ops, backward nodes and scopes; the default) or 'kernel' (Backend kernels). */
  by?: 'op' | 'kernel';
  /** Split op rows by their input shapes (torch's group_by_input_shape). Default: whether the profile recorded shapes. */
  groupByInputShape?: boolean;
}

/** Options of table(). @example `result.table({ sortBy: 'totalMs', rowLimit: 10 })` */
export interface ProfileTableOptions extends KeyAveragesOptions {
  /** The column to sort by, largest first. Default 'selfMs'. */
  sortBy?: 'selfMs' | 'totalMs' | 'calls';
  /** At most this many rows (default 100, as torch; Infinity for all). */
  rowLimit?: number;
}

const KIND_NAMES: readonly ProfileRowKind[] = ['kernel', 'op', 'backward', 'scope'];
const KERNEL = 0, OP = 1, BACKWARD = 2, SCOPE = 3;

function shapesText(inputs: readonly TensorLike[]): string {
  return `[${inputs.map((t) => `[${t.shape.join(', ')}]`).join(', ')}]`;
}

/** @internal What a ProfileResult reads: the events of a profile in flat arrays (see Recorder). */
export interface RecordedEvents {
  readonly names: readonly string[];
  readonly kind: readonly number[];
  readonly name: readonly number[];
  readonly start: readonly number[];
  readonly end: readonly number[];
  readonly parent: readonly number[];
  readonly claimedBy: readonly number[];
  readonly shapes: readonly number[];
  readonly origin: number;
}

/**
 * The events of a running profile, in flat arrays (no object per event, so that recording adds
 * little garbage to the program it measures). A frame stack tracks the open frames; per frame,
 * the first kernel not yet claimed by an op.
 */
class Recorder implements ProfileObserver, RecordedEvents {
  readonly names: string[] = [];
  private readonly nameIds = new Map<string, number>();
  readonly kind: number[] = [];
  readonly name: number[] = [];
  readonly start: number[] = [];
  readonly end: number[] = [];
  readonly parent: number[] = [];
  /** Kernels: the op event that claimed it, or -1. */
  readonly claimedBy: number[] = [];
  /** Name id of the input-shapes text, or -1. */
  readonly shapes: number[] = [];
  private readonly stack: number[] = [-1];
  private readonly pending: number[] = [-1];
  kernelCount = 0;
  kernelMs = 0;
  readonly origin: number;

  constructor(readonly now: () => number, private readonly recordShapes: boolean) {
    this.origin = now();
  }

  private id(name: string): number {
    let id = this.nameIds.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.nameIds.set(name, id);
    }
    return id;
  }

  private push(kind: number, name: string, start: number, end: number, shapes: number): number {
    const i = this.kind.length;
    this.kind.push(kind);
    this.name.push(this.id(name));
    this.start.push(start);
    this.end.push(end);
    this.parent.push(this.stack[this.stack.length - 1]);
    this.claimedBy.push(-1);
    this.shapes.push(shapes);
    return i;
  }

  kernel(name: string, start: number, end: number): void {
    const i = this.push(KERNEL, name, start, end, -1);
    this.kernelCount++;
    this.kernelMs += end - start;
    const top = this.pending.length - 1;
    if (this.pending[top] < 0) this.pending[top] = i;
  }

  op(name: string, inputs: readonly TensorLike[], output: TensorLike): void {
    const t = this.now();
    const top = this.pending.length - 1;
    // A view (reshape, the squeeze inside sum) runs no kernel: the kernels before it belong to the
    // op that records next (sum), not to the view it made on the way.
    let view = false;
    for (let k = 0; k < inputs.length; k++) if (inputs[k].storage === output.storage) { view = true; break; }
    const first = view ? -1 : this.pending[top];
    const i = this.push(OP, name, first >= 0 ? this.start[first] : t, t, this.recordShapes ? this.id(shapesText(inputs)) : -1);
    // Everything since the first unclaimed kernel is a kernel of this frame: an op or a frame edge resets it.
    if (first >= 0) for (let k = first; k < i; k++) this.claimedBy[k] = i;
    if (!view) this.pending[top] = -1;
  }

  enter(name: string, kind: FrameKind, inputs?: readonly TensorLike[]): number {
    const t = this.now();
    this.pending[this.pending.length - 1] = -1;
    const i = this.push(kind === 'backward' ? BACKWARD : SCOPE, name, t, NaN, this.recordShapes && inputs ? this.id(shapesText(inputs)) : -1);
    this.stack.push(i);
    this.pending.push(-1);
    return i;
  }

  exit(id: number): void {
    const at = this.stack.lastIndexOf(id);
    if (at <= 0) return;  // closed already (an async scope outlived a frame opened after it)
    const t = this.now();
    // Frames opened after it and still open (interleaved async scopes) close with it.
    for (let k = this.stack.length - 1; k >= at; k--) this.end[this.stack[k]] = t;
    this.stack.length = at;
    this.pending.length = at;
    this.pending[at - 1] = -1;
  }

  /** Drops the events from index `n` on (after the last recorded step); their frames are closed. */
  truncate(n: number): void {
    for (let i = n; i < this.kind.length; i++) {
      if (this.kind[i] !== KERNEL) continue;
      this.kernelCount--;
      this.kernelMs -= this.end[i] - this.start[i];
    }
    for (const a of [this.kind, this.name, this.start, this.end, this.parent, this.claimedBy, this.shapes]) a.length = n;
    for (let i = 0; i < n; i++) if (this.claimedBy[i] >= n) this.claimedBy[i] = -1;
  }

  /** Closes the frames still open (a step or an async scope running when the profile ends). */
  closeAll(): void {
    if (this.stack.length > 1) this.exit(this.stack[1]);
  }
}

const wallClock = (): number => performance.now();
const cpuClock = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** The profile now running (one at a time: the hooks are process-wide). */
let running: Session | null = null;

/** The counters at one moment: where a profile starts, ends, or may be cut. */
interface Mark { wall: number; cpu: number; fresh: number; freshBytes: number; events: number }

function markNow(rec: Recorder | null): Mark {
  return { wall: performance.now(), cpu: cpuClock(), fresh: allocationStats.fresh, freshBytes: allocationStats.freshBytes, events: rec ? rec.kind.length : 0 };
}

/** A started profile: the hooks installed, the counters at the start. */
class Session {
  readonly recorder: Recorder;
  private readonly begin: Mark;
  private readonly gc: v8.GCProfiler | null;
  private end: Mark | null = null;
  private cut: Mark | null = null;
  private gcPauses: number | null = null;
  private gcMs: number | null = null;

  private constructor(readonly owner: string, readonly opts: Required<ProfileOptions>) {
    this.gc = typeof v8.GCProfiler === 'function' ? new v8.GCProfiler() : null;
    this.gc?.start();
    this.recorder = new Recorder(opts.clock === 'cpu' ? cpuClock : wallClock, opts.recordShapes);
    this.begin = markNow(null);
    profiling.observer = this.recorder;
  }

  /** Starts a profile for `owner`; refuses while another runs. */
  static start(owner: string, opts: Required<ProfileOptions>): Session {
    if (running !== null || profiling.observer !== null) {
      const by = running ? `${running.owner}` : 'another copy of lattice';
      throw new ArgumentError(`${owner}: a profile is already running (started by ${by}); profiles do not nest, because the kernel hooks are process-wide. Profile the outer call only, or end the other first${running?.owner === 'ProfilerCallback' ? ' (a fit() that threw leaves its ProfilerCallback recording: call its stop())' : ''}`);
    }
    const s = new Session(owner, opts);
    running = s;
    return s;
  }

  /** Marks the end of a recorded step: a result cut there (cutAtMark) leaves out what ran after it. */
  markStepEnd(): void {
    this.cut = markNow(this.recorder);
  }

  /** Removes the hooks; the figures stay for result(). */
  stop(): void {
    if (this.end !== null) return;
    this.end = markNow(this.recorder);
    if (profiling.observer === this.recorder) profiling.observer = null;
    if (running === this) running = null;
    this.recorder.closeAll();
    if (this.gc) {
      const stats = this.gc.stop()?.statistics ?? [];
      this.gcPauses = stats.length;
      this.gcMs = stats.reduce((sum, e) => sum + e.cost, 0) / 1000;
    }
  }

  /** Stops and builds the result, up to the last markStepEnd() with cutAtMark. */
  result(steps?: number, cutAtMark = false): ProfileResult {
    this.stop();
    const end = cutAtMark && this.cut ? this.cut : this.end!;
    if (end.events < this.recorder.kind.length) this.recorder.truncate(end.events);
    const wallMs = end.wall - this.begin.wall, cpuMs = end.cpu - this.begin.cpu;
    const clockMs = this.opts.clock === 'wall' ? wallMs : cpuMs;
    const totals: ProfileTotals = {
      clock: this.opts.clock, wallMs, cpuMs,
      kernelMs: this.recorder.kernelMs, kernelCalls: this.recorder.kernelCount, outsideKernelMs: clockMs - this.recorder.kernelMs,
      freshAllocations: end.fresh - this.begin.fresh, freshBytes: end.freshBytes - this.begin.freshBytes,
      gcPauses: this.gcPauses, gcMs: this.gcMs,
      ...(steps === undefined ? {} : { steps }),
    };
    return new ProfileResult(this.recorder, totals, this.opts.recordShapes);
  }
}

function checkOptions(op: string, opts: ProfileOptions | undefined): Required<ProfileOptions> {
  if (opts === undefined) return { recordShapes: false, clock: 'wall' };
  if (opts === null || typeof opts !== 'object') throw new ArgumentError(`${op}: options must be an object, got ${opts === null ? 'null' : typeof opts}`);
  const { recordShapes = false, clock = 'wall' } = opts;
  if (typeof recordShapes !== 'boolean') throw new ArgumentError(`${op}: recordShapes must be true or false, got ${JSON.stringify(recordShapes)}`);
  if (clock !== 'wall' && clock !== 'cpu') throw new ArgumentError(`${op}: clock must be 'wall' or 'cpu', got ${JSON.stringify(clock)}`);
  return { recordShapes, clock };
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';

/**
 * Runs `fn` (sync or async) with every kernel, op and backward node timed, as
 * `torch.profiler.profile`: returns a ProfileResult (a Promise of one for an async fn) whose
 * `table()` says where the time went. Profiles do not nest. While it runs, the hooks see the
 * whole process: an async fn's profile includes whatever else runs between its awaits. CPU
 * kernels only (tensors on 'cuda' are not timed). The hooks cost about two clock reads per kernel
 * and one per op while a profile runs, and one null check each when none does.
 * @example
 * const result = train.profile(() => {
 *   optimizer.zeroGrad();
 *   crossEntropy(model.call(x), y).backward();
 *   optimizer.step();
 * });
 * console.log(result.table({ sortBy: 'selfMs', rowLimit: 10 }));
 */
export function profile(fn: () => Promise<unknown>, opts?: ProfileOptions): Promise<ProfileResult>;
/**
 * Profiles a synchronous `fn` (see the async form above).
 * @example `const result = train.profile(() => model.call(x)); console.log(result.table())`
 */
export function profile(fn: () => unknown, opts?: ProfileOptions): ProfileResult;
export function profile(fn: () => unknown, opts?: ProfileOptions): ProfileResult | Promise<ProfileResult> {
  if (typeof fn !== 'function') throw new ArgumentError(`profile: fn must be a function, got ${fn === null ? 'null' : typeof fn}`);
  const session = Session.start('profile', checkOptions('profile', opts));
  let value: unknown;
  try {
    value = fn();
  } catch (e) {
    session.stop();
    throw e;
  }
  if (!isThenable(value)) return session.result();
  return Promise.resolve(value).then(() => session.result(), (e: unknown) => {
    session.stop();
    throw e;
  });
}

/**
 * Names a stretch of code in the running profile (torch.profiler.record_function): it gets a row
 * (kind 'scope') and a span in the trace, and the kernels inside it that no op claims count to it.
 * Without a running profile it just calls `fn`. `fn` may be async; scopes that interleave across
 * awaits nest as they were opened.
 * @example `train.recordFunction('optimizer.step', () => optimizer.step())`
 */
export function recordFunction<T>(name: string, fn: () => T): T {
  if (typeof name !== 'string' || name === '') throw new ArgumentError(`recordFunction: name must be a non-empty string, got ${JSON.stringify(name)}`);
  if (typeof fn !== 'function') throw new ArgumentError(`recordFunction: fn must be a function, got ${fn === null ? 'null' : typeof fn}`);
  const observer = profiling.observer;
  if (observer === null) return fn();
  const id = observer.enter(name, 'scope');
  let value: T;
  try {
    value = fn();
  } catch (e) {
    observer.exit(id);
    throw e;
  }
  if (!isThenable(value)) {
    observer.exit(id);
    return value;
  }
  return Promise.resolve(value).then((v) => {
    observer.exit(id);
    return v;
  }, (e: unknown) => {
    observer.exit(id);
    throw e;
  }) as T;
}

interface Acc { name: string; kind: number; shapes: string | undefined; calls: number; selfMs: number; totalMs: number }

/**
 * What profile() (or ProfilerCallback) recorded: per-op and per-kernel rows (keyAverages),
 * totals, a printable table, JSON, and the spans as a Chrome trace.
 * @example
 * const result = train.profile(() => model.call(x));
 * console.log(result.table({ by: 'kernel' }), result.totals.kernelMs);
 */
export class ProfileResult {
  /** @internal Built by profile() and ProfilerCallback. */
  constructor(private readonly rec: RecordedEvents, readonly totals: ProfileTotals, private readonly recordedShapes: boolean) {}

  /** The time percentages are of: the wall or the CPU time, by the profile's clock. */
  private get baseMs(): number {
    return this.totals.clock === 'wall' ? this.totals.wallMs : this.totals.cpuMs;
  }

  /**
   * Rows summed by name (and input shapes): `by: 'op'` gives the ops, the backward nodes
   * (`conv2dBackward0`), the scopes and, as `[kernel]`, the kernels no op or frame claimed; `by:
   * 'kernel'` the Backend kernels. Largest self time first.
   * @example `const conv = result.keyAverages().find((r) => r.name === 'conv2d')`
   */
  keyAverages(opts: KeyAveragesOptions = {}): ProfileRow[] {
    const by = opts.by ?? 'op';
    if (by !== 'op' && by !== 'kernel') throw new ArgumentError(`keyAverages: by must be 'op' or 'kernel', got ${JSON.stringify(by)}`);
    const groupByShape = opts.groupByInputShape ?? this.recordedShapes;
    if (typeof groupByShape !== 'boolean') throw new ArgumentError(`keyAverages: groupByInputShape must be true or false, got ${JSON.stringify(groupByShape)}`);
    if (groupByShape && !this.recordedShapes) throw new ArgumentError('keyAverages: groupByInputShape needs a profile taken with recordShapes: true');
    const r = this.rec;
    const n = r.kind.length;
    const rows = new Map<string, Acc>();
    const add = (key: string, name: string, kind: number, shapes: string | undefined, selfMs: number, totalMs: number): void => {
      const row = rows.get(key);
      if (row) {
        row.calls++;
        row.selfMs += selfMs;
        row.totalMs += totalMs;
      } else {
        rows.set(key, { name, kind, shapes, calls: 1, selfMs, totalMs });
      }
    };
    if (by === 'kernel') {
      for (let i = 0; i < n; i++) {
        if (r.kind[i] !== KERNEL) continue;
        const d = r.end[i] - r.start[i];
        add(r.names[r.name[i]], r.names[r.name[i]], KERNEL, undefined, d, d);
      }
    } else {
      // Children follow their parent in the arrays, so a backward walk has each frame's children summed before it.
      const inside = new Float64Array(n);
      for (let i = n - 1; i >= 0; i--) {
        const kind = r.kind[i], d = r.end[i] - r.start[i], p = r.parent[i];
        if (kind === KERNEL) {
          if (r.claimedBy[i] < 0 && p < 0) add(`[${r.names[r.name[i]]}]`, `[${r.names[r.name[i]]}]`, KERNEL, undefined, d, d);
          continue;
        }
        if (p >= 0) inside[p] += d;
        const name = r.names[r.name[i]];
        const shapes = groupByShape && r.shapes[i] >= 0 ? r.names[r.shapes[i]] : undefined;
        add(shapes === undefined ? `${kind}:${name}` : `${kind}:${name}:${shapes}`, name, kind, shapes, Math.max(0, d - inside[i]), d);
      }
    }
    const base = this.baseMs;
    const pct = (ms: number): number => (base > 0 ? (100 * ms) / base : 0);
    return [...rows.values()].map((a) => ({
      name: a.name, kind: KIND_NAMES[a.kind], ...(a.shapes === undefined ? {} : { inputShapes: a.shapes }),
      calls: a.calls, selfMs: a.selfMs, totalMs: a.totalMs, meanMs: a.totalMs / a.calls,
      selfPercent: pct(a.selfMs), totalPercent: pct(a.totalMs),
    })).sort((a, b) => b.selfMs - a.selfMs || a.name.localeCompare(b.name));
  }

  /** The op view: keyAverages({ by: 'op' }). @example `result.ops.map((r) => r.name)` */
  get ops(): ProfileRow[] {
    return this.keyAverages({ by: 'op' });
  }

  /** The kernel view: keyAverages({ by: 'kernel' }). @example `result.kernels[0].name  // 'gemm'` */
  get kernels(): ProfileRow[] {
    return this.keyAverages({ by: 'kernel' });
  }

  /** Every recorded span in the order recorded (a kernel before the op it is counted to). @example `result.spans.length` */
  get spans(): ProfileSpan[] {
    const r = this.rec;
    const spans: ProfileSpan[] = new Array(r.kind.length);
    for (let i = 0; i < r.kind.length; i++) {
      spans[i] = {
        name: r.names[r.name[i]], kind: KIND_NAMES[r.kind[i]], startMs: r.start[i] - r.origin, endMs: r.end[i] - r.origin,
        parent: r.parent[i], op: r.claimedBy[i], ...(r.shapes[i] >= 0 ? { inputShapes: r.names[r.shapes[i]] } : {}),
      };
    }
    return spans;
  }

  /**
   * The rows as a printable table (torch's `key_averages().table()`), with the totals below.
   * @example `console.log(result.table({ sortBy: 'selfMs', rowLimit: 20, by: 'op' }))`
   */
  table(opts: ProfileTableOptions = {}): string {
    if (opts === null || typeof opts !== 'object') throw new ArgumentError(`table: options must be an object, got ${opts === null ? 'null' : typeof opts}`);
    const sortBy = opts.sortBy ?? 'selfMs';
    if (sortBy !== 'selfMs' && sortBy !== 'totalMs' && sortBy !== 'calls') throw new ArgumentError(`table: sortBy must be 'selfMs', 'totalMs' or 'calls', got ${JSON.stringify(sortBy)}`);
    const rowLimit = opts.rowLimit ?? 100;
    if (typeof rowLimit !== 'number' || !(rowLimit === Infinity || (Number.isInteger(rowLimit) && rowLimit >= 1))) {
      throw new ArgumentError(`table: rowLimit must be a positive integer or Infinity, got ${JSON.stringify(rowLimit)}`);
    }
    const by = opts.by ?? 'op';
    if (by !== 'op' && by !== 'kernel') throw new ArgumentError(`table: by must be 'op' or 'kernel', got ${JSON.stringify(by)}`);
    const rows = this.keyAverages({ by, groupByInputShape: opts.groupByInputShape })
      .sort((a, b) => b[sortBy] - a[sortBy] || b.selfMs - a.selfMs || a.name.localeCompare(b.name));
    const shown = rows.slice(0, rowLimit);
    const withShapes = shown.some((r) => r.inputShapes !== undefined);
    const nameWidth = Math.min(48, Math.max(by === 'op' ? 4 : 6, ...shown.map((r) => r.name.length)));
    const fit = (s: string): string => (s.length > nameWidth ? `${s.slice(0, nameWidth - 1)}…` : s.padEnd(nameWidth));
    const ms = (v: number): string => v.toFixed(3);
    const pc = (v: number): string => `${v.toFixed(1)}%`;
    const head = by === 'op'
      ? [fit('Name'), 'Self ms'.padStart(10), 'Self %'.padStart(7), 'Total ms'.padStart(10), 'Total %'.padStart(8), 'Mean ms'.padStart(9), 'Calls'.padStart(7)]
      : [fit('Kernel'), 'Total ms'.padStart(10), 'Total %'.padStart(8), 'Mean ms'.padStart(9), 'Calls'.padStart(7)];
    if (withShapes) head.push('Input shapes');
    const lines = [head.join('  ')];
    const rule = '-'.repeat(Math.max(...lines.map((l) => l.length)));
    lines.unshift(rule);
    lines.push(rule);
    for (const r of shown) {
      const cells = by === 'op'
        ? [fit(r.name), ms(r.selfMs).padStart(10), pc(r.selfPercent).padStart(7), ms(r.totalMs).padStart(10), pc(r.totalPercent).padStart(8), ms(r.meanMs).padStart(9), String(r.calls).padStart(7)]
        : [fit(r.name), ms(r.totalMs).padStart(10), pc(r.totalPercent).padStart(8), ms(r.meanMs).padStart(9), String(r.calls).padStart(7)];
      if (withShapes) cells.push(r.inputShapes ?? '');
      lines.push(cells.join('  ').trimEnd());
    }
    lines.push(rule);
    if (shown.length < rows.length) lines.push(`(${rows.length - shown.length} more rows; rowLimit: ${rowLimit})`);
    lines.push(...this.summary());
    return lines.join('\n');
  }

  /** The totals in two lines, under the table. */
  private summary(): string[] {
    const t = this.totals;
    const base = this.baseMs;
    const steps = t.steps === undefined ? '' : ` over ${t.steps} step${t.steps === 1 ? '' : 's'}`;
    const clock = t.clock === 'wall' ? `wall time ${t.wallMs.toFixed(3)} ms (CPU ${t.cpuMs.toFixed(3)} ms)` : `CPU time ${t.cpuMs.toFixed(3)} ms (wall ${t.wallMs.toFixed(3)} ms)`;
    const gc = t.gcPauses === null ? 'GC not measured' : `GC ${t.gcPauses} pause${t.gcPauses === 1 ? '' : 's'}, ${t.gcMs!.toFixed(3)} ms`;
    return [
      `Profiled ${clock}${steps}; in kernels ${t.kernelMs.toFixed(3)} ms (${base > 0 ? ((100 * t.kernelMs) / base).toFixed(1) : '0.0'}%) in ${t.kernelCalls} calls; outside kernels ${t.outsideKernelMs.toFixed(3)} ms`,
      `Fresh buffers ${t.freshAllocations} (${(t.freshBytes / 1024).toFixed(1)} KiB); ${gc}`,
    ];
  }

  /** Totals and both views as plain data (JSON.stringify calls it). @example `writeFileSync('profile.json', JSON.stringify(result))` */
  toJSON(): { totals: ProfileTotals; ops: ProfileRow[]; kernels: ProfileRow[] } {
    return { totals: { ...this.totals }, ops: this.ops, kernels: this.kernels };
  }

  /**
   * Writes the spans as Chrome trace-event JSON (complete 'X' events, µs; open it in
   * chrome://tracing or ui.perfetto.dev), atomically: a reader sees the old file or the new one.
   * @example `result.exportChromeTrace('runs/step.trace.json')`
   */
  exportChromeTrace(path: string): void {
    if (typeof path !== 'string' || path === '') throw new ArgumentError(`exportChromeTrace: path must be a non-empty string, got ${JSON.stringify(path)}`);
    const r = this.rec;
    const pid = process.pid, tid = threadId;
    const encoder = new TextEncoder();
    const meta = [
      { ph: 'M', name: 'process_name', pid, tid, args: { name: 'lattice' } },
      { ph: 'M', name: 'thread_name', pid, tid, args: { name: threadId === 0 ? 'main' : `worker ${threadId}` } },
    ];
    const cat = ['kernel', 'op', 'backward', 'scope'];
    const totals = this.totals;
    function* parts(): Generator<Uint8Array> {
      yield encoder.encode(`{"displayTimeUnit":"ms","otherData":${JSON.stringify({ clock: totals.clock, totals })},"traceEvents":[${meta.map((m) => JSON.stringify(m)).join(',')}`);
      const chunk: string[] = [];
      for (let i = 0; i < r.kind.length; i++) {
        const args: Record<string, string> = {};
        if (r.kind[i] === KERNEL && r.claimedBy[i] >= 0) args.op = r.names[r.name[r.claimedBy[i]]];
        if (r.shapes[i] >= 0) args['Input shapes'] = r.names[r.shapes[i]];
        const ts = (r.start[i] - r.origin) * 1000, dur = (r.end[i] - r.start[i]) * 1000;
        chunk.push(`,${JSON.stringify({ ph: 'X', cat: cat[r.kind[i]], name: r.names[r.name[i]], pid, tid, ts: Math.round(ts * 1000) / 1000, dur: Math.round(dur * 1000) / 1000, args })}`);
        if (chunk.length === 4096) {
          yield encoder.encode(chunk.join(''));
          chunk.length = 0;
        }
      }
      yield encoder.encode(`${chunk.join('')}]}\n`);
    }
    writeFileAtomic('exportChromeTrace', path, parts());
  }
}

/** Options of ProfilerCallback: torch.profiler.schedule's, and profile()'s. @example `new train.ProfilerCallback({ wait: 1, warmup: 1, active: 3, onTraceReady: (r) => console.log(r.table()) })` */
export interface ProfilerCallbackOptions extends ProfileOptions {
  /** Steps to let pass first, unprofiled (per cycle). Default 0. */
  wait?: number;
  /** Steps run with the hooks on and their figures thrown away (per cycle). Default 0. */
  warmup?: number;
  /** Steps recorded (per cycle); at least 1. */
  active: number;
  /** Cycles of wait + warmup + active; 0 (the default, as torch) repeats until training ends. */
  repeat?: number;
  /** Steps skipped once, before the first cycle. Default 0. */
  skipFirst?: number;
  /** Called with each cycle's result (and at the end of training with a cycle cut short). */
  onTraceReady?: (result: ProfileResult) => void | Promise<void>;
}

/**
 * Profiles fit()'s steps on torch.profiler's schedule: after `skipFirst` steps, cycles of `wait`
 * steps unprofiled, `warmup` steps profiled and thrown away, then `active` steps recorded, each
 * step as a scope `ProfilerStep#<n>` (n counts the steps this callback saw); after each cycle
 * `onTraceReady(result)` runs and `lastResult` holds it. A step runs from the end of the one
 * before (data loading included) to its own end. If fit() throws while a step is recorded, call
 * `stop()` (or run fit again with this callback) to take the hooks off.
 * @example
 * const profiler = new train.ProfilerCallback({ wait: 1, warmup: 1, active: 3, repeat: 1,
 *   onTraceReady: (r) => { console.log(r.table({ rowLimit: 15 })); r.exportChromeTrace('runs/trace.json'); } });
 * await train.fit(model, { optimizer, loss: crossEntropy, trainData, epochs: 1, callbacks: [profiler] });
 */
export class ProfilerCallback implements Callback {
  /** The result of the last finished cycle, or null. */
  lastResult: ProfileResult | null = null;
  private readonly wait: number;
  private readonly warmup: number;
  private readonly active: number;
  private readonly repeat: number;
  private readonly skipFirst: number;
  private readonly onTraceReady: ((result: ProfileResult) => void | Promise<void>) | undefined;
  private readonly profileOptions: Required<ProfileOptions>;
  private seen = 0;
  private session: Session | null = null;
  private recording = false;
  private recorded = 0;
  private stepFrame = -1;

  /** @example `new train.ProfilerCallback({ active: 5 })` */
  constructor(opts: ProfilerCallbackOptions) {
    if (opts === null || typeof opts !== 'object') throw new ArgumentError(`ProfilerCallback: options must be an object with at least active, got ${opts === null ? 'null' : typeof opts}`);
    const count = (key: 'wait' | 'warmup' | 'active' | 'repeat' | 'skipFirst', fallback: number | undefined, min: number): number => {
      const v = opts[key] ?? fallback;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ArgumentError(`ProfilerCallback: ${key} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
      return v;
    };
    this.wait = count('wait', 0, 0);
    this.warmup = count('warmup', 0, 0);
    this.active = count('active', undefined, 1);
    this.repeat = count('repeat', 0, 0);
    this.skipFirst = count('skipFirst', 0, 0);
    if (opts.onTraceReady !== undefined && typeof opts.onTraceReady !== 'function') throw new ArgumentError(`ProfilerCallback: onTraceReady must be a function, got ${typeof opts.onTraceReady}`);
    this.onTraceReady = opts.onTraceReady;
    this.profileOptions = checkOptions('ProfilerCallback', opts);
  }

  /** What step `s` (0-based, among the steps this callback saw) does, and whether it ends its cycle. */
  private action(s: number): 'none' | 'warmup' | 'record' {
    if (s < this.skipFirst) return 'none';
    const k = s - this.skipFirst, cycle = this.wait + this.warmup + this.active;
    if (this.repeat > 0 && Math.floor(k / cycle) >= this.repeat) return 'none';
    const pos = k % cycle;
    return pos < this.wait ? 'none' : pos < this.wait + this.warmup ? 'warmup' : 'record';
  }

  private isCycleEnd(s: number): boolean {
    return this.action(s) === 'record' && (s - this.skipFirst) % (this.wait + this.warmup + this.active) === this.wait + this.warmup + this.active - 1;
  }

  /** Sets the hooks up for the step about to run. */
  private prepare(): void {
    const a = this.action(this.seen);
    if (a === 'none') return;
    if (a === 'warmup') {
      this.session ??= Session.start('ProfilerCallback', this.profileOptions);
      return;
    }
    if (this.session && !this.recording) {
      this.session.stop();  // the warm-up's figures are thrown away
      this.session = null;
    }
    if (!this.session) {
      this.session = Session.start('ProfilerCallback', this.profileOptions);
      this.recording = true;
      this.recorded = 0;
    }
    this.stepFrame = this.session.recorder.enter(`ProfilerStep#${this.seen}`, 'scope');
  }

  private async finishCycle(cutAtMark = false): Promise<void> {
    const session = this.session!;
    this.session = null;
    this.recording = false;
    const result = session.result(this.recorded, cutAtMark);
    this.lastResult = result;
    await this.onTraceReady?.(result);
  }

  /** Starts counting steps (and takes off the hooks a fit() that threw may have left on). @example `profiler.onTrainBegin(ctx)` */
  onTrainBegin(_ctx: TrainContext): void {
    this.stop();
    this.seen = 0;
    this.prepare();
  }

  /** Ends the step's scope; finishes a cycle; sets up the next step. @example `await profiler.onBatchEnd(ctx, logs)` */
  async onBatchEnd(_ctx: TrainContext, _logs: StepLogs): Promise<void> {
    if (this.session && this.recording) {
      this.session.recorder.exit(this.stepFrame);
      this.session.markStepEnd();
      this.recorded++;
      if (this.isCycleEnd(this.seen)) await this.finishCycle();
    }
    this.seen++;
    this.prepare();
  }

  /** Hands over a cycle cut short by the end of training (as torch does); drops a warm-up. @example `await profiler.onTrainEnd(ctx)` */
  async onTrainEnd(_ctx: TrainContext): Promise<void> {
    // The cycle ends at its last recorded step: the step set up after it never ran.
    if (this.session && this.recording && this.recorded > 0) await this.finishCycle(true);
    this.stop();
  }

  /** Takes the hooks off without a result (after a fit() that threw). @example `profiler.stop()` */
  stop(): void {
    this.session?.stop();
    this.session = null;
    this.recording = false;
  }
}
