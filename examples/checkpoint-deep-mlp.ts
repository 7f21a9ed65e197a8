// Activation checkpointing on Fashion-MNIST: a deep residual MLP trained with train.fit twice from
// the same initialisation and data, once plainly and once with nn.utils.checkpointSequential in its
// forward, which keeps only the activations between segments and recomputes the rest in backward.
// The model: Linear(784, 256), then 24 residual blocks (LayerNorm, Linear 256 -> 1024, GELU,
// Dropout 0.1, Linear 1024 -> 256), then LayerNorm and Linear(256, 10); AdamW, batch 128. Both runs
// print the same losses and accuracy to the last digit (dropout draws the same masks in the
// recompute); the checkpointed one holds a fraction of the activation memory between forward and
// backward (memory(), live tensor bytes) and takes longer per epoch (one more forward).
//
// Run: npx tsx examples/checkpoint-deep-mlp.ts [--epochs 2] [--segments 6] [--train-samples 60000] [--blocks 24]
import { pathToFileURL } from 'node:url';
import { crossEntropy, data, manualSeed, memory, nn, optim, tidy, train, type Tensor } from '../src/index';

export interface CheckpointExampleOptions {
  epochs?: number;
  /** Segments of checkpointSequential over the residual blocks (default 6). */
  segments?: number;
  /** Residual blocks (default 24). */
  blocks?: number;
  /** Training images used, from the start of the training set (default all 60,000). */
  trainSamples?: number;
  /** Test images used (default all 10,000). */
  testSamples?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface CheckpointRunResult {
  /** Mean training loss per epoch. */
  losses: number[];
  testLoss: number;
  testAccuracy: number;
  /** Live tensor bytes (memory()) added by one training batch's forward, before its backward. */
  heldBytes: number;
  seconds: number;
}

export interface CheckpointExampleResult { plain: CheckpointRunResult; checkpointed: CheckpointRunResult }

/** The residual MLP; `segments` > 0 runs its blocks through checkpointSequential. */
class DeepMlp extends nn.Module {
  readonly stem = new nn.Linear(784, 256);
  readonly blocks: nn.Sequential;
  readonly head = new nn.Sequential(new nn.LayerNorm(256), new nn.Linear(256, 10));
  segments = 0;

  constructor(blocks: number) {
    super();
    const list: nn.TensorModule[] = [];
    for (let i = 0; i < blocks; i++) {
      list.push(new nn.Residual(new nn.Sequential(new nn.LayerNorm(256), new nn.Linear(256, 1024), new nn.GELU(), new nn.Dropout(0.1), new nn.Linear(1024, 256))));
    }
    this.blocks = new nn.Sequential(...list);
  }

  forward(x: Tensor): Tensor {
    const h = this.stem.call(x.reshape([x.shape[0], 784]));
    const deep = this.segments > 0 ? nn.utils.checkpointSequential(this.blocks, this.segments, h) : this.blocks.call(h);
    return this.head.call(deep);
  }
}

/**
 * Trains the plain and the checkpointed model and returns their losses, test scores, held memory and times.
 * @example `const r = await runCheckpointExample({ epochs: 1, trainSamples: 2048 }); r.checkpointed.heldBytes / r.plain.heldBytes`
 */
export async function runCheckpointExample(opts: CheckpointExampleOptions = {}): Promise<CheckpointExampleResult> {
  const epochs = opts.epochs ?? 2, segments = opts.segments ?? 6, blocks = opts.blocks ?? 24, seed = opts.seed ?? 0;
  const log = opts.log ?? (() => {});
  const fm = data.loadFashionMnist();
  const nTrain = Math.min(opts.trainSamples ?? 60000, fm.train.images.shape[0]);
  const nTest = Math.min(opts.testSamples ?? 10000, fm.test.images.shape[0]);
  const batch = 128;
  const batches = (images: Tensor, labels: Tensor, n: number): [Tensor, Tensor][] => {
    const out: [Tensor, Tensor][] = [];
    for (let i = 0; i + batch <= n; i += batch) out.push([images.narrow(0, i, batch), labels.narrow(0, i, batch)]);
    return out;
  };
  const trainData = batches(fm.train.images, fm.train.labels, nTrain);
  const testData = batches(fm.test.images, fm.test.labels, nTest);

  const run = async (name: string, useSegments: number): Promise<CheckpointRunResult> => {
    manualSeed(seed);
    const model = new DeepMlp(blocks);
    model.segments = useSegments;
    // The activation memory of one batch, measured outside training.
    let heldBytes = 0;
    tidy(() => {
      const before = memory().numBytes;
      const loss = crossEntropy(model.call(trainData[0][0]), trainData[0][1]);
      heldBytes = memory().numBytes - before;
      loss.backward();
      model.zeroGrad({ setToNone: true });
    });
    manualSeed(seed + 1);
    const started = performance.now();
    const history = await train.fit(model, {
      optimizer: new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 }), loss: crossEntropy, trainData, epochs,
    });
    const seconds = (performance.now() - started) / 1000;
    const test = await train.evaluate(model, testData, crossEntropy);
    const losses = history.epochs.map((e) => e.loss);
    log(`${name}: train loss ${losses.map((l) => l.toFixed(6)).join(', ')}; test loss ${test.loss.toFixed(6)}, accuracy ${(100 * test.accuracy!).toFixed(2)}%; `
      + `${(heldBytes / 2 ** 20).toFixed(2)} MiB held before backward; ${seconds.toFixed(1)} s`);
    return { losses, testLoss: test.loss, testAccuracy: test.accuracy!, heldBytes, seconds };
  };
  const plain = await run('plain', 0);
  const checkpointed = await run(`checkpointSequential(blocks, ${segments})`, segments);
  return { plain, checkpointed };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: number): number => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const r = await runCheckpointExample({
    epochs: arg('epochs', 2), segments: arg('segments', 6), blocks: arg('blocks', 24), trainSamples: arg('train-samples', 60000), log: console.log,
  });
  const same = r.plain.losses.every((l, i) => l === r.checkpointed.losses[i]) && r.plain.testAccuracy === r.checkpointed.testAccuracy;
  console.log(`identical losses and accuracy: ${same}; activation memory ${(100 * r.checkpointed.heldBytes / r.plain.heldBytes).toFixed(0)}% of plain; `
    + `time ${(r.checkpointed.seconds / r.plain.seconds).toFixed(2)}x`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
