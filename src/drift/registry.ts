/** Detectors by name, for configuration files, the DriftMonitor and benchmarks. */
import { ArgumentError, fmtArg } from '../errors';
import { ADWIN } from './adwin';
import { DDM } from './ddm';
import type { DriftDetector } from './detector';
import { EDDM } from './eddm';
import { HDDM_A } from './hddm-a';
import { HDDM_W } from './hddm-w';
import { KSWIN } from './kswin';
import { PageHinkley } from './page-hinkley';

const FACTORIES = {
  PageHinkley: (o: object) => new PageHinkley(o),
  ADWIN: (o: object) => new ADWIN(o),
  DDM: (o: object) => new DDM(o),
  EDDM: (o: object) => new EDDM(o),
  HDDM_A: (o: object) => new HDDM_A(o),
  HDDM_W: (o: object) => new HDDM_W(o),
  KSWIN: (o: object) => new KSWIN(o),
} as const;

/** The class name of a drift detector ('PageHinkley', 'ADWIN', 'DDM', 'EDDM', 'HDDM_A', 'HDDM_W' or 'KSWIN'), as `createDetector` takes it. @example `const name: drift.DetectorName = 'ADWIN'` */
export type DetectorName = keyof typeof FACTORIES;

/** Every detector's name, in a fixed order. @example `for (const n of drift.DETECTOR_NAMES) console.log(n, drift.createDetector(n).stateDict().options)` */
export const DETECTOR_NAMES = Object.keys(FACTORIES) as DetectorName[];

/**
 * A detector by class name, with options (river's defaults for the rest).
 * @example `const d = drift.createDetector('HDDM_A', { driftConfidence: 1e-4 })`
 */
export function createDetector(name: DetectorName, options: object = {}): DriftDetector {
  const make = FACTORIES[name];
  if (!make) throw new ArgumentError(`createDetector: unknown detector '${fmtArg(name)}'; expected one of ${DETECTOR_NAMES.join(', ')}`);
  return make(options);
}
