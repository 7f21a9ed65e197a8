// W10: memory during W2's epoch (the MLP of mlp.ts, same loop), with the
// PyTorch peer's case names (bench/peers/torch_bench.py bench_memory):
// peak_rss, peak_rss_before_epoch, peak_rss_epoch_delta, rss_after_epoch, and
// live_tensors_per_step, which Lattice can measure: memory().numTensors after
// every step (batch released), reported as min/median/max over the steps with
// the first and last values. Nothing is asserted; a growing count shows as
// max > min and `growth` > 0.
//
// Peak RSS is the process high-water mark (process.resourceUsage().maxRSS,
// getrusage's ru_maxrss), taken after loading the data and building the model,
// and after the epoch, as the peer does.
//
//   node --import tsx bench/lattice/memory.ts [--threads N] [--reps R] [--quick] [--steps N]
import { manualSeed, memory, optim } from './lattice';
import { parseArgs, report, timingResult, valueResult } from './common';
import { fashion, mlpModel, stepsFlag, trainEpoch } from './mlp';
// @ts-expect-error plain ESM helper shared with the JS peers
import { finite } from '../lib/stats.mjs';

const MB = 2 ** 20;
const peakRssMb = () => (process.resourceUsage().maxRSS * 1024) / MB;  // maxRSS is in KiB
const rssMb = () => process.memoryUsage().rss / MB;

const args = parseArgs();
manualSeed(0);
const { trainX, trainY } = fashion(false);
const model = mlpModel();
const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
const peakBefore = peakRssMb();
const rssBefore = rssMb();
const atStart = memory();
const maxSteps = args.quick ? (stepsFlag(args) ?? 100) : undefined;
const counts: number[] = [];
const bytes: number[] = [];
const run = trainEpoch(model, opt, trainX, trainY, 128, maxSteps, () => {
  const m = memory();
  counts.push(m.numTensors);
  bytes.push(m.numBytes / MB);
});
const peakAfter = peakRssMb();
const rssAfter = rssMb();
const mu = process.memoryUsage();
process.stderr.write(`memory: peak RSS ${peakAfter.toFixed(1)} MB (before epoch ${peakBefore.toFixed(1)} MB), live tensors ${Math.min(...counts)}..${Math.max(...counts)}\n`);

report('memory', args, finite([
  valueResult('peak_rss', peakAfter, 'MB', { steps: run.steps, source: 'process.resourceUsage().maxRSS (getrusage ru_maxrss)' }),
  valueResult('peak_rss_before_epoch', peakBefore, 'MB'),
  valueResult('peak_rss_epoch_delta', peakAfter - peakBefore, 'MB'),
  valueResult('rss_after_epoch', rssAfter, 'MB', {
    rss_before_epoch: rssBefore,
    heap_used_after_epoch: mu.heapUsed / MB, external_after_epoch: mu.external / MB, array_buffers_after_epoch: mu.arrayBuffers / MB,
  }),
  timingResult('live_tensors_per_step', counts, 'count', {
    first: counts[0], last: counts[counts.length - 1], growth: counts[counts.length - 1] - counts[0],
    before_epoch: atStart.numTensors, steps: counts.length, source: 'memory().numTensors after each step, batch released',
  }),
  timingResult('live_tensor_bytes_per_step', bytes, 'MB', {
    first: bytes[0], last: bytes[bytes.length - 1], before_epoch: atStart.numBytes / MB, source: 'memory().numBytes after each step',
  }),
]));
