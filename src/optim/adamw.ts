/**
 * AdamW (torch.optim.AdamW): Adam with decoupled weight decay. Each step first
 * shrinks the parameter, p = p * (1 - lr * weightDecay), then takes Adam's step
 * with the plain gradient (see adam.ts). Default weightDecay 0.01.
 */
import { AdamFamily, adamDefaults, type AdamOptions } from './adam';
import type { Params } from './optimizer';

/** AdamW's options: Adam's, with weightDecay 0.01 by default. @example `new optim.AdamW(params, { weightDecay: 0.05 })` */
export type AdamWOptions = AdamOptions;

/** AdamW (torch.optim.AdamW): Adam with decoupled weight decay. @example `const opt = new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 })` */
export class AdamW extends AdamFamily {
  protected readonly decoupled = true;

  /**
   * @example `const opt = new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 })`
   */
  constructor(params: Params<AdamWOptions>, options: Partial<AdamWOptions> = {}) {
    super('AdamW', params, adamDefaults(options, 0.01));
  }
}
