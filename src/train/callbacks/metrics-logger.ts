/** Appends one JSON line per step and per epoch to a file (JSONL). */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Callback, EpochLogs, StepLogs, TrainContext } from '../types';

/**
 * Logs `{"type":"step",...}` and `{"type":"epoch",...}` lines.
 * @example `new MetricsLogger('runs/exp1/metrics.jsonl', { everySteps: 10 })`
 */
export class MetricsLogger implements Callback {
  private buffer: string[] = [];
  /** `append`: keep the file's lines and add to them (a resumed run) instead of starting it empty. */
  constructor(readonly path: string, readonly opts: { everySteps?: number; append?: boolean } = {}) {
    mkdirSync(dirname(path), { recursive: true });
    if (!opts.append) writeFileSync(path, '');
  }

  /** Extra records (e.g. from GradientMonitor) go through the same file. */
  log(record: Record<string, unknown>): void {
    this.buffer.push(JSON.stringify(record));
  }

  onBatchEnd(_ctx: TrainContext, logs: StepLogs): void {
    if (logs.step % (this.opts.everySteps ?? 1) === 0 || logs.nonFinite) this.log({ type: 'step', ...logs });
    if (this.buffer.length >= 200) this.flush();
  }

  onEpochEnd(_ctx: TrainContext, logs: EpochLogs): void {
    this.log({ type: 'epoch', ...logs });
    this.flush();
  }

  onTrainEnd(): void {
    this.flush();
  }

  /** Writes the buffered lines to the file now. @example `logger.flush()` */
  flush(): void {
    if (this.buffer.length === 0) return;
    appendFileSync(this.path, this.buffer.join('\n') + '\n');
    this.buffer = [];
  }
}
