/**
 * The autograd tape as ops record it. A node is created by an op whose inputs
 * require grad; its `backward` maps the output's gradient to one gradient per
 * input, written with ops so that it can itself be differentiated.
 * The engine that walks nodes lives in src/autograd.
 */
import type { Tensor } from './tensor';

/**
 * Maps the output's gradient to one gradient per input. `needs` (when given) says which
 * inputs' gradients the running backward will use: grad(u, [x]) needs none for a weight
 * that does not lead to x, so a backward may skip that work (PyTorch's needs_input_grad).
 * Without it, every input that requires grad is needed.
 */
export type BackwardFn = (gradOutput: Tensor, needs?: readonly boolean[]) => (Tensor | null)[];

const NO_VERSIONS: readonly number[] = Object.freeze([]);

export class GradNode {
  /** Versions of the saved tensors at record time (in-place safety). */
  readonly savedVersions: readonly number[];
  released = false;
  /** Where the op was called, recorded only under detectAnomaly. */
  stack: string | undefined = undefined;
  /** Hooks registered on the output tensor (non-leaf), applied to its gradient. */
  hooks: ((grad: Tensor) => Tensor | void)[] | undefined = undefined;
  /** The output tensor, set only when it called retainGrad(). */
  retainTarget: Tensor | undefined = undefined;
  /** Input shapes as text, kept for messages after the inputs are let go. */
  private inputText: string | undefined = undefined;
  constructor(
    readonly name: string,
    /** The inputs that require grad (null for the others); release() keeps only the leaves. */
    public inputs: (Tensor | null)[],
    /** The node that made each input (null for leaves and inputs without grad): the graph's edges. */
    readonly next: (GradNode | null)[],
    public backwardFn: BackwardFn | null,
    public saved: Tensor[],
    readonly seq: number,
  ) {
    // The saved tensors are not counted again here: they are live tensors in
    // memory() until disposed or collected, and a disposed one cannot serve
    // backward anyway (the engine reports that), so a node holding a count of
    // its own would only leak it for graphs that never see a backward.
    const n = saved.length;
    if (n === 0) {
      this.savedVersions = NO_VERSIONS;
    } else {
      const versions: number[] = [];
      for (let i = 0; i < n; i++) versions.push(saved[i].storage.version);
      this.savedVersions = versions;
    }
  }

  /** `float32[2,3], -` : the inputs' dtypes and shapes for messages (`-` where no gradient flows). */
  describeInputs(): string {
    if (this.inputText === undefined) this.inputText = this.inputs.map((t) => (t ? t.describe() : '-')).join(', ');
    return this.inputText;
  }

  /**
   * Frees the saved tensors and the backward closure; a second backward
   * through this node then throws. Intermediate inputs are dropped too, so a
   * kept output no longer pins every tensor of the graph in memory; the edges
   * (`next`) and the leaves stay, so grad() can still tell which inputs a
   * freed graph leads to.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.backwardFn = null;
    this.saved = [];
    this.inputs = this.inputs.map((t) => (t && t.gradFn === null ? t : null));
  }
}

const mode = { enabled: true, anomaly: false, seq: 0 };

/** Whether ops record the graph now (false inside `noGrad`). @example `noGrad(() => isGradEnabled()) // false` */
export function isGradEnabled(): boolean {
  return mode.enabled;
}

export function setGradEnabled(on: boolean): boolean {
  const prev = mode.enabled;
  mode.enabled = on;
  return prev;
}

/**
 * Runs fn with recording off, then restores the mode: noGrad's body, and what an op uses for the raw
 * half of a computation that records its own node.
 */
export function withGradDisabled<T>(fn: () => T): T {
  const prev = setGradEnabled(false);
  try {
    return fn();
  } finally {
    setGradEnabled(prev);
  }
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
