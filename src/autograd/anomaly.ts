/** Anomaly mode: name the first op whose forward or backward produced NaN or Inf. */
import { setAnomalyEnabled } from '../tensor/graph';

/**
 * Runs fn with NaN/Inf checks after every op, forward and backward; the first
 * offender throws an AnomalyError naming the op, its inputs and where it was
 * called. Slow: for debugging.
 * @example `detectAnomaly(() => { const loss = model(x); loss.backward(); })`
 */
export function detectAnomaly<T>(fn: () => T): T {
  const prev = setAnomalyEnabled(true);
  try {
    return fn();
  } finally {
    setAnomalyEnabled(prev);
  }
}
