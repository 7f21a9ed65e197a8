/**
 * The autograd tape as ops record it. A node is created by an op whose inputs
 * require grad; its `backward` maps the output's gradient to one gradient per
 * input, written with ops so that it can itself be differentiated.
 * The engine that walks nodes lives in src/autograd.
 */
import type { Tensor } from './tensor';
import { releaseStorage, retainStorage } from './storage';

export type BackwardFn = (gradOutput: Tensor) => (Tensor | null)[];

export class GradNode {
  /** Versions of the saved tensors at record time (in-place safety). */
  readonly savedVersions: number[];
  released = false;
  /** Where the op was called, recorded only under detectAnomaly. */
  stack: string | undefined;
  /** Hooks registered on the output tensor (non-leaf), applied to its gradient. */
  hooks: ((grad: Tensor) => Tensor | void)[] | undefined;
  /** The output tensor, set only when it called retainGrad(). */
  retainTarget: Tensor | undefined;
  constructor(
    readonly name: string,
    readonly inputs: (Tensor | null)[],
    public backwardFn: BackwardFn | null,
    readonly saved: Tensor[],
    readonly seq: number,
  ) {
    this.savedVersions = saved.map((t) => t.storage.version);
    for (const t of saved) retainStorage(t.storage);
  }

  /** Frees the saved tensors; a second backward through this node then throws. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.backwardFn = null;
    for (const t of this.saved) releaseStorage(t.storage);
  }
}

const mode = { enabled: true, anomaly: false, seq: 0 };

export function isGradEnabled(): boolean {
  return mode.enabled;
}

export function setGradEnabled(on: boolean): boolean {
  const prev = mode.enabled;
  mode.enabled = on;
  return prev;
}

export function isAnomalyEnabled(): boolean {
  return mode.anomaly;
}

export function setAnomalyEnabled(on: boolean): boolean {
  const prev = mode.anomaly;
  mode.anomaly = on;
  return prev;
}

export function nextSeq(): number {
  return ++mode.seq;
}
