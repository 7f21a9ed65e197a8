// Transfer learning on Fashion-MNIST: a CNN pretrained on classes 0-4 is fine-tuned on classes 5-9
// with 1% and 10% of their training images, against the same CNN trained from scratch on the same data.
// By default it also runs 0.1% (30 images), where the difference is larger.
//
// Pretraining: conv-BN-ReLU-pool x2 and a 128-unit layer, Adam, on the 30,000 images of classes 0-4.
// Transfer (freeze-then-unfreeze): the pretrained weights are loaded, the 5-way head is replaced
// (nn.utils.replaceHead), the rest frozen (BatchNorm held in eval, so it normalises with the
// pretrained running statistics) for the first third of the steps, then everything trains with
// layer-wise learning rates (nn.utils.layerwiseLrGroups: the new head 1e-2, each earlier layer 0.3x)
// and BatchNorm in train mode. Fine-tune: the same without the frozen phase (everything trains from
// step 1). Scratch: the same network from a random start, Adam at 1e-3.
// Both arms get the same steps, the same batches in the same order and the same augmentation
// (data.randomAffine: ±10°, ±10% shift, 0.9-1.1 scale, from one seeded stream), so the only
// difference is the starting point. The subset is stratified: the same number of images per class.
// Accuracy is measured on 2,000 test images of classes 5-9 every 15 steps; "final" is the mean of the
// last 3 evaluations, and "to scratch's final" is the training time (evaluation excluded; wall and CPU)
// and the steps until the model first reaches scratch's final. Pretraining is reported separately (paid once).
//
// Run: LATTICE_NUM_THREADS=1 npx tsx examples/transfer.ts [--pretrain-epochs 1] [--steps 150] [--fractions 0.01,0.1] [--seed 0]
// (default fractions 0.001,0.01,0.1; --no-augment trains both arms without augmentation; --head-lr 0.01;
// --freeze-fraction 0.333 of the transfer arm's steps train the head alone;
// --pretrained <file.safetensors> loads the pretrained weights if the file exists, else saves them there;
// --swap pretrains on classes 5-9 and transfers to 0-4)
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { PhiloxStream, crossEntropy, data, load, manualSeed, nn, noGrad, optim, save, tensor, tidy, type Tensor } from '../src/index';
import { startRecord } from '../bench/lib/record';

export interface TransferOptions {
  pretrainEpochs?: number;
  /** Fine-tuning steps (batch 32) for each fraction and method (default 150). */
  steps?: number;
  /** Fractions of the target classes' training images, taken per class (default [0.001, 0.01, 0.1]). */
  fractions?: number[];
  /** The same random affine augmentation for both arms (default true). */
  augment?: boolean;
  /** Share of the steps the 'transfer' arm trains only its new head (default 1/3; the 'finetune' arm uses 0). */
  freezeFraction?: number;
  /** The new head's learning rate in the transferred model (default 1e-2; earlier layers get 0.3x per layer). */
  headLr?: number;
  /**
   * A safetensors file of the pretrained weights: loaded when it exists, else written after
   * pretraining (a PyTorch user's downloaded weights play this part). Default: pretrain every run.
   */
  pretrainedPath?: string;
  seed?: number;
  /** Pretrain on classes 5-9 and transfer to 0-4 instead (the harder target: its tops are confused with each other). */
  swap?: boolean;
  /** Test images of the target classes used for accuracy (default 2000). */
  testImages?: number;
  /** Evaluate every this many steps (default 15). */
  evalEvery?: number;
  log?: (line: string) => void;
}

/** The arms of the comparison. */
export type TransferMethod = 'scratch' | 'transfer' | 'finetune';

export interface TransferRow {
  fraction: number;
  images: number;
  /** scratch; transfer (freeze-then-unfreeze); finetune (the pretrained model, everything trained from step 1). */
  method: TransferMethod;
  /** Mean test accuracy of the last 3 evaluations (one evaluation of 2,000 images moves by ~1 point). */
  finalAccuracy: number;
  trainSeconds: number;
  /** Process CPU seconds of training (all threads): steadier than wall time on a loaded machine. */
  trainCpuSeconds: number;
  /** Seconds of training until the accuracy first reached scratch's final (null: never). */
  secondsToScratchFinal: number | null;
  cpuSecondsToScratchFinal: number | null;
  stepsToScratchFinal: number | null;
  curve: { step: number; seconds: number; cpuSeconds: number; accuracy: number }[];
}

export interface TransferResult {
  /** The pretraining classes, e.g. 'classes 0-4'. */
  sourceName: string;
  /** Seconds of pretraining, or null when the weights came from `pretrainedPath`. */
  pretrainSeconds: number | null;
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

/**
 * A stratified subset: for each class, the first round(fraction · count) (at least 1) of its
 * images in a seeded random order, so that a small fraction still sees every class equally.
 */
function stratified(labels: Int32Array, classes: number, fraction: number, seed: number): Int32Array {
  const order = data.randomSplit(new data.TensorDataset(tensor(labels)), [labels.length], { generator: new PhiloxStream(seed) })[0].indices;
  const picked: number[] = [];
  for (let c = 0; c < classes; c++) {
    const ofClass = Array.from(order).filter((i) => labels[i] === c);
    picked.push(...ofClass.slice(0, Math.max(1, Math.round(fraction * ofClass.length))));
  }
  return Int32Array.from(picked);
}

const cpuSeconds = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

/** Indices of the images whose label is in `classes`, and their labels shifted to start at 0. */
function classSubset(labels: Tensor, classes: number[]): { idx: Int32Array; labels: Int32Array } {
  const v = labels.values as Int32Array;
  const idx: number[] = [];
  for (let i = 0; i < v.length; i++) if (classes.includes(v[i])) idx.push(i);
  return { idx: Int32Array.from(idx), labels: Int32Array.from(idx, (i) => v[i] - classes[0]) };
}

/**
 * Pretrains on classes 0-4, then for each fraction trains 'scratch', 'transfer' and 'finetune' on classes 5-9.
 * @example `const { rows } = runTransferExample({ steps: 60, fractions: [0.01] })`
 */
export function runTransferExample(opts: TransferOptions = {}): TransferResult {
  const seed = opts.seed ?? 0, steps = opts.steps ?? 150, evalEvery = opts.evalEvery ?? 15, augment = opts.augment ?? true;
  const log = opts.log ?? (() => {});
  manualSeed(seed);
  const fm = data.loadFashionMnist();
  const [sourceClasses, targetClasses] = opts.swap ? [[5, 6, 7, 8, 9], [0, 1, 2, 3, 4]] : [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]];
  const sourceName = `classes ${sourceClasses[0]}-${sourceClasses[4]}`;
  const src = classSubset(fm.train.labels, sourceClasses);
  const srcX = take(fm.train.images, src.idx), srcY = tensor(src.labels);
  const tgt = classSubset(fm.train.labels, targetClasses);
  const testAll = classSubset(fm.test.labels, targetClasses);
  const testN = Math.min(opts.testImages ?? 2000, testAll.idx.length);
  const testX = take(fm.test.images, testAll.idx.subarray(0, testN)), testY = tensor(testAll.labels.subarray(0, testN));
  const srcTest = classSubset(fm.test.labels, sourceClasses);

  // ---- pretraining on the source classes (or its saved weights)
  const pretrained = makeNet();
  let pretrainSeconds: number | null = null;
  if (opts.pretrainedPath && existsSync(opts.pretrainedPath)) {
    pretrained.loadStateDict(load(opts.pretrainedPath).tensors);
  } else {
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
    pretrainSeconds = (performance.now() - t0) / 1000;
    if (opts.pretrainedPath) save(opts.pretrainedPath, pretrained.stateDict());
  }
  const sourceAccuracy = accuracy(pretrained, take(fm.test.images, srcTest.idx.subarray(0, 2000)), tensor(srcTest.labels.subarray(0, 2000)));
  log(`pretrained on ${sourceName}: ${(100 * sourceAccuracy).toFixed(1)}% test accuracy, ${pretrainSeconds === null ? `loaded from ${opts.pretrainedPath}` : `${pretrainSeconds.toFixed(1)} s`}`);
  const pretrainedState = pretrained.stateDict();

  const rows: TransferRow[] = [];
  for (const fraction of opts.fractions ?? [0.001, 0.01, 0.1]) {
    const pick = stratified(tgt.labels, 5, fraction, seed + 2);
    const n = pick.length, batch = Math.min(32, n);
    const x = take(fm.train.images, Int32Array.from(pick, (i) => tgt.idx[i]));
    const y = tensor(Int32Array.from(pick, (i) => tgt.labels[i]));
    const byMethod: Record<string, TransferRow> = {};
    for (const method of ['scratch', 'transfer', 'finetune'] as const) {
      manualSeed(seed + 3);
      const model = makeNet();
      let opt: optim.Adam;
      const unfreezeAt = method === 'transfer' ? Math.floor(steps * (opts.freezeFraction ?? 1 / 3)) : 0;
      if (method !== 'scratch') {
        model.loadStateDict(pretrainedState);
        nn.utils.replaceHead(model, new nn.Linear(128, 5));
        if (unfreezeAt > 0) {
          model.freeze();
          model.getSubmodule('head').unfreeze();
        }
        opt = new optim.Adam(nn.utils.layerwiseLrGroups(model, { lr: opts.headLr ?? 1e-2, decay: 0.3 }), { lr: 1e-3 });
      } else {
        opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
      }
      model.train();
      // Both arms draw the same batches and the same augmentation.
      const order = new PhiloxStream(seed + 4), augmentation = new PhiloxStream(seed + 5);
      const curve: TransferRow['curve'] = [];
      let trainMs = 0, trainCpu = 0;
      let epochOrder: Int32Array = new Int32Array(0), pos = 0;
      for (let step = 1; step <= steps; step++) {
        if (method === 'transfer' && unfreezeAt > 0 && step === unfreezeAt + 1) model.unfreeze();
        if (pos + batch > epochOrder.length) {
          epochOrder = data.randomSplit(new data.TensorDataset(y), [n], { generator: order })[0].indices;
          pos = 0;
        }
        const idx = epochOrder.subarray(pos, pos + batch);
        pos += batch;
        const started = performance.now(), startedCpu = cpuSeconds();
        tidy(() => {
          const xb = take(x, idx);
          const input = augment
            ? data.randomAffine(xb, 10, { translate: [0.1, 0.1], scale: [0.9, 1.1], interpolation: 'bilinear', generator: augmentation })
            : xb;
          opt.zeroGrad();
          crossEntropy(model.call(input), take(y, idx)).backward();
          opt.step();
        });
        trainMs += performance.now() - started;
        trainCpu += cpuSeconds() - startedCpu;
        if (step % evalEvery === 0 || step === steps) curve.push({ step, seconds: trainMs / 1000, cpuSeconds: trainCpu, accuracy: accuracy(model, testX, testY) });
      }
      const tail = curve.slice(-3);
      const final = tail.reduce((acc, p) => acc + p.accuracy, 0) / tail.length;
      byMethod[method] = {
        fraction, images: n, method, finalAccuracy: final, trainSeconds: trainMs / 1000, trainCpuSeconds: trainCpu,
        secondsToScratchFinal: null, cpuSecondsToScratchFinal: null, stepsToScratchFinal: null, curve,
      };
      log(`${percent(fraction)} (${n} images) ${method}: ${(100 * final).toFixed(1)}% (mean of the last 3 evaluations) after ${steps} steps, ${(trainMs / 1000).toFixed(1)} s (${trainCpu.toFixed(1)} s CPU)`);
    }
    const target = byMethod.scratch.finalAccuracy;
    for (const r of [byMethod.scratch, byMethod.transfer, byMethod.finetune]) {
      const reached = r.curve.find((p) => p.accuracy >= target);
      r.secondsToScratchFinal = reached?.seconds ?? null;
      r.cpuSecondsToScratchFinal = reached?.cpuSeconds ?? null;
      r.stepsToScratchFinal = reached?.step ?? null;
      rows.push(r);
    }
  }
  return { sourceName, pretrainSeconds, sourceAccuracy, rows };
}

const pct = (a: number): string => `${(100 * a).toFixed(1)}%`;

/**
 * The result as Markdown: per fraction and method, final accuracy, training time, and the steps,
 * time and share of scratch's time needed to reach scratch's final accuracy; then the gap.
 * @example `console.log(transferTable(runTransferExample({ fractions: [0.01] })))`
 */
export function transferTable(r: TransferResult): string {
  const lines = [
    '| target data | method | final accuracy | training time (CPU) | to scratch\'s final: steps | time (CPU) | share of scratch\'s time |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of r.rows) {
    const scratch = r.rows.find((s) => s.fraction === row.fraction && s.method === 'scratch')!;
    const reach = row.secondsToScratchFinal === null ? 'not reached | not reached | -'
      : `${row.stepsToScratchFinal} | ${row.secondsToScratchFinal.toFixed(1)} s (${row.cpuSecondsToScratchFinal!.toFixed(1)} s) | `
        + `${(row.secondsToScratchFinal / scratch.secondsToScratchFinal!).toFixed(2)} (CPU ${(row.cpuSecondsToScratchFinal! / scratch.cpuSecondsToScratchFinal!).toFixed(2)})`;
    lines.push(`| ${percent(row.fraction)} (${row.images} images) | ${row.method} | ${pct(row.finalAccuracy)} | ${row.trainSeconds.toFixed(1)} s (${row.trainCpuSeconds.toFixed(1)} s) | ${reach} |`);
  }
  return lines.join('\n');
}

/**
 * Accuracy against training steps and time for each fraction, both arms side by side.
 * @example `console.log(transferCurves(result))`
 */
export function transferCurves(r: TransferResult): string {
  const out: string[] = [];
  for (const fraction of [...new Set(r.rows.map((row) => row.fraction))]) {
    const arms = r.rows.filter((row) => row.fraction === fraction);
    const scratch = arms.find((row) => row.method === 'scratch')!;
    out.push(`\n${percent(fraction)} (${scratch.images} images): accuracy by step (training seconds)`,
      `| step | ${arms.map((a) => a.method).join(' | ')} |`, `| --- |${' --- |'.repeat(arms.length)}`);
    scratch.curve.forEach((p, i) => out.push(`| ${p.step} | ${arms.map((a) => `${pct(a.curve[i].accuracy)} (${a.curve[i].seconds.toFixed(1)} s)`).join(' | ')} |`));
    for (const a of arms.filter((row) => row.method !== 'scratch')) {
      out.push(`${a.method} - scratch at the end: ${((a.finalAccuracy - scratch.finalAccuracy) * 100).toFixed(1)} points`);
    }
  }
  return out.join('\n');
}

function main(): void {
  const record = startRecord('transfer');
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: string): string => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
  const r = runTransferExample({
    pretrainEpochs: Number(arg('pretrain-epochs', '1')), steps: Number(arg('steps', '150')), seed: Number(arg('seed', '0')),
    fractions: arg('fractions', '0.001,0.01,0.1').split(',').map(Number), augment: !args.includes('--no-augment'),
    swap: args.includes('--swap'), headLr: Number(arg('head-lr', '0.01')), freezeFraction: Number(arg('freeze-fraction', String(1 / 3))), pretrainedPath: args.includes('--pretrained') ? arg('pretrained', '') : undefined, log: console.log,
  });
  const paid = r.pretrainSeconds === null ? 'weights loaded' : `${r.pretrainSeconds.toFixed(1)} s`;
  console.log(`\npretraining (${r.sourceName}, paid once): ${paid}, ${(100 * r.sourceAccuracy).toFixed(1)}% on its own test classes\n`);
  const table = transferTable(r);
  console.log(table);
  console.log(transferCurves(r));
  record.save(r, `Pretraining (${r.sourceName}): ${paid}, ${(100 * r.sourceAccuracy).toFixed(1)}% on its own test classes.\n\n${table}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
