/** The shared part of the location-scale families on the real line (Normal, Laplace, Gumbel). */
import type { Tensor } from '../tensor/tensor';
import { constraints } from './constraints';
import { Distribution, type DistributionOptions, expandParam } from './distribution';
import { broadcastParams, type FloatDType, type Param } from './utils';

/**
 * A distribution of loc + scale · Z on the reals: loc and scale broadcast to batchShape, scale > 0,
 * reparameterised sampling; the mode is loc. Subclasses give the density, moments and sampling.
 * @example
 * class MyFamily extends LocScaleDistribution { ... }
 * new Normal(tensor([0, 1]), 2).scale; // [2, 2]
 */
export abstract class LocScaleDistribution extends Distribution {
  /** The location, broadcast to batchShape. */
  readonly loc: Tensor;
  /** The scale (> 0), broadcast to batchShape. */
  readonly scale: Tensor;

  protected constructor(name: string, loc: Param, scale: Param, opts?: DistributionOptions) {
    const p = broadcastParams(name, [['loc', loc], ['scale', scale]]);
    super(p.shape, [], opts);
    [this.loc, this.scale] = p.tensors;
    this.checkArgs({ loc: this.loc, scale: this.scale });
  }

  get argConstraints(): { loc: typeof constraints.real; scale: typeof constraints.positive } {
    return { loc: constraints.real, scale: constraints.positive };
  }
  get support(): typeof constraints.real { return constraints.real; }
  override get hasRsample(): boolean { return true; }
  protected override get dtype(): FloatDType { return this.loc.dtype as FloatDType; }
  protected override get device(): Tensor['device'] { return this.loc.device; }
  override get mode(): Tensor { return this.loc; }

  /** The same family with batchShape, loc and scale expanded. @example `new Normal(0, 1).expand([3])` */
  override expand(batchShape: number[]): this {
    const d = this.expandedInstance('expand', batchShape);
    return Object.assign(d, { loc: expandParam(this.loc, batchShape), scale: expandParam(this.scale, batchShape) });
  }
}
