// Differentially private training on Fashion-MNIST (DP-SGD), beside the same model trained
// without privacy. The model is Papernot et al.'s tempered-sigmoid CNN ("Tempered Sigmoid
// Activations for Deep Learning with Differential Privacy", AAAI 2021: 86.1% at ε = 2.93):
// tanh bounds the activations, which keeps clipped gradients informative.
//
// DP-SGD: Poisson-sampled batches (expected size --batch), each sample's gradient clipped to
// --clip, Gaussian noise σ·C once per step, σ chosen so that --epochs epochs spend exactly
// --eps at δ = 1e-5 (RDP accountant, Opacus's conversion); ε is also reported by PRV.
//
//   LATTICE_NUM_THREADS=1 npx tsx examples/dp-fashion-mnist.ts [--eps 3] [--epochs 8] [--batch 2048]
//        [--lr 4] [--clip 0.5] [--baseline-epochs 2] [--budget 600] [--subset N] [--prv] [--cosine]
//
// A full run (no --subset) writes bench/results/figures/dp-fashion-mnist.json, the README's figures.
import { crossEntropy, data, manualSeed, nn, noGrad, optim, privacy, tidy, type Tensor } from '../src/index';
import { startRecord } from '../bench/lib/record';

export interface DpExampleOptions {
  eps: number; delta: number; epochs: number; batch: number; lr: number; clip: number;
  baselineEpochs: number; budgetSeconds: number; subset?: number; log?: (line: string) => void;
  /** Cosine decay of the learning rate to 0 over the planned steps (noise dominates late steps). */
  cosine?: boolean;
  /** Accountant that calibrates σ (default 'rdp'; 'prv' is tighter). */
  accountant?: 'rdp' | 'prv';
  /** Seeded noise and sampling, for tests only (NOT private; makePrivate warns). */
  seed?: number;
}

/** Papernot et al.'s Fashion-MNIST CNN with tanh. */
export function temperedCnn(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 16, 8, { stride: 2, padding: 3 }), new nn.Tanh(), new nn.MaxPool2d(2, { stride: 1 }),
    new nn.Conv2d(16, 32, 4, { stride: 2 }), new nn.Tanh(), new nn.MaxPool2d(2, { stride: 1 }),
    new nn.Flatten(), new nn.Linear(32 * 4 * 4, 32), new nn.Tanh(), new nn.Linear(32, 10),
  );
}

function accuracy(model: nn.Module, images: Tensor, labels: Tensor): number {
  model.eval();
  let correct = 0;
  const n = images.shape[0];
  for (let at = 0; at < n; at += 1000) {
    const m = Math.min(1000, n - at);
    correct += tidy(() => noGrad(() => {
      const pred = model.call(images.narrow(0, at, m)).argmax(1);
      return pred.eq(labels.narrow(0, at, m)).sum().item();
    }));
  }
  model.train();
  return correct / n;
}

export interface DpExampleResult {
  private: { accuracy: number; epsilon: number; epsilonPrv: number; noiseMultiplier: number; sampleRate: number; seconds: number; epochs: number; steps: number };
  baseline: { accuracy: number; seconds: number; epochs: number };
}

export function runDpExample(o: DpExampleOptions): DpExampleResult {
  const log = o.log ?? ((s: string) => console.log(s));
  const { train, test } = data.loadFashionMnist();
  const trainX = o.subset ? train.images.narrow(0, 0, o.subset) : train.images;
  const trainY = o.subset ? train.labels.narrow(0, 0, o.subset) : train.labels;
  const testX = o.subset ? test.images.narrow(0, 0, Math.min(2000, o.subset)) : test.images;
  const testY = o.subset ? test.labels.narrow(0, 0, Math.min(2000, o.subset)) : test.labels;
  // Normalise as the paper does (mean/std of the training set).
  const mean = trainX.mean().item(), std = trainX.std().item();
  const norm = (x: Tensor): Tensor => x.sub(mean).div(std);
  const xTrain = norm(trainX), xTest = norm(testX);
  const dataset = new data.TensorDataset(xTrain, trainY);

  // Non-private baseline: the same model, plain SGD with momentum, shuffled batches of 256.
  manualSeed(0);
  const plain = temperedCnn();
  const plainOpt = new optim.SGD(plain.parameters(), { lr: 0.05, momentum: 0.9 });
  let t0 = performance.now();
  for (let e = 0; e < o.baselineEpochs; e++) {
    for (const [xb, yb] of new data.DataLoader(dataset, { batchSize: 256, shuffle: true, seed: e, prefetch: false }) as Iterable<Tensor[]>) {
      tidy(() => { plainOpt.zeroGrad(); crossEntropy(plain.call(xb), yb).backward(); plainOpt.step(); });
      xb.dispose(); yb.dispose();
    }
  }
  const baseline = { accuracy: accuracy(plain, xTest, testY), seconds: (performance.now() - t0) / 1000, epochs: o.baselineEpochs };
  log(`non-private: ${baseline.epochs} epochs, test accuracy ${(100 * baseline.accuracy).toFixed(2)}%, ${baseline.seconds.toFixed(0)} s`);

  // DP-SGD.
  manualSeed(0);
  const model = temperedCnn();
  const opt = new optim.SGD(model.parameters(), { lr: o.lr, momentum: 0.9 });
  const priv = privacy.makePrivate(model, opt, new data.DataLoader(dataset, { batchSize: o.batch }), {
    targetEpsilon: o.eps, delta: o.delta, epochs: o.epochs, maxGradNorm: o.clip, seed: o.seed, accountant: o.accountant,
  });
  log(`DP-SGD: q = ${priv.sampleRate.toFixed(5)}, σ = ${priv.noiseMultiplier.toFixed(3)}, C = ${o.clip}, lr ${o.lr}, ${o.epochs} epochs planned for ε = ${o.eps} at δ = ${o.delta} (${priv.accountant.mechanism.toUpperCase()} accountant)`);
  t0 = performance.now();
  let steps = 0, epochsDone = 0;
  for (let e = 0; e < o.epochs; e++) {
    for (const [xb, yb] of priv.dataLoader as Iterable<Tensor[]>) {
      if (o.cosine) opt.paramGroups[0].lr = o.lr * 0.5 * (1 + Math.cos((Math.PI * steps) / (o.epochs * priv.dataLoader.length)));
      priv.step(xb, yb, (out, y) => crossEntropy(out, y));
      xb.dispose(); yb.dispose();
      steps++;
    }
    epochsDone++;
    const secs = (performance.now() - t0) / 1000;
    log(`  epoch ${e + 1}: test accuracy ${(100 * accuracy(model, xTest, testY)).toFixed(2)}%, ε = ${priv.getEpsilon().toFixed(3)}, ${secs.toFixed(0)} s`);
    if (e + 1 < o.epochs && secs + secs / (e + 1) > o.budgetSeconds) {
      log(`  stopping: the next epoch would pass the ${o.budgetSeconds} s budget (ε spent so far is below the plan)`);
      break;
    }
  }
  const rdp = new privacy.RdpAccountant(), prv = new privacy.PrvAccountant();
  for (const ph of priv.accountant.history) { rdp.step(ph); prv.step(ph); }
  const result = {
    accuracy: accuracy(model, xTest, testY), epsilon: rdp.getEpsilon(o.delta), epsilonPrv: prv.getEpsilon(o.delta),
    noiseMultiplier: priv.noiseMultiplier, sampleRate: priv.sampleRate, seconds: (performance.now() - t0) / 1000, epochs: epochsDone, steps,
  };
  log(`private:     ${result.epochs} epochs (${steps} steps), test accuracy ${(100 * result.accuracy).toFixed(2)}%, ε = ${result.epsilon.toFixed(3)} (RDP) / ${result.epsilonPrv.toFixed(3)} (PRV) at δ = ${o.delta}, ${result.seconds.toFixed(0)} s`);
  priv.detach();
  return { private: result, baseline };
}

const isMain = process.argv[1] && /dp-fashion-mnist\.ts$/.test(process.argv[1]);
if (isMain) {
  const argv = process.argv.slice(2);
  const num = (name: string, fallback: number): number => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const subset = num('subset', 0);
  const record = startRecord('dp-fashion-mnist');
  const options: DpExampleOptions = {
    eps: num('eps', 3), delta: 1e-5, epochs: num('epochs', 8), batch: num('batch', 2048), lr: num('lr', 4), clip: num('clip', 0.5),
    baselineEpochs: num('baseline-epochs', 2), budgetSeconds: num('budget', 600), subset: subset || undefined,
    accountant: argv.includes('--prv') ? 'prv' : 'rdp', cosine: argv.includes('--cosine'),
  };
  const result = runDpExample(options);
  // A subset run is a quick trial: its figures are not the README's.
  if (!subset) record.save({ options, ...result }, dpMarkdown(options, result));
}

/** The README's table of a run: the non-private baseline and DP-SGD, with the settings that made them. */
export function dpMarkdown(o: DpExampleOptions, r: DpExampleResult): string {
  const p = r.private, pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
  return [
    `| model | optimizer, batch | epochs (steps) | test accuracy | ε at δ = ${o.delta.toExponential(0)} (RDP / PRV) | seconds |`,
    '| --- | --- | --- | --- | --- | --- |',
    `| non-private | SGD lr 0.05, momentum 0.9, batches of 256 | ${r.baseline.epochs} | ${pct(r.baseline.accuracy)} | — | ${r.baseline.seconds.toFixed(0)} |`,
    `| DP-SGD (σ = ${p.noiseMultiplier.toFixed(3)}, C = ${o.clip}${o.cosine ? ', cosine lr' : ''}) | SGD lr ${o.lr}, momentum 0.9, Poisson batches of ${o.batch} expected (q = ${p.sampleRate.toFixed(4)}) | ` +
      `${p.epochs} (${p.steps}) | **${pct(p.accuracy)}** | **${p.epsilon.toFixed(2)} / ${p.epsilonPrv.toFixed(2)}** | ${p.seconds.toFixed(0)} |`,
  ].join('\n');
}
