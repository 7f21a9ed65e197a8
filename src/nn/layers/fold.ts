/**
 * Unfold and Fold: the modules of `nn.functional.unfold` / `fold` (im2col / col2im), as PyTorch's
 * nn.Unfold and nn.Fold. Options are checked when the module is built; errors name the module.
 */
import type { Tensor } from '../../tensor/tensor';
import { foldNamed, geometryArgs, outputSizeArg, unfoldNamed, type FoldOptions, type Geometry, type Pair2d } from '../fold';
import { Module, reprArgs } from '../module';

/** The value as given: a pair stays a pair, a number a number (as PyTorch's repr). */
const asGiven = (v: Pair2d | undefined, fallback: number): Pair2d => (v === undefined ? fallback : Array.isArray(v) ? [v[0], v[1]] : v);

/**
 * Extracts sliding local blocks: [N, C, H, W] (or [C, H, W]) to [N, C·kh·kw, L] (or [C·kh·kw, L]);
 * see `nn.functional.unfold`. No parameters.
 * @example
 * const unfold = new nn.Unfold(3, { padding: 1, stride: 2 });
 * unfold.call(x); // [2, 4, 8, 8] -> [2, 36, 16]
 */
export class Unfold extends Module {
  readonly kernelSize: Pair2d;
  readonly dilation: Pair2d;
  readonly padding: Pair2d;
  readonly stride: Pair2d;
  private readonly geometry: Geometry;

  constructor(kernelSize: Pair2d, opts?: FoldOptions) {
    super();
    this.geometry = geometryArgs('Unfold', kernelSize, opts);
    this.kernelSize = asGiven(kernelSize, 1);
    this.dilation = asGiven(opts?.dilation, 1);
    this.padding = asGiven(opts?.padding, 0);
    this.stride = asGiven(opts?.stride, 1);
  }
  forward(x: Tensor): Tensor {
    return unfoldNamed('Unfold', x, this.geometry);
  }
  protected override extraRepr(): string {
    return reprArgs([['kernelSize', this.kernelSize], ['dilation', this.dilation], ['padding', this.padding], ['stride', this.stride]]);
  }
}

/**
 * Combines sliding local blocks into an image, summing overlaps: [N, C·kh·kw, L] (or [C·kh·kw, L])
 * to [N, C, H, W] (or [C, H, W]) with [H, W] = outputSize; see `nn.functional.fold`. No parameters.
 * @example
 * const fold = new nn.Fold([4, 5], 2);
 * fold.call(new nn.Unfold(2).call(x)); // [N, C, 4, 5] -> [N, C·4, 12] -> [N, C, 4, 5], x times its block count
 */
export class Fold extends Module {
  readonly outputSize: Pair2d;
  readonly kernelSize: Pair2d;
  readonly dilation: Pair2d;
  readonly padding: Pair2d;
  readonly stride: Pair2d;
  private readonly size: [number, number];
  private readonly geometry: Geometry;

  constructor(outputSize: Pair2d, kernelSize: Pair2d, opts?: FoldOptions) {
    super();
    this.size = outputSizeArg('Fold', outputSize);
    this.geometry = geometryArgs('Fold', kernelSize, opts);
    this.outputSize = asGiven(outputSize, 1);
    this.kernelSize = asGiven(kernelSize, 1);
    this.dilation = asGiven(opts?.dilation, 1);
    this.padding = asGiven(opts?.padding, 0);
    this.stride = asGiven(opts?.stride, 1);
  }
  forward(cols: Tensor): Tensor {
    return foldNamed('Fold', cols, this.size, this.geometry);
  }
  protected override extraRepr(): string {
    return reprArgs([['outputSize', this.outputSize], ['kernelSize', this.kernelSize], ['dilation', this.dilation], ['padding', this.padding], ['stride', this.stride]]);
  }
}
