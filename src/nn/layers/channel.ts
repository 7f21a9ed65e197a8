/** Softmax2d and ChannelShuffle: modules acting across the channel dim. */
import { softmax } from '../../ops/softmax';
import { assertFloatTensor } from '../../ops/util';
import { ShapeError } from '../../errors';
import type { Tensor } from '../../tensor/tensor';
import { channelShuffleNamed } from '../functional-extra';
import { Module, reprArgs } from '../module';
import { positiveInt } from './common';

/**
 * Softmax over the channels at every spatial position: x [N, C, H, W] (or [C, H, W]) → softmax
 * along dim −3, as PyTorch's Softmax2d (which accepts 3-D and 4-D inputs only).
 * @example `new nn.Softmax2d().call(logits)` gives per-pixel class probabilities for [N, classes, H, W]
 */
export class Softmax2d extends Module {
  forward(x: Tensor): Tensor {
    assertFloatTensor('Softmax2d', 'x', x);
    if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`Softmax2d: x must be [N, C, H, W] or [C, H, W] (3-D or 4-D), got ${x.describe()}`);
    return softmax(x, -3);
  }
}

/**
 * Interleaves the channels of x [N, C, *] across `groups` groups (ShuffleNet's channel shuffle);
 * see `nn.functional.channelShuffle`.
 * @example `new nn.ChannelShuffle(2).call(x)` maps channels [0, 1, 2, 3] to [0, 2, 1, 3]
 */
export class ChannelShuffle extends Module {
  readonly groups: number;

  constructor(groups: number) {
    super();
    this.groups = positiveInt('ChannelShuffle', 'groups', groups);
  }

  forward(x: Tensor): Tensor {
    return channelShuffleNamed('ChannelShuffle', x, this.groups);
  }

  protected override extraRepr(): string {
    return reprArgs([['groups', this.groups]]);
  }
}
