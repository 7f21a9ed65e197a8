/**
 * Checkpoints: model, optimizer, scheduler and RNG state in one safetensors
 * file. Tensors go in the tensor section ('model.<key>', 'optimizer.<path>');
 * everything else (step counts, hyper-parameters, schedule, RNG position) is
 * JSON in the metadata, with tensors replaced by {"__tensor__": name}.
 */
import { getDefaultGenerator } from '../backend/philox';
import { ArgumentError } from '../errors';
import type { AnyModule } from '../nn/module';
import { Tensor } from '../tensor/tensor';
import { CheckpointError, loadSafetensors, saveSafetensors } from './safetensors';
import type { OptimizerLike, SchedulerLike } from './types';

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

export interface CheckpointParts {
  model: AnyModule;
  optimizer?: OptimizerLike;
  scheduler?: SchedulerLike;
  /** Any JSON-serialisable extras (epoch, metrics, ...). */
  extra?: Record<string, unknown>;
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
  saveSafetensors(path, tensors, metadata);
}

export interface LoadCheckpointOptions {
  model?: AnyModule;
  optimizer?: OptimizerLike;
  scheduler?: SchedulerLike & { loadStateDict?(s: never): void };
  /** Restore the global RNG position, so the next steps repeat bitwise (default true). */
  restoreRng?: boolean;
}

/**
 * Loads a checkpoint into the given objects; returns the extras.
 * A file that is not a Lattice checkpoint, or is truncated, throws and names the file.
 * @example `const { extra } = loadCheckpoint(path, { model, optimizer })`
 */
export function loadCheckpoint(path: string, into: LoadCheckpointOptions = {}): { extra: Record<string, unknown>; modelState: Record<string, Tensor> } {
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
  // Check everything before changing anything, so a bad file leaves the objects as they were.
  const optimizerState = into.optimizer && metadata.optimizer ? unflatten(parse('optimizer'), tensors, path) : undefined;
  const schedulerState = into.scheduler && metadata.scheduler ? unflatten(parse('scheduler'), tensors, path) : undefined;
  if (into.optimizer && !metadata.optimizer) throw new CheckpointError(`loadCheckpoint: ${path} holds no optimizer state`);
  if (into.model) into.model.loadStateDict(modelState);
  if (optimizerState !== undefined) into.optimizer!.loadStateDict!(optimizerState as never);
  if (schedulerState !== undefined) into.scheduler!.loadStateDict?.(schedulerState as never);
  if ((into.restoreRng ?? true) && metadata.rng) getDefaultGenerator().setState(parse('rng') as never);
  return { extra: metadata.extra ? (parse('extra') as Record<string, unknown>) : {}, modelState };
}
