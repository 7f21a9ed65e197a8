// Telling which way a Fashion-MNIST item moves in a short clip: a 3-D CNN (Conv3d over time, height and
// width) against a 2-D CNN of the same widths that sees the frames averaged over time. Each clip has
// `frames` frames (default 8) of a `canvas`² canvas (default 32): one item (a test or training image
// halved to 14x14 by 2x2 averaging) starts at a random offset and moves left, right, up or down (the
// 4 classes) at 1 or 2 px per frame, staying on the canvas. The 3-D model is (Conv3d 3³ → BatchNorm3d →
// ReLU → MaxPool3d 2) twice, AdaptiveAvgPool3d(1), Linear; the 2-D baseline is the same with the 2-D
// layers, fed the clip averaged over time: a clip and its time reversal have the same average (and the
// reversal of a "right" clip is a "left" clip of the same probability), so the baseline can tell a
// horizontal from a vertical motion by the blur but not its sign, and 50% is the best it can do. Both
// train on the same clips in the same order with Adam; the test accuracy of both after each epoch (and
// how often each gets the axis right), the seconds per epoch and the 3-D model's confusion matrix are reported.
//
// Run: LATTICE_NUM_THREADS=2 npx tsx examples/conv3d-motion.ts [--epochs 6] [--seed 0] [--train-clips 4096] [--test-clips 2048] [--frames 8] [--canvas 32] [--lr 1e-3] [--record conv3d-motion]
// Writes bench/results/figures/<record>.json (the README's figures).
import { pathToFileURL } from 'node:url';
import {
  ArgumentError, PhiloxStream, Tensor, crossEntropy, data, manualSeed, nn, noGrad, optim, tensor, tidy,
} from '../src/index';
import { startRecord } from '../bench/lib/record';

/** The class names, by label. */
export const DIRECTIONS = ['left', 'right', 'up', 'down'] as const;
/** Per direction label: the step (dx, dy) per px of speed; y grows downwards. */
const STEPS: readonly [number, number][] = [[-1, 0], [1, 0], [0, -1], [0, 1]];
/** The side of the moving item: a 28x28 image averaged over 2x2 blocks. */
const ITEM = 14;
/** Speeds are whole px per frame in [1, MAX_SPEED]. */
const MAX_SPEED = 2;

export interface Conv3dMotionOptions {
  epochs?: number;
  seed?: number;
  /** Clips made from the training images (default 4,096) and from the test images (default 2,048). */
  trainClips?: number;
  testClips?: number;
  /** Frames per clip (default 8) and the canvas side in px (default 32; at least 14 + 2·(frames − 1)). */
  frames?: number;
  canvas?: number;
  /** Channels of the two convolution blocks (default [8, 16]), the same in both models. */
  channels?: [number, number];
  /** Adam's learning rate (default 1e-3) and the batch size (default 64). */
  lr?: number;
  batch?: number;
  log?: (line: string) => void;
}

/** One model after one epoch. */
export interface EpochFigures {
  /** Mean training loss over the epoch. */
  trainLoss: number;
  /** Test accuracy (fraction) after the epoch. */
  testAccuracy: number;
  /** Fraction of test clips whose predicted direction is on the true axis (horizontal or vertical), right sign or not. */
  axisAccuracy: number;
  /** Seconds of the epoch's training steps (scoring not included). */
  seconds: number;
}

export interface Conv3dMotionResult {
  /** Per epoch, for the 3-D model and the 2-D baseline. */
  history: { conv3d: EpochFigures; conv2d: EpochFigures }[];
  /** Final test accuracy of each model. */
  conv3dAccuracy: number;
  conv2dAccuracy: number;
  /** The 3-D model's test confusion matrix: confusion[true][predicted], counts, classes in DIRECTIONS order. */
  confusion: number[][];
  /** Parameter counts. */
  parameters: { conv3d: number; conv2d: number };
  seconds: number;
}

/** Clips [n, 1, frames, canvas, canvas] in [0, 1] and their direction labels [n]. */
export interface MotionClips { clips: Tensor; labels: Tensor }

/** An item: the image `index` of images [N, 1, 28, 28] averaged over 2x2 blocks, row-major [14·14]. */
function halvedItem(pixels: Float32Array, index: number): Float32Array {
  const item = new Float32Array(ITEM * ITEM), base = index * 28 * 28;
  for (let y = 0; y < ITEM; y++) {
    for (let x = 0; x < ITEM; x++) {
      const at = base + 2 * y * 28 + 2 * x;
      item[y * ITEM + x] = (pixels[at] + pixels[at + 1] + pixels[at + 28] + pixels[at + 29]) / 4;
    }
  }
  return item;
}

/**
 * `count` clips from random images of `images` [N, 1, 28, 28]: per clip a random item, direction
 * (the label), speed (1 or 2 px per frame) and start, drawn from `stream` so a seed fixes them.
 * The start is uniform over the positions that keep the item on the canvas for the whole clip;
 * the coordinate across the motion is uniform over the canvas too.
 * @example `const { clips, labels } = makeMotionClips(data.loadFashionMnist().test.images, 64, 8, 32, new PhiloxStream(0))`
 */
export function makeMotionClips(images: Tensor, count: number, frames: number, canvas: number, stream: PhiloxStream): MotionClips {
  const room = canvas - ITEM;   // the largest offset of the item's top-left corner
  if (!Number.isInteger(frames) || frames < 2) throw new ArgumentError(`makeMotionClips: frames must be an integer >= 2, got ${frames}`);
  if (!Number.isInteger(canvas) || room < MAX_SPEED * (frames - 1)) {
    throw new ArgumentError(`makeMotionClips: canvas ${canvas} is too small for a ${ITEM} px item moving ${MAX_SPEED} px per frame over ${frames} frames (need at least ${ITEM + MAX_SPEED * (frames - 1)})`);
  }
  if (images.ndim !== 4 || images.shape[1] !== 1 || images.shape[2] !== 28 || images.shape[3] !== 28) {
    throw new ArgumentError(`makeMotionClips: images must be [N, 1, 28, 28], got ${images.describe()}`);
  }
  const pixels = images.values as Float32Array;
  const frameSize = canvas * canvas, clipSize = frames * frameSize;
  const clips = new Float32Array(count * clipSize), labels = new Int32Array(count);
  const pick = (low: number, high: number): number => stream.randint(1, low, high + 1)[0];   // uniform on [low, high]
  for (let i = 0; i < count; i++) {
    const item = halvedItem(pixels, pick(0, images.shape[0] - 1));
    const direction = pick(0, 3), speed = pick(1, MAX_SPEED);
    const [dx, dy] = STEPS[direction];
    const travel = speed * (frames - 1);
    // Along the motion the start leaves room for the travel; a left move starts where a right one ends.
    const startAlong = (step: number): number => (step > 0 ? pick(0, room - travel) : step < 0 ? pick(travel, room) : pick(0, room));
    const x0 = startAlong(dx), y0 = startAlong(dy);
    for (let t = 0; t < frames; t++) {
      const x = x0 + dx * speed * t, y = y0 + dy * speed * t;
      const frame = i * clipSize + t * frameSize;
      for (let r = 0; r < ITEM; r++) clips.set(item.subarray(r * ITEM, (r + 1) * ITEM), frame + (y + r) * canvas + x);
    }
    labels[i] = direction;
  }
  return { clips: Tensor.fromData(clips, [count, 1, frames, canvas, canvas], 'float32'), labels: Tensor.fromData(labels, [count], 'int32') };
}

/**
 * The model of either kind, layer for layer the same but for its dimensions: (conv 3 → BatchNorm →
 * ReLU → max-pool 2) twice, global average pool, linear to 4 logits. dims 3 takes clips
 * [N, 1, T, H, W]; dims 2 takes one image [N, 1, H, W] (the baseline's time average).
 * @example `const model = makeMotionModel(3, [8, 16]); model.call(clips)  // [N, 4]`
 */
export function makeMotionModel(dims: 2 | 3, channels: [number, number]): nn.Sequential {
  const [c1, c2] = channels;
  const block = (inChannels: number, outChannels: number): nn.Module[] => (dims === 3
    ? [new nn.Conv3d(inChannels, outChannels, 3, { padding: 1 }), new nn.BatchNorm3d(outChannels), new nn.ReLU(), new nn.MaxPool3d(2)]
    : [new nn.Conv2d(inChannels, outChannels, 3, { padding: 1 }), new nn.BatchNorm2d(outChannels), new nn.ReLU(), new nn.MaxPool2d(2)]);
  return new nn.Sequential(...block(1, c1), ...block(c1, c2),
    dims === 3 ? new nn.AdaptiveAvgPool3d(1) : new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(c2, DIRECTIONS.length));
}

/** Test predictions of `model` on x, in eval mode, in chunks of 256. */
function predict(model: nn.Module, x: Tensor): Int32Array {
  model.eval();
  const n = x.shape[0], out = new Int32Array(n);
  for (let at = 0; at < n; at += 256) {
    tidy(() => noGrad(() => {
      const len = Math.min(256, n - at);
      out.set(model.call(x.narrow(0, at, len)).argmax(1).values as Int32Array, at);
    }));
  }
  return out;
}

const accuracyOf = (pred: Int32Array, truth: Int32Array): number => pred.reduce((n, p, i) => n + (p === truth[i] ? 1 : 0), 0) / pred.length;
/** Labels 0, 1 are horizontal and 2, 3 vertical: the axis is label >> 1. */
const axisAccuracyOf = (pred: Int32Array, truth: Int32Array): number => pred.reduce((n, p, i) => n + ((p >> 1) === (truth[i] >> 1) ? 1 : 0), 0) / pred.length;

/**
 * Builds the clips, trains the 3-D model and the 2-D baseline on them (same clips, same order) and
 * scores both on the test clips after each epoch.
 * @example `const r = runConv3dMotionExample({ epochs: 4 }); r.conv3dAccuracy - r.conv2dAccuracy`
 */
export function runConv3dMotionExample(opts: Conv3dMotionOptions = {}): Conv3dMotionResult {
  const started = performance.now();
  const epochs = opts.epochs ?? 6, seed = opts.seed ?? 0, frames = opts.frames ?? 8, canvas = opts.canvas ?? 32;
  const channels = opts.channels ?? [8, 16], lr = opts.lr ?? 1e-3, batch = opts.batch ?? 64;
  const log = opts.log ?? (() => {});
  const fm = data.loadFashionMnist();
  const clipStream = new PhiloxStream(seed + 2);
  const trainSet = makeMotionClips(fm.train.images, opts.trainClips ?? 4096, frames, canvas, clipStream);
  const testSet = makeMotionClips(fm.test.images, opts.testClips ?? 2048, frames, canvas, clipStream);
  // The baseline's view of a clip: its frames averaged, [N, 1, canvas, canvas].
  const meanFrames = (clips: Tensor): Tensor => noGrad(() => clips.mean(2));
  const inputs = {
    conv3d: { train: trainSet.clips, test: testSet.clips },
    conv2d: { train: meanFrames(trainSet.clips), test: meanFrames(testSet.clips) },
  };
  manualSeed(seed);
  const models = { conv3d: makeMotionModel(3, channels), conv2d: makeMotionModel(2, channels) };
  const optimizers = { conv3d: new optim.Adam(models.conv3d.parameters(), { lr }), conv2d: new optim.Adam(models.conv2d.parameters(), { lr }) };
  const nTrain = trainSet.labels.shape[0], steps = Math.floor(nTrain / batch);
  const testLabels = testSet.labels.values as Int32Array;
  const order = new PhiloxStream(seed + 1);
  const history: Conv3dMotionResult['history'] = [];
  const predictions: Record<'conv3d' | 'conv2d', Int32Array> = { conv3d: new Int32Array(0), conv2d: new Int32Array(0) };
  for (let epoch = 0; epoch < epochs; epoch++) {
    const perm = data.randomSplit(new data.TensorDataset(trainSet.labels), [nTrain], { generator: order })[0].indices;
    const figures = {} as { conv3d: EpochFigures; conv2d: EpochFigures };
    for (const kind of ['conv3d', 'conv2d'] as const) {
      const model = models[kind], opt = optimizers[kind], x = inputs[kind].train;
      const t0 = performance.now();
      model.train();
      let lossSum = 0;
      for (let b = 0; b < steps; b++) {
        lossSum += tidy(() => {
          const idx = tensor(perm.subarray(b * batch, (b + 1) * batch));
          opt.zeroGrad();
          const loss = crossEntropy(model.call(x.indexSelect(0, idx)), trainSet.labels.indexSelect(0, idx));
          loss.backward();
          opt.step();
          return loss.item();
        });
      }
      const seconds = (performance.now() - t0) / 1000;
      predictions[kind] = predict(model, inputs[kind].test);
      const pred = predictions[kind];
      figures[kind] = { trainLoss: lossSum / steps, testAccuracy: accuracyOf(pred, testLabels), axisAccuracy: axisAccuracyOf(pred, testLabels), seconds };
    }
    history.push(figures);
    const line = (f: EpochFigures): string => `test accuracy ${(100 * f.testAccuracy).toFixed(1)}%, axis ${(100 * f.axisAccuracy).toFixed(1)}% (train loss ${f.trainLoss.toFixed(3)}, ${f.seconds.toFixed(1)} s)`;
    log(`epoch ${epoch + 1}/${epochs}: 3-D ${line(figures.conv3d)}; 2-D on the time average ${line(figures.conv2d)}`);
  }
  const confusion = DIRECTIONS.map(() => DIRECTIONS.map(() => 0));
  predictions.conv3d.forEach((p, i) => { confusion[testLabels[i]][p]++; });
  const last = history[history.length - 1];
  return {
    history, confusion,
    conv3dAccuracy: last?.conv3d.testAccuracy ?? NaN, conv2dAccuracy: last?.conv2d.testAccuracy ?? NaN,
    parameters: { conv3d: models.conv3d.numParameters(), conv2d: models.conv2d.numParameters() },
    seconds: (performance.now() - started) / 1000,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: string): string => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
  const record = startRecord(arg('record', 'conv3d-motion'));
  const epochs = Number(arg('epochs', '6')), seed = Number(arg('seed', '0')), lr = Number(arg('lr', '1e-3'));
  const trainClips = Number(arg('train-clips', '4096')), testClips = Number(arg('test-clips', '2048'));
  const frames = Number(arg('frames', '8')), canvas = Number(arg('canvas', '32'));
  const r = runConv3dMotionExample({ epochs, seed, trainClips, testClips, frames, canvas, lr, log: console.log });
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const table = [
    '| epoch | 3-D CNN test accuracy | 2-D CNN (time average) test accuracy | 2-D CNN: right axis | 3-D s/epoch | 2-D s/epoch |',
    '| --- | --- | --- | --- | --- | --- |',
    ...r.history.map((h, i) => `| ${i + 1} | ${pct(h.conv3d.testAccuracy)} | ${pct(h.conv2d.testAccuracy)} | ${pct(h.conv2d.axisAccuracy)} | `
      + `${h.conv3d.seconds.toFixed(1)} | ${h.conv2d.seconds.toFixed(1)} |`),
  ].join('\n');
  const confusion = [
    `| true \\ predicted (3-D CNN) | ${DIRECTIONS.join(' | ')} |`, `| --- |${' --- |'.repeat(DIRECTIONS.length)}`,
    ...r.confusion.map((row, i) => `| ${DIRECTIONS[i]} | ${row.join(' | ')} |`),
  ].join('\n');
  console.log(`\n${table}\n\n${confusion}\n(${r.seconds.toFixed(0)} s)`);
  record.save({ epochs, seed, trainClips, testClips, frames, canvas, lr, ...r }, [
    `${trainClips.toLocaleString('en-US')} training clips, ${testClips.toLocaleString('en-US')} test clips (${frames} frames of ${canvas}x${canvas}, a 14x14 Fashion-MNIST item moving 1 or 2 px per frame), `
      + `${epochs} epochs, Adam lr ${lr}, batch 64, seed ${seed}; ${r.parameters.conv3d.toLocaleString('en-US')} parameters (3-D) and ${r.parameters.conv2d.toLocaleString('en-US')} (2-D). `
      + 'The 2-D model sees the mean of the frames, which is the same for a clip and its time reversal: it can find the axis of the motion (horizontal or vertical: the "right axis" column) but not its sign, so 50% is its ceiling. Seconds per epoch are the training steps only.',
    '',
    table,
    '',
    confusion,
  ].join('\n'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
