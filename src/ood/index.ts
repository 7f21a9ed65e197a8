/**
 * ood: out-of-distribution evaluation of classifiers. Scores (maximum softmax
 * probability, energy, ODIN, Mahalanobis on features; higher = more
 * in-distribution), detection metrics (AUROC, AUPR-In/Out, FPR at 95% TPR)
 * and calibration (expected calibration error with reliability-diagram bins).
 * The splits that build OOD sets are in `data` (holdOutClasses, groupSplit, randomSplit).
 * @example
 * import { ood } from 'lattice-ml';
 * const { auroc, fpr95 } = ood.detectionMetrics(ood.energyScore(idLogits), ood.energyScore(oodLogits));
 */
export { mspScore, energyScore, odinScore, type OdinOptions } from './scores';
export { MahalanobisDetector } from './mahalanobis';
export {
  auroc, aupr, fprAtTpr, detectionMetrics, expectedCalibrationError,
  type Scores, type OodReport, type ReliabilityBin, type CalibrationReport,
} from './metrics';
