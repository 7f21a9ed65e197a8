/**
 * pad (PyTorch's F.pad): constant, reflect, replicate and circular padding of
 * the trailing dims. Written with indexSelect and cat, so the gradient (an
 * indexAdd that folds the padded border back onto the rows it copied) and
 * second derivatives come from those ops, on every backend.
 */
import { ArgumentError, ShapeError, fmtValue } from '../errors';
import { Tensor } from '../tensor/tensor';
import { full, randn } from './creation';
import { indexSelect } from './indexing';
import { registerOp, type SampleDType } from './registry';
import { cat, clone } from './shape';
import { assertTensor } from './util';

/** How pad fills the border. 'reflect' mirrors without repeating the edge; 'replicate' repeats it; 'circular' wraps around. */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/** Options of `pad`. @example `pad(x, [1, 1, 2, 2], { mode: 'reflect' })` */
export interface PadOptions {
  /** Default 'constant'. */
  mode?: PadMode;
  /** The fill of 'constant' (default 0). */
  value?: number;
}

const MODES: readonly PadMode[] = ['constant', 'reflect', 'replicate', 'circular'];

/** The source index of output position j (j in [-left, n + right)) along a dim of size n. */
function sourceIndex(mode: Exclude<PadMode, 'constant'>, j: number, n: number): number {
  if (mode === 'replicate') return Math.min(Math.max(j, 0), n - 1);
  if (mode === 'circular') return ((j % n) + n) % n;
  return j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j;
}

/**
 * Pads the last dims of x: `pads` holds (before, after) pairs starting from the last dim,
 * as PyTorch's F.pad: [left, right] pads the last dim, [left, right, top, bottom] the last two.
 * 'reflect' needs each pad < the dim's size, 'circular' <= it; the non-constant modes pad at
 * most the last 3 dims. Differentiable (and twice) in every mode.
 * @example
 * const y = pad(x, [1, 1, 1, 1], { mode: 'reflect' }); // [N, C, H, W] -> [N, C, H + 2, W + 2]
 */
export function pad(x: Tensor, pads: number[], opts?: PadOptions): Tensor {
  assertTensor('pad', 'x', x);
  const mode = opts?.mode ?? 'constant';
  if (!MODES.includes(mode)) throw new ArgumentError(`pad: mode must be one of ${MODES.map((m) => `'${m}'`).join(', ')}, got ${fmtValue(mode)}`);
  if (!Array.isArray(pads) || pads.length % 2 !== 0 || pads.some((p) => !Number.isInteger(p) || p < 0)) {
    throw new ArgumentError(`pad: pads must be an even-length list of integers >= 0 ([left, right, top, bottom, ...]), got ${fmtValue(pads)}`);
  }
  const dims = pads.length / 2;
  if (dims > x.ndim) throw new ShapeError(`pad: ${pads.length} pad values pad ${dims} dims but x is ${x.describe()}`);
  if (mode !== 'constant' && dims > 3) throw new ArgumentError(`pad: mode '${mode}' pads at most the last 3 dims, got ${pads.length} pad values`);
  const value = opts?.value ?? 0;
  if (typeof value !== 'number') throw new ArgumentError(`pad: value must be a number, got ${fmtValue(value)}`);
  if (mode !== 'constant' && opts?.value !== undefined && opts.value !== 0) throw new ArgumentError(`pad: value applies to mode 'constant' only, got value ${value} with mode '${mode}'`);
  let out = x;
  for (let k = 0; k < dims; k++) {
    const dim = x.ndim - 1 - k;
    const [before, after] = [pads[2 * k], pads[2 * k + 1]];
    if (before === 0 && after === 0) continue;
    const n = x.shape[dim];
    if (mode === 'constant') {
      const side = (len: number): Tensor => {
        const shape = out.shape.slice();
        shape[dim] = len;
        return full(shape, value, { dtype: out.dtype });
      };
      out = cat([...(before ? [side(before)] : []), out, ...(after ? [side(after)] : [])], dim);
      continue;
    }
    const limit = mode === 'reflect' ? n - 1 : mode === 'circular' ? n : Infinity;
    if (n === 0 || before > limit || after > limit) {
      throw new ShapeError(`pad: mode '${mode}' pads dim ${dim} of size ${n} by (${before}, ${after}); each pad must be ${mode === 'reflect' ? '< the size' : mode === 'circular' ? '<= the size' : 'of a non-empty dim'} (x is ${x.describe()})`);
    }
    const index = new Int32Array(before + n + after);
    for (let j = -before; j < n + after; j++) index[j + before] = sourceIndex(mode, j, n);
    out = indexSelect(out, dim, Tensor.fromData(index, [index.length], 'int32'));
  }
  return out === x ? clone(x) : out;
}

const f = (shape: number[], dt: SampleDType): Tensor => randn(shape, { dtype: dt });

for (const mode of ['reflect', 'replicate', 'circular'] as const) {
  registerOp({
    name: `pad(${mode})`, kernels: ['indexSelect', 'indexAdd'], differentiable: true,
    run: (x) => pad(x, [2, 1, 1, 2], { mode }),
    samples: [{ label: `${mode} [1,2,3,4] by (2,1,1,2)`, inputs: (dt) => [f([1, 2, 3, 4], dt)] }],
  });
}
registerOp({
  name: 'pad(constant)', kernels: ['copyStrided'], differentiable: true,
  run: (x) => pad(x, [1, 0, 2, 1], { value: 0.5 }),
  samples: [{ label: 'constant 0.5 [2,3,4] by (1,0,2,1)', inputs: (dt) => [f([2, 3, 4], dt)] }],
});
