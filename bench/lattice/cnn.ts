// W3: the CNN of docs/bench-workloads.md on Fashion-MNIST, with the PyTorch peer's case names
// (bench/peers/torch_bench.py bench_cnn): forward (one batch of 64, no grad),
// step, epoch (epoch_extrapolated with --quick), test_accuracy
// (test_accuracy_partial), final_train_loss; plus fit.* when fit() is exported.
// conv(1→32,3)-ReLU-maxpool2-conv(32→64,3)-ReLU-maxpool2-flatten-linear(1600→128)-ReLU-linear(128→10),
// no padding: 28→26→13→11→5, 64·5·5 = 1600. NCHW. Adam 1e-3, batch 64 (938 steps).
//
//   node --import tsx bench/lattice/cnn.ts [--threads N] [--reps R] [--quick] [--steps N]
import { manualSeed, nn, noGrad, rand, tidy } from './lattice';
import { parseArgs, report, timingResult } from './common';
import { fitReport, trainReport } from './mlp';
// @ts-expect-error plain ESM helper shared with the JS peers
import { finite, timeMs } from '../lib/stats.mjs';

function cnnModel(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 32, 3), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 3), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(1600, 128), new nn.ReLU(), new nn.Linear(128, 10),
  );
}

const args = parseArgs();
manualSeed(0);
const model = cnnModel();
// Forward alone on one batch of 64 in [0, 1) (the peer draws it from a generator seeded 7).
manualSeed(7);
const x = rand([64, 1, 28, 28]);
const { samples, inner } = timeMs(() => tidy(() => noGrad(() => { model.call(x); })), { reps: args.reps, warmupMs: 200 });
const forward = timingResult('forward', samples, 'ms', { inner, batch: 64, layout: 'NCHW' });
process.stderr.write(`cnn forward: ${forward.median.toFixed(2)} ms\n`);

manualSeed(0);
const { results } = trainReport('cnn', cnnModel(), 64, args, 50, true);
results.unshift(forward);
results.push(...(await fitReport(cnnModel, 64, args, 50, true)));
report('cnn', args, finite(results));
