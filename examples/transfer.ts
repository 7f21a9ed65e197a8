// Transfer learning on Fashion-MNIST: a CNN pretrained on classes 0-4 is fine-tuned on classes 5-9
// with 1% and 10% of their training images, against the same CNN trained from scratch on the same data.
//
// Pretraining: conv-BN-ReLU-pool x2 and a 128-unit layer, Adam, on the 30,000 images of classes 0-4.
// Transfer (freeze-then-unfreeze): the pretrained weights are loaded, the 5-way head is replaced
// (nn.utils.replaceHead), the rest frozen (BatchNorm held in eval) for the first third of the steps,
// then everything trains with layer-wise learning rates (nn.utils.layerwiseLrGroups, decay 0.3).
// Scratch: the same network from a random start, Adam at the head's rate, the same steps and batches.
// Accuracy is measured on 2,000 test images of classes 5-9 every few steps; "time to scratch's final"
// is the training time (evaluation excluded) until the transferred model first reaches the accuracy
// that scratch ends with. Pretraining time is reported separately (it is paid once).
//
// Run: LATTICE_NUM_THREADS=1 npx tsx examples/transfer.ts [--pretrain-epochs 1] [--steps 150] [--fractions 0.01,0.1] [--seed 0]
import { pathToFileURL } from 'node:url';
import { PhiloxStream, crossEntropy, data, manualSeed, nn, noGrad, optim, tensor, tidy, type Tensor } from '../src/index';

export interface TransferOptions {
  pretrainEpochs?: number;
  /** Fine-tuning steps (batch 32) for each fraction and method (default 150). */
  steps?: number;
  /** Fractions of the target classes' training images (default [0.01, 0.1]). */
  fractions?: number[];
  seed?: number;
  /** Test images of classes 5-9 used for accuracy (default 2000). */
  testImages?: number;
  /** Evaluate every this many steps (default 15). */
  evalEvery?: number;
  log?: (line: string) => void;
}

export interface TransferRow {
  fraction: number;
  images: number;
  method: 'transfer' | 'scratch';
  finalAccuracy: number;
  trainSeconds: number;
  /** Seconds of training until the accuracy first reached scratch's final (null: never). */
  secondsToScratchFinal: number | null;
  curve: { step: number; seconds: number; accuracy: number }[];
}

export interface TransferResult {
  pretrainSeconds: number;
  sourceAccuracy: number;
  rows: TransferRow[];
}

const take = (x: Tensor, idx: Int32Array): Tensor => x.indexSelect(0, tensor(idx));
const percent = (f: number): string => `${+(100 * f).toFixed(1)}%`;

/** The network: `features` (conv stages and the 128-unit layer) and a `head`. */
function makeNet(): nn.Sequential {
  return new nn.Sequential({
    features: new nn.Sequential(
      new nn.Conv2d(1, 32, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(32), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(32, 64, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(64), new nn.ReLU(), new nn.MaxPool2d(2),
    ),
    flatten: new nn.Flatten(),
    fc1: new nn.Sequential(new nn.Linear(64 * 7 * 7, 128), new nn.ReLU(), new nn.Dropout(0.25)),
    head: new nn.Linear(128, 5),
  });
}

function accuracy(model: nn.Module, x: Tensor, y: Tensor): number {
  model.eval();
  let correct = 0;
  for (let at = 0; at < x.shape[0]; at += 500) {
    const len = Math.min(500, x.shape[0] - at);
    correct += tidy(() => noGrad(() => {
      const pred = (model.call(x.narrow(0, at, len)) as Tensor).argmax(1).values as Int32Array;
      const truth = y.narrow(0, at, len).values as Int32Array;
      let c = 0;
      for (let i = 0; i < len; i++) if (pred[i] === truth[i]) c++;
      return c;
    }));
  }
  model.train();
  return correct / x.shape[0];
}

/** Indices of the images whose label is in `classes`, and their labels shifted to start at 0. */
function classSubset(labels: Tensor, classes: number[]): { idx: Int32Array; labels: Int32Array } {
  const v = labels.values as Int32Array;
  const idx: number[] = [];
  for (let i = 0; i < v.length; i++) if (classes.includes(v[i])) idx.push(i);
  return { idx: Int32Array.from(idx), labels: Int32Array.from(idx, (i) => v[i] - classes[0]) };
}

/**
 * Pretrains on classes 0-4, then for each fraction trains 'transfer' and 'scratch' on classes 5-9.
 * @example `const { rows } = runTransferExample({ steps: 60, fractions: [0.01] })`
 */
export function runTransferExample(opts: TransferOptions = {}): TransferResult {
  const seed = opts.seed ?? 0, steps = opts.steps ?? 150, evalEvery = opts.evalEvery ?? 15, batch = 32;
  const log = opts.log ?? (() => {});
  manualSeed(seed);
  const fm = data.loadFashionMnist();
  const src = classSubset(fm.train.labels, [0, 1, 2, 3, 4]);
  const srcX = take(fm.train.images, src.idx), srcY = tensor(src.labels);
  const tgt = classSubset(fm.train.labels, [5, 6, 7, 8, 9]);
  const testAll = classSubset(fm.test.labels, [5, 6, 7, 8, 9]);
  const testN = Math.min(opts.testImages ?? 2000, testAll.idx.length);
  const testX = take(fm.test.images, testAll.idx.subarray(0, testN)), testY = tensor(testAll.labels.subarray(0, testN));
  const srcTest = classSubset(fm.test.labels, [0, 1, 2, 3, 4]);

  // ---- pretraining on classes 0-4
  const pretrained = makeNet();
  const pre = new optim.Adam(pretrained.parameters(), { lr: 1e-3 });
  const shuffle = new PhiloxStream(seed + 1);
  const t0 = performance.now();
  for (let epoch = 0; epoch < (opts.pretrainEpochs ?? 1); epoch++) {
    const order = data.randomSplit(new data.TensorDataset(srcY), [srcY.shape[0]], { generator: shuffle })[0].indices;
    for (let at = 0; at + 128 <= order.length; at += 128) {
      tidy(() => {
        const idx = order.subarray(at, at + 128);
        pre.zeroGrad();
        crossEntropy(pretrained.call(take(srcX, idx)), take(srcY, idx)).backward();
        pre.step();
      });
    }
  }
  const pretrainSeconds = (performance.now() - t0) / 1000;
  const sourceAccuracy = accuracy(pretrained, take(fm.test.images, srcTest.idx.subarray(0, 2000)), tensor(srcTest.labels.subarray(0, 2000)));
  log(`pretrained on classes 0-4: ${(100 * sourceAccuracy).toFixed(1)}% test accuracy, ${pretrainSeconds.toFixed(1)} s`);
  const pretrainedState = pretrained.stateDict();

  const rows: TransferRow[] = [];
  for (const fraction of opts.fractions ?? [0.01, 0.1]) {
    const perm = data.randomSplit(new data.TensorDataset(tensor(tgt.labels)), [tgt.labels.length], { generator: new PhiloxStream(seed + 2) })[0].indices;
    const n = Math.max(batch, Math.round(fraction * tgt.labels.length));
    const pick = perm.subarray(0, n);
    const x = take(fm.train.images, Int32Array.from(pick, (i) => tgt.idx[i]));
    const y = tensor(Int32Array.from(pick, (i) => tgt.labels[i]));
    const byMethod: Record<string, TransferRow> = {};
    for (const method of ['scratch', 'transfer'] as const) {
      manualSeed(seed + 3);
      const model = makeNet();
      let opt: optim.Adam;
      const unfreezeAt = Math.floor(steps / 3);
      if (method === 'transfer') {
        model.loadStateDict(pretrainedState);
        nn.utils.replaceHead(model, new nn.Linear(128, 5));
        model.freeze();
        model.getSubmodule('head').unfreeze();
        opt = new optim.Adam(nn.utils.layerwiseLrGroups(model, { lr: 1e-3, decay: 0.3 }), { lr: 1e-3 });
      } else {
        opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
      }
      model.train();
      const order = new PhiloxStream(seed + 4);
      const curve: TransferRow['curve'] = [];
      let trainMs = 0;
      let epochOrder: Int32Array = new Int32Array(0), pos = 0;
      for (let step = 1; step <= steps; step++) {
        if (method === 'transfer' && step === unfreezeAt + 1) model.unfreeze();
        if (pos + batch > epochOrder.length) {
          epochOrder = data.randomSplit(new data.TensorDataset(y), [n], { generator: order })[0].indices;
          pos = 0;
        }
        const idx = epochOrder.subarray(pos, pos + batch);
        pos += batch;
        const started = performance.now();
        tidy(() => {
          opt.zeroGrad();
          crossEntropy(model.call(take(x, idx)), take(y, idx)).backward();
          opt.step();
        });
        trainMs += performance.now() - started;
        if (step % evalEvery === 0 || step === steps) curve.push({ step, seconds: trainMs / 1000, accuracy: accuracy(model, testX, testY) });
      }
      const last = curve[curve.length - 1];
      byMethod[method] = { fraction, images: n, method, finalAccuracy: last.accuracy, trainSeconds: trainMs / 1000, secondsToScratchFinal: null, curve };
      log(`${percent(fraction)} (${n} images) ${method}: ${(100 * last.accuracy).toFixed(1)}% after ${steps} steps, ${(trainMs / 1000).toFixed(1)} s`);
    }
    const target = byMethod.scratch.finalAccuracy;
    for (const r of [byMethod.scratch, byMethod.transfer]) {
      r.secondsToScratchFinal = r.curve.find((p) => p.accuracy >= target)?.seconds ?? null;
      rows.push(r);
    }
  }
  return { pretrainSeconds, sourceAccuracy, rows };
}

/** The result as a Markdown table. */
export function transferTable(r: TransferResult): string {
  const lines = ['| target data | method | final accuracy | training time | time to scratch\'s final accuracy |', '| --- | --- | --- | --- | --- |'];
  for (const row of r.rows) {
    const reach = row.secondsToScratchFinal === null ? 'not reached' : `${row.secondsToScratchFinal.toFixed(1)} s`;
    lines.push(`| ${percent(row.fraction)} (${row.images} images) | ${row.method} | ${(100 * row.finalAccuracy).toFixed(1)}% | ${row.trainSeconds.toFixed(1)} s | ${reach} |`);
  }
  return lines.join('\n');
}

function main(): void {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: string): string => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
  const r = runTransferExample({
    pretrainEpochs: Number(arg('pretrain-epochs', '1')), steps: Number(arg('steps', '150')), seed: Number(arg('seed', '0')),
    fractions: arg('fractions', '0.01,0.1').split(',').map(Number), log: console.log,
  });
  console.log(`\npretraining (classes 0-4, paid once): ${r.pretrainSeconds.toFixed(1)} s, ${(100 * r.sourceAccuracy).toFixed(1)}% on its own test classes\n`);
  console.log(transferTable(r));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
