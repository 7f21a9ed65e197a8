/**
 * Checkpoints: model, optimizer, scheduler, RNG, data-order and callback state in one
 * safetensors file. Tensors go in the tensor section ('model.<key>', 'optimizer.<path>');
 * everything else (step counts, hyper-parameters, schedule, RNG position) is
 * JSON in the metadata, with tensors replaced by {"__tensor__": name}.
 */
import { getDefaultGenerator } from '../backend/philox';
import { ArgumentError } from '../errors';
import type { AnyModule } from '../nn/module';
import { Tensor } from '../tensor/tensor';
import { dispose } from '../tensor/tidy';
import { deepCopy } from './state-copy';
import { CheckpointError, loadSafetensors, saveSafetensors } from './safetensors';
import type { Callback, OptimizerLike, SchedulerLike, StatefulLike } from './types';

const FORMAT = 'lattice-checkpoint-1';

function flatten(value: unknown, prefix: string, tensors: Record<string, Tensor>): unknown {
  if (value instanceof Tensor) {
    tensors[prefix] = value;
    return { __tensor__: prefix };
  }
  if (Array.isArray(value)) return value.map((v, i) => flatten(v, `${prefix}.${i}`, tensors));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, flatten(v, `${prefix}.${k}`, tensors)]));
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return { __number__: String(value) };
  return value;
}

function unflatten(value: unknown, tensors: Record<string, Tensor>, path: string): unknown {
  if (Array.isArray(value)) return value.map((v) => unflatten(v, tensors, path));
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.__tensor__ === 'string') {
      const t = tensors[o.__tensor__];
      if (!t) throw new CheckpointError(`loadCheckpoint: ${path}: the metadata refers to tensor '${o.__tensor__}', which is missing`);
      return t;
    }
    if (typeof o.__number__ === 'string') return Number(o.__number__);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, unflatten(v, tensors, path)]));
  }
  return value;
}

/** What `saveCheckpoint` stores. @example `saveCheckpoint(path, { model, optimizer, scheduler, extra: { epoch } })` */
export interface CheckpointParts {
  model: AnyModule;
  optimizer?: OptimizerLike;
  scheduler?: SchedulerLike;
  /** Any JSON-serialisable extras (epoch, metrics, ...). */
  extra?: Record<string, unknown>;
  /** Callbacks whose state is kept (those with a stateDict; e.g. WeightAveraging's average, EarlyStopping's best). */
  callbacks?: readonly Callback[];
  /** The training data's shuffle position (a DataLoader). */
  data?: StatefulLike;
}

/**
 * The training data as something whose position a checkpoint keeps (a DataLoader, or any source with
 * stateDict and loadStateDict), or undefined.
 * @example `const data = statefulData(loader)`
 */
export function statefulData(source: unknown): StatefulLike | undefined {
  const s = source as Partial<StatefulLike> | null | undefined;
  return typeof s?.stateDict === 'function' && typeof s.loadStateDict === 'function' ? (s as StatefulLike) : undefined;
}

/** The callbacks that keep state, in order: the ones a checkpoint stores and matches on load. */
const statefulCallbacks = (callbacks: readonly Callback[]): Callback[] => callbacks.filter((cb) => typeof cb?.stateDict === 'function');
const typeName = (o: object): string => o.constructor?.name ?? 'Object';

/** A saved callback state, as loadCheckpoint returns it. @example `const { callbacks } = loadCheckpoint(path)` */
export interface SavedCallbackState {
  /** The callback's class name. */
  type: string;
  state: unknown;
}

/**
 * Puts saved states back into the callbacks that keep state (matched in order and by class name);
 * throws, changing nothing, when they do not match.
 * @example
 * const { callbacks } = loadCheckpoint(path);
 * restoreCallbacks([swa, earlyStopping], callbacks, path);
 */
export function restoreCallbacks(callbacks: readonly Callback[], saved: readonly SavedCallbackState[], where = 'restoreCallbacks'): void {
  dispose(applyCallbackStates(callbacks, saved, where).before);
}

/**
 * Loads the saved states into the callbacks that keep state, all or nothing; returns their states
 * from before (copies) and the function that puts those back.
 */
function applyCallbackStates(callbacks: readonly Callback[], saved: readonly SavedCallbackState[], where: string): { before: unknown[]; undo: () => void } {
  const stateful = statefulCallbacks(callbacks);
  const names = stateful.map(typeName);
  const savedNames = saved.map((s) => s.type);
  if (names.join() !== savedNames.join()) {
    throw new CheckpointError(`${where}: the checkpoint holds state for the callbacks [${savedNames.join(', ')}] but the callbacks that keep state are [${names.join(', ')}]; pass the same callbacks, in the same order, as the run that saved it`);
  }
  const before = stateful.map((cb) => deepCopy(cb.stateDict!()));
  const undoFirst = (n: number): void => {
    for (let i = n - 1; i >= 0; i--) stateful[i].loadStateDict?.(before[i] as never);
  };
  let applied = 0;
  try {
    for (const [i, cb] of stateful.entries()) {
      cb.loadStateDict?.(saved[i].state as never);
      applied = i + 1;
    }
  } catch (e) {
    undoFirst(applied);
    dispose(before);
    throw e;
  }
  return { before, undo: () => undoFirst(stateful.length) };
}

/**
 * Saves model, optimizer, scheduler and RNG state atomically.
 * @example `saveCheckpoint('runs/a/checkpoint.safetensors', { model, optimizer, scheduler, extra: { epoch } })`
 */
export function saveCheckpoint(path: string, parts: CheckpointParts): void {
  if (!parts?.model || typeof parts.model.stateDict !== 'function') throw new ArgumentError('saveCheckpoint: parts.model must be an nn.Module');
  const tensors: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(parts.model.stateDict())) tensors[`model.${k}`] = t;
  const metadata: Record<string, string> = {
    format: FORMAT,
    rng: JSON.stringify(getDefaultGenerator().getState()),
  };
  if (parts.optimizer?.stateDict) metadata.optimizer = JSON.stringify(flatten(parts.optimizer.stateDict(), 'optimizer', tensors));
  if (parts.scheduler?.stateDict) metadata.scheduler = JSON.stringify(flatten(parts.scheduler.stateDict(), 'scheduler', tensors));
  if (parts.extra) metadata.extra = JSON.stringify(parts.extra);
  if (parts.callbacks) {
    const saved = statefulCallbacks(parts.callbacks).map((cb, i) => ({ type: typeName(cb), state: flatten(cb.stateDict!(), `callbacks.${i}`, tensors) }));
    metadata.callbacks = JSON.stringify(saved);
  }
  if (parts.data) metadata.data = JSON.stringify(flatten(parts.data.stateDict(), 'data', tensors));
  saveSafetensors(path, tensors, metadata);
}

/** What `loadCheckpoint` restores into. @example `loadCheckpoint(path, { model, optimizer, restoreRng: false })` */
export interface LoadCheckpointOptions {
  model?: AnyModule;
  optimizer?: OptimizerLike;
  scheduler?: SchedulerLike & {
    /** Restores the schedule's saved state. @example `scheduler.loadStateDict(state)` */
    loadStateDict?(s: never): void;
  };
  /** Restore the global RNG position, so the next steps repeat bitwise (default true). */
  restoreRng?: boolean;
  /** Callbacks to restore (matched to the saved ones in order and by class name). */
  callbacks?: readonly Callback[];
  /** The training data whose shuffle position to restore (a DataLoader). */
  data?: StatefulLike;
  /** Called with the extras before anything is changed; throw to refuse the file. */
  checkExtra?: (extra: Record<string, unknown>) => void;
}

/** What `loadCheckpoint` returns. @example `const { extra, callbacks } = loadCheckpoint(path)` */
export interface LoadedCheckpoint {
  /** The extras given to saveCheckpoint (fit's ModelCheckpoint stores epoch, step and the epoch's logs). */
  extra: Record<string, unknown>;
  /** The model's tensors, keyed as in its stateDict. */
  modelState: Record<string, Tensor>;
  /** The saved callback states (empty when none were saved), for restoreCallbacks. */
  callbacks: SavedCallbackState[];
}

/**
 * Loads a checkpoint into the given objects; returns the extras.
 * A file that is not a Lattice checkpoint, or is truncated, throws and names the file.
 * @example `const { extra } = loadCheckpoint(path, { model, optimizer })`
 */
export function loadCheckpoint(path: string, into: LoadCheckpointOptions = {}): LoadedCheckpoint {
  const { tensors, metadata } = loadSafetensors(path);
  if (metadata.format !== FORMAT) throw new CheckpointError(`loadCheckpoint: ${path} is not a Lattice checkpoint (format '${metadata.format ?? 'none'}'); use loadSafetensors for plain tensor files`);
  const modelState: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(tensors)) if (k.startsWith('model.')) modelState[k.slice(6)] = t;
  const parse = (key: string): unknown => {
    try {
      return JSON.parse(metadata[key]);
    } catch (e) {
      throw new CheckpointError(`loadCheckpoint: ${path}: metadata '${key}' is not valid JSON (${(e as Error).message})`);
    }
  };
  // Check everything that can be checked here before changing anything...
  const optimizerState = into.optimizer && metadata.optimizer ? unflatten(parse('optimizer'), tensors, path) : undefined;
  const schedulerState = into.scheduler && metadata.scheduler ? unflatten(parse('scheduler'), tensors, path) : undefined;
  if (into.optimizer && !metadata.optimizer) throw new CheckpointError(`loadCheckpoint: ${path} holds no optimizer state`);
  const rngState = (into.restoreRng ?? true) && metadata.rng ? parse('rng') : undefined;
  const extra = metadata.extra ? (parse('extra') as Record<string, unknown>) : {};
  const callbackStates = metadata.callbacks ? (unflatten(parse('callbacks'), tensors, path) as SavedCallbackState[]) : [];
  if (!Array.isArray(callbackStates) || callbackStates.some((c) => !c || typeof c.type !== 'string')) {
    throw new CheckpointError(`loadCheckpoint: ${path}: metadata 'callbacks' is not a list of { type, state }`);
  }
  if (into.data && !metadata.data) throw new CheckpointError(`loadCheckpoint: ${path} holds no data-order state (save it with saveCheckpoint's data, as fit's ModelCheckpoint does)`);
  const dataState = into.data ? unflatten(parse('data'), tensors, path) : undefined;
  into.checkExtra?.(extra);
  // ...then apply the parts as one transaction: the model, optimizer, scheduler and RNG each check
  // their own part while loading it, so a part refused after others were written (Adam state into
  // SGD, a scheduler of another kind, a bad RNG state) puts every written part back before rethrowing.
  const undo: (() => void)[] = [];
  const snapshots: unknown[] = [];
  try {
    if (into.model) {
      const model = into.model;
      const saved = deepCopy(model.stateDict()) as Record<string, Tensor>;
      snapshots.push(saved);
      undo.push(() => model.loadStateDict(saved));
      model.loadStateDict(modelState);
    }
    if (optimizerState !== undefined) {
      const optimizer = into.optimizer!;
      const saved = optimizer.stateDict!();  // a copy; loadStateDict copies it again
      snapshots.push(saved);
      undo.push(() => optimizer.loadStateDict!(saved as never));
      optimizer.loadStateDict!(optimizerState as never);
    }
    if (schedulerState !== undefined && into.scheduler?.loadStateDict) {
      const scheduler = into.scheduler;
      const saved = deepCopy(scheduler.stateDict!());
      undo.push(() => scheduler.loadStateDict!(saved as never));
      scheduler.loadStateDict!(schedulerState as never);
    }
    if (into.callbacks) {
      const applied = applyCallbackStates(into.callbacks, callbackStates, 'loadCheckpoint');
      snapshots.push(applied.before);
      undo.push(applied.undo);
    }
    if (dataState !== undefined) {
      const data = into.data!;
      const saved = deepCopy(data.stateDict());
      undo.push(() => data.loadStateDict(saved as never));
      data.loadStateDict(dataState as never);
    }
    if (rngState !== undefined) {
      const generator = getDefaultGenerator();
      const saved = generator.getState();
      undo.push(() => generator.setState(saved));
      generator.setState(rngState as never);
    }
  } catch (e) {
    for (const restore of undo.reverse()) restore();
    const why = e instanceof Error ? e.message : String(e);
    throw new CheckpointError(`loadCheckpoint: ${path}: ${why}; nothing was changed (model, optimizer, scheduler and RNG are as before the call)`);
  } finally {
    dispose(snapshots);
  }
  return { extra, modelState, callbacks: callbackStates };
}
