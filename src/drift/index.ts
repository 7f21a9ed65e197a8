/**
 * The `drift` namespace: streaming concept-drift detectors (Page-Hinkley,
 * ADWIN, DDM, EDDM, HDDM_A, HDDM_W, KSWIN) with river's algorithms and
 * defaults, and two-sample shift tests for inputs and embeddings (KS per
 * feature with Bonferroni, MMD with a permutation test). `train.DriftMonitor`
 * puts them on a model in use.
 * @example
 * import { drift } from 'lattice-ml';
 * const adwin = new drift.ADWIN();
 * for (const [i, e] of errors.entries()) if (adwin.update(e).drift) console.log('drift at', i);
 */
export { type DriftDetector, type DriftSignal, type DetectorState, DetectorBase } from './detector';
export { PageHinkley, type PageHinkleyOptions } from './page-hinkley';
export { ADWIN, type ADWINOptions } from './adwin';
export { DDM, type DDMOptions } from './ddm';
export { EDDM, type EDDMOptions } from './eddm';
export { HDDM_A, type HDDMAOptions } from './hddm-a';
export { HDDM_W, type HDDMWOptions } from './hddm-w';
export { KSWIN, type KSWINOptions } from './kswin';
export { ks2Samp, type KsResult } from './ks';
export {
  ksPerFeature, mmdPermutationTest, type SampleMatrix, type KsPerFeatureOptions, type KsPerFeatureResult,
  type MmdOptions, type MmdResult, type ShiftTestResult,
} from './two-sample';
export { createDetector, DETECTOR_NAMES, type DetectorName } from './registry';
