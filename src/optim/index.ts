/**
 * Optimizers, learning-rate schedules and gradient clipping.
 * @example
 * import { optim } from 'lattice-ml';
 * const opt = new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
 * const sched = new optim.CosineAnnealingLR(opt, { tMax: 100 });
 * loss.backward(); optim.clipGradNorm(model.parameters(), 1.0); opt.step(); opt.zeroGrad(); sched.step();
 */
export {
  Optimizer, type BaseOptions, type ParamGroup, type ParamGroupInput, type Params, type StateValue, type ParamState,
  type OptimizerStateDict, type Closure,
} from './optimizer';
export { SGD, type SGDOptions } from './sgd';
export { Adam, type AdamOptions } from './adam';
export { AdamW, type AdamWOptions } from './adamw';
export { RMSprop, type RMSpropOptions } from './rmsprop';
export { Adagrad, type AdagradOptions } from './adagrad';
export { LBFGS, type LBFGSOptions } from './lbfgs';
export { clipGradNorm, clipGradValue, type ClipGradNormOptions } from './clip';
export {
  LRScheduler, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, CosineAnnealingWarmRestarts, LinearLR, OneCycleLR,
  SequentialLR, ReduceLROnPlateau, type OneCycleLROptions, type ReduceLROnPlateauOptions, type SchedulerStateDict,
} from './lr_scheduler';
export { ConstantLR, PolynomialLR } from './lr_scheduler_factor';
export { RAdam, type RAdamOptions } from './radam';
export { NAdam, type NAdamOptions } from './nadam';
export { Adamax, type AdamaxOptions } from './adamax';
export { Adadelta, type AdadeltaOptions } from './adadelta';
export {
  AveragedModel, SWALR, updateBn, getEmaMultiAvgFn, getSwaMultiAvgFn, getEmaAvgFn, getSwaAvgFn,
  type AveragedModelOptions, type AvgFn, type MultiAvgFn, type SWALROptions, type UpdateBnBatch,
} from './swa';
export { LambdaLR, MultiplicativeLR, type LambdaLROptions, type LrLambda } from './lr_scheduler_lambda';
export { CyclicLR, type CyclicLROptions } from './lr_scheduler_cyclic';
export { ChainedScheduler } from './lr_scheduler_chained';
export { ASGD, type ASGDOptions } from './asgd';
export { Rprop, type RpropOptions } from './rprop';
export { Adafactor, type AdafactorOptions } from './adafactor';
