// Weight averaging on Fashion-MNIST: SWA and an EMA of the weights against plain SGD, at the same
// number of steps. A small CNN with BatchNorm (two conv blocks, 16 and 32 channels, then a linear
// head) is trained twice per seed from the same initialisation and data order: (a) SGD with momentum,
// lr cosine-annealed to 0 over all epochs; (b) the same for the first half of the epochs, then SWALR
// takes the lr to swaLr and holds it while optim.AveragedModel averages the weights every
// `avgEvery` steps, and optim.updateBn re-estimates BatchNorm's statistics for the average.
// Run (b) also keeps an exponential moving average of its weights and buffers (getEmaMultiAvgFn,
// useBuffers). Test accuracy and test NLL are reported for the plain model, run (b)'s last iterate,
// the SWA average before and after updateBn, and the EMA.
//
// Run: LATTICE_NUM_THREADS=2 npx tsx examples/swa-fashion-mnist.ts [--epochs 8] [--seeds 0,1,2] [--swa-lr 0.02] [--swa-start 0.5] [--avg-every 100] [--train-samples 60000] [--record swa-fashion-mnist]
// `--train-samples 10000 --epochs 30 --avg-every 78 --record swa-fashion-mnist-10k` is the
// over-fitting regime of the README's second table. Writes bench/results/figures/<record>.json (the README's figures).
import { pathToFileURL } from 'node:url';
import {
  PhiloxStream, crossEntropy, data, manualSeed, nn, noGrad, optim, tensor, tidy, type Tensor,
} from '../src/index';
import { startRecord } from '../bench/lib/record';

export interface SwaExampleOptions {
  epochs?: number;
  seed?: number;
  /** Peak lr of both runs (default 0.05) and the SWA lr (default 0.02). */
  lr?: number;
  swaLr?: number;
  /** Fraction of the epochs before averaging starts (default 0.5). */
  swaStart?: number;
  /** Steps between two SWA updates (default 100). */
  avgEvery?: number;
  /** EMA decay per step (default 0.998). */
  emaDecay?: number;
  /** Training images used (default all 60,000). */
  trainSamples?: number;
  log?: (line: string) => void;
}

/** Test accuracy (fraction) and mean negative log-likelihood. */
export interface Score { accuracy: number; nll: number }

export interface SwaExampleResult {
  sgd: Score;
  swaLastIterate: Score;
  swaNoBnUpdate: Score;
  swa: Score;
  ema: Score;
  swaModels: number;
  seconds: number;
}

function makeModel(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 16, 3, { padding: 1 }), new nn.BatchNorm2d(16), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(16, 32, 3, { padding: 1 }), new nn.BatchNorm2d(32), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(32 * 7 * 7, 10));
}

function take(x: Tensor, idx: Int32Array): Tensor {
  return x.indexSelect(0, tensor(idx));
}

/** Accuracy and NLL of model on (x, y), in eval mode, in chunks. */
function score(model: nn.Module, x: Tensor, y: Tensor): Score {
  model.eval();
  let correct = 0, nll = 0;
  const n = x.shape[0];
  for (let at = 0; at < n; at += 1000) {
    tidy(() => noGrad(() => {
      const len = Math.min(1000, n - at);
      const logits = model.call(x.narrow(0, at, len));
      const labels = y.narrow(0, at, len);
      nll += crossEntropy(logits, labels).item() * len;
      const pred = logits.argmax(1).values, truth = labels.values;
      for (let i = 0; i < len; i++) if (pred[i] === truth[i]) correct++;
    }));
  }
  return { accuracy: correct / n, nll: nll / n };
}

/**
 * Trains the plain and the averaged run for one seed and scores every model on the test set.
 * @example `const r = runSwaExample({ epochs: 8, seed: 0 }); r.swa.accuracy - r.sgd.accuracy`
 */
export function runSwaExample(opts: SwaExampleOptions = {}): SwaExampleResult {
  const started = performance.now();
  const epochs = opts.epochs ?? 8, seed = opts.seed ?? 0, lr = opts.lr ?? 0.05, swaLr = opts.swaLr ?? 0.02;
  const swaEpoch = Math.round(epochs * (opts.swaStart ?? 0.5)), avgEvery = opts.avgEvery ?? 100, emaDecay = opts.emaDecay ?? 0.998;
  const log = opts.log ?? (() => {});
  const fm = data.loadFashionMnist();
  const nTrain = Math.min(opts.trainSamples ?? fm.train.images.shape[0], fm.train.images.shape[0]);
  const xTrain = fm.train.images.narrow(0, 0, nTrain), yTrain = fm.train.labels.narrow(0, 0, nTrain);
  const batch = 128, stepsPerEpoch = Math.floor(nTrain / batch);
  manualSeed(seed);
  const init = makeModel();

  /** One run from the shared initialisation and data order: `before` sets the lr of each step, `after` sees the model after it. */
  const run = (name: string, before: (opt: optim.SGD, step: number) => void, after: (model: nn.Sequential, step: number) => void): nn.Sequential => {
    const model = nn.utils.deepCopy(init);
    const opt = new optim.SGD(model.parameters(), { lr, momentum: 0.9, weightDecay: 5e-4 });
    const order = new PhiloxStream(seed + 1);
    let step = 0;
    for (let epoch = 0; epoch < epochs; epoch++) {
      model.train();
      const perm = data.randomSplit(new data.TensorDataset(yTrain), [nTrain], { generator: order })[0].indices;
      let lossSum = 0;
      for (let b = 0; b < stepsPerEpoch; b++, step++) {
        before(opt, step);
        lossSum += tidy(() => {
          const idx = perm.subarray(b * batch, (b + 1) * batch);
          opt.zeroGrad();
          const loss = crossEntropy(model.call(take(xTrain, idx)), take(yTrain, idx));
          loss.backward();
          opt.step();
          return loss.item();
        });
        after(model, step);
      }
      log(`${name} epoch ${epoch + 1}/${epochs}: train loss ${(lossSum / stepsPerEpoch).toFixed(4)}, lr ${opt.paramGroups[0].lr.toFixed(4)}`);
    }
    return model;
  };

  const total = epochs * stepsPerEpoch, swaStep = swaEpoch * stepsPerEpoch;
  const cosine = (s: number): number => (lr * (1 + Math.cos(Math.PI * s / total))) / 2;
  // (a) plain SGD, the lr cosine-annealed to 0 over the whole run.
  const plain = run('sgd', (opt, s) => { opt.paramGroups[0].lr = cosine(s); }, () => {});

  // (b) identical to (a) until swaStep; then SWALR anneals the lr to swaLr over half an epoch and holds
  // it there, and the weights are averaged every avgEvery steps. An EMA follows the whole run.
  let swaSched: optim.SWALR | null = null;
  let swaModel: optim.AveragedModel<nn.Sequential> | null = null, emaModel: optim.AveragedModel<nn.Sequential> | null = null;
  const last = run('swa', (opt, s) => {
    if (s < swaStep) opt.paramGroups[0].lr = cosine(s);
    else if (!swaSched) swaSched = new optim.SWALR(opt, { swaLr, annealEpochs: Math.round(stepsPerEpoch / 2) });
    else swaSched.step();
  }, (model, s) => {
    emaModel ??= new optim.AveragedModel(model, { multiAvgFn: optim.getEmaMultiAvgFn(emaDecay), useBuffers: true });
    emaModel.updateParameters(model);
    if (s < swaStep || (s - swaStep) % avgEvery !== avgEvery - 1) return;
    swaModel ??= new optim.AveragedModel(model);
    swaModel.updateParameters(model);
  });
  const swa = swaModel! as optim.AveragedModel<nn.Sequential>, ema = emaModel! as optim.AveragedModel<nn.Sequential>;

  const xTest = fm.test.images, yTest = fm.test.labels;
  const result: SwaExampleResult = {
    sgd: score(plain, xTest, yTest),
    swaLastIterate: score(last, xTest, yTest),
    swaNoBnUpdate: score(swa, xTest, yTest),
    swa: { accuracy: 0, nll: 0 },
    ema: score(ema, xTest, yTest),
    swaModels: swa.nAveraged,
    seconds: 0,
  };
  // BatchNorm's statistics for the averaged weights: one pass over the training data.
  const loader = new data.DataLoader(new data.TensorDataset(xTrain, yTrain), { batchSize: 500 });
  optim.updateBn(loader, swa);
  result.swa = score(swa, xTest, yTest);
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

const pct = (v: number): string => (100 * v).toFixed(2);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: string): string => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
  const record = startRecord(arg('record', 'swa-fashion-mnist'));
  const epochs = Number(arg('epochs', '8')), seeds = arg('seeds', '0,1,2').split(',').map(Number);
  const swaLr = Number(arg('swa-lr', '0.02')), avgEvery = Number(arg('avg-every', '100')), swaStart = Number(arg('swa-start', '0.5'));
  const trainSamples = Number(arg('train-samples', '60000'));
  const runs = seeds.map((seed) => {
    const r = runSwaExample({ epochs, seed, swaLr, swaStart, avgEvery, trainSamples, log: console.log });
    console.log(`seed ${seed}: SGD ${pct(r.sgd.accuracy)}%, SWA ${pct(r.swa.accuracy)}% (${r.swaModels} models), EMA ${pct(r.ema.accuracy)}% (${r.seconds.toFixed(0)} s)`);
    return { seed, ...r };
  });
  const rows: [string, (r: SwaExampleResult) => Score][] = [
    ['SGD, cosine to 0 (plain)', (r) => r.sgd],
    ['SWA run, last iterate', (r) => r.swaLastIterate],
    ['SWA average, BatchNorm statistics copied', (r) => r.swaNoBnUpdate],
    ['SWA average + updateBn', (r) => r.swa],
    ['EMA of the weights and buffers', (r) => r.ema],
  ];
  const mean = (f: (r: SwaExampleResult) => number): number => runs.reduce((s, r) => s + f(r), 0) / runs.length;
  const table = [
    `| model | test accuracy % (mean of ${runs.length} seeds) | per seed | test NLL |`, '| --- | --- | --- | --- |',
    ...rows.map(([name, get]) => `| ${name} | ${pct(mean((r) => get(r).accuracy))} | ${runs.map((r) => pct(get(r).accuracy)).join(', ')} | ${mean((r) => get(r).nll).toFixed(4)} |`),
  ].join('\n');
  console.log(`\n${table}`);
  record.save({ epochs, seeds, swaLr, swaStart, avgEvery, trainSamples, runs }, [
    `${epochs} epochs over ${trainSamples.toLocaleString('en-US')} training images, SGD (momentum 0.9, weight decay 5e-4, batch 128, peak lr 0.05) per run; averaging from epoch ${Math.round(epochs * swaStart) + 1}, every ${avgEvery} steps at lr ${swaLr} (${runs[0].swaModels} models); EMA decay 0.998 per step.`,
    '',
    table,
  ].join('\n'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
