/**
 * train: the fit loop, evaluation, callbacks, checkpoints, reports, and the
 * stability toolkit (diagnose, lrFinder, GradientMonitor).
 * @example
 * import { train } from 'lattice-ml';
 * const history = await train.fit(model, { optimizer, loss, trainData, epochs: 3, callbacks: [new train.ProgressBar()] });
 */
export { fit, NonFiniteError, type FitOptions } from './fit';
export { evaluate, predict, type EvaluateResult } from './evaluate';
export type { Batch, BatchSource, Callback, EpochLogs, History, OptimizerLike, SchedulerLike, StatefulLike, StepLogs, TrainContext } from './types';
export { ProgressBar, type ProgressBarOptions } from './callbacks/progress';
export { EarlyStopping, type EarlyStoppingOptions, type EarlyStoppingState } from './callbacks/early-stopping';
export { ModelCheckpoint, type ModelCheckpointOptions } from './callbacks/model-checkpoint';
export { MetricsLogger } from './callbacks/metrics-logger';
export { LRSchedulerCallback } from './callbacks/lr-scheduler';
export { GradualUnfreezing, type GradualUnfreezingOptions } from './callbacks/gradual-unfreezing';
export { GradientMonitor, type GradientMonitorOptions, type MonitorRecord, type LayerSample, type ActivationSample } from './callbacks/gradient-monitor';
export { CtcBlankMonitor, type CtcBlankMonitorOptions, type CtcBlankRecord } from './callbacks/ctc-blank-monitor';
export { WeightAveraging, type WeightAveragingOptions, type WeightAveragingState } from './callbacks/weight-averaging';
export { saveCheckpoint, loadCheckpoint, restoreCallbacks, type CheckpointParts, type LoadCheckpointOptions, type LoadedCheckpoint, type SavedCallbackState } from './checkpoint';
export { saveSafetensors, loadSafetensors, loadSafetensorsMetadata, CheckpointError } from './safetensors';
export { writeReport, renderSvg, type ReportInput } from './report';
export { diagnose, type Diagnosis, type LayerDiagnosis, type DiagnoseOptions } from './diagnose';
export { lrFinder, type LrFinderOptions, type LrFinderResult } from './lr-finder';
export { DriftMonitor, type DriftMonitorOptions, type DriftEvent, type DriftPolicy, type ShiftTestOptions } from './drift-monitor';
export { profile, recordFunction, ProfileResult, ProfilerCallback, type ProfileOptions, type ProfileClock, type ProfileRow, type ProfileRowKind, type ProfileTotals, type ProfileSpan, type KeyAveragesOptions, type ProfileTableOptions, type ProfilerCallbackOptions } from './profiler';
