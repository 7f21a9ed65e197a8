// Sequence transcription with CTC: a bidirectional LSTM learns to read symbol strings
// out of noisy frame sequences, without ever being told which frame holds which symbol.
//
// The synthetic task (seeded, so every run is the same): a label string of 3-6 symbols
// over an alphabet of 8 becomes a sequence of frames. Each symbol is "stretched" over 2-4
// frames of a one-hot-like feature vector (its own channel at a random amplitude, plus
// Gaussian noise on every channel); gaps of noise-only frames appear between symbols at
// random, always between two equal symbols (otherwise "a a" could not be told from a
// long "a"), and before and after the string. The model (BiLSTM + Linear + logSoftmax)
// is trained with ctcLoss, Adam and clipGradNorm, and decoded greedily and by prefix
// beam search; the score is the character error rate (edit distance / reference length)
// on held-out sequences.
//
// Run: npx tsx examples/ctc-sequences.ts [--steps 400] [--seed 0] [--lr 0.02] [--hidden 48] [--batch 32] [--noise 0.25]
import { pathToFileURL } from 'node:url';
import {
  PhiloxStream, clipGradNorm, ctcBeamSearch, ctcGreedyDecode, ctcLoss, manualSeed, nn, noGrad, optim, tensor, tidy,
  type Tensor,
} from '../src/index';

export interface CtcTaskOptions {
  /** Symbols in the alphabet (labels 1..alphabet; 0 is the CTC blank). Default 8. */
  alphabet?: number;
  /** Shortest and longest label string. Default [3, 6]. */
  lengths?: [number, number];
  /** Frames per symbol, fewest and most. Default [2, 4]. */
  stretch?: [number, number];
  /** Standard deviation of the Gaussian noise on every feature. Default 0.25. */
  noise?: number;
}

/** One example: frames [T, features] (row-major) and its label string. */
export interface CtcSample {
  frames: Float32Array;
  length: number;
  labels: number[];
}

/** Draws labelled frame sequences from a Philox stream (so a seed gives the same data everywhere). */
export class CtcTask {
  readonly alphabet: number;
  readonly features: number;
  private readonly lengths: [number, number];
  private readonly stretch: [number, number];
  private readonly noise: number;
  private readonly rng: PhiloxStream;
  private buffer: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private at = 0;

  constructor(seed: number, opts: CtcTaskOptions = {}) {
    this.alphabet = opts.alphabet ?? 8;
    this.features = this.alphabet;
    this.lengths = opts.lengths ?? [3, 6];
    this.stretch = opts.stretch ?? [2, 4];
    this.noise = opts.noise ?? 0.25;
    this.rng = new PhiloxStream(seed);
  }

  /** A uniform number in [0, 1), drawn in blocks. */
  private uniform(): number {
    if (this.at === this.buffer.length) {
      this.buffer = this.rng.uniform(4096, 'float64') as Float64Array;
      this.at = 0;
    }
    return this.buffer[this.at++];
  }

  /** An integer in [lo, hi]. */
  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.uniform() * (hi - lo + 1));
  }

  /** A standard normal number (Box-Muller). */
  private gauss(): number {
    const u = 1 - this.uniform(), v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** One labelled sequence. */
  sample(): CtcSample {
    const n = this.int(this.lengths[0], this.lengths[1]);
    const labels = Array.from({ length: n }, () => this.int(1, this.alphabet));
    // Frame plan: the symbol index per frame, or 0 for a gap.
    const plan: number[] = [];
    const gaps = (k: number): void => { for (let i = 0; i < k; i++) plan.push(0); };
    gaps(this.int(0, 2));
    labels.forEach((label, i) => {
      if (i > 0) gaps(label === labels[i - 1] ? this.int(1, 2) : (this.uniform() < 0.4 ? this.int(1, 2) : 0));
      const frames = this.int(this.stretch[0], this.stretch[1]);
      for (let k = 0; k < frames; k++) plan.push(label);
    });
    gaps(this.int(0, 2));
    const F = this.features;
    const frames = new Float32Array(plan.length * F);
    let amplitude = 1;
    plan.forEach((label, t) => {
      if (label !== 0 && (t === 0 || plan[t - 1] !== label)) amplitude = 0.8 + 0.4 * this.uniform();
      for (let f = 0; f < F; f++) frames[t * F + f] = this.noise * this.gauss();
      if (label !== 0) frames[t * F + label - 1] += amplitude;
    });
    return { frames, length: plan.length, labels };
  }

  /** The frames of samples padded with noise-only frames to the longest: [T, N, features], and the lengths. */
  batch(samples: CtcSample[]): { x: Tensor; inputLengths: number[]; targets: Tensor; targetLengths: number[] } {
    const T = Math.max(...samples.map((s) => s.length)), N = samples.length, F = this.features;
    const data = new Float32Array(T * N * F);
    samples.forEach((s, n) => {
      for (let t = 0; t < T; t++) {
        for (let f = 0; f < F; f++) data[(t * N + n) * F + f] = t < s.length ? s.frames[t * F + f] : this.noise * this.gauss();
      }
    });
    const S = Math.max(...samples.map((s) => s.labels.length));
    const targets = new Int32Array(N * S);
    samples.forEach((s, n) => targets.set(s.labels, n * S));
    return {
      x: tensor(data).reshape([T, N, F]),
      inputLengths: samples.map((s) => s.length),
      targets: tensor(targets, { dtype: 'int32' }).reshape([N, S]),
      targetLengths: samples.map((s) => s.labels.length),
    };
  }
}

/** Levenshtein distance between two label strings. */
export function editDistance(a: readonly number[], b: readonly number[]): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length];
}

/** Character error rate: total edit distance over total reference length. */
export function characterErrorRate(hypotheses: number[][], references: number[][]): number {
  let errors = 0, total = 0;
  references.forEach((ref, i) => { errors += editDistance(hypotheses[i], ref); total += ref.length; });
  return errors / total;
}

/** BiLSTM → Linear → logSoftmax over the alphabet plus the blank: [T, N, F] → [T, N, C] log-probabilities. */
export class Transcriber extends nn.Module {
  readonly rnn: nn.LSTM;
  readonly head: nn.Linear;

  constructor(features: number, hidden: number, classes: number) {
    super();
    this.rnn = new nn.LSTM(features, hidden, { bidirectional: true });
    this.head = new nn.Linear(2 * hidden, classes);
  }

  forward(x: Tensor): Tensor {
    const [h] = this.rnn.call(x);
    return this.head.call(h).logSoftmax(2);
  }
}

export interface CtcExampleOptions {
  /** Optimizer steps (default 400). */
  steps?: number;
  /** Seed for the data and the weights (default 0). */
  seed?: number;
  /** LSTM hidden size per direction (default 48). */
  hidden?: number;
  /** Sequences per step (default 32). */
  batchSize?: number;
  /** Training sequences (default 3000) and held-out ones (default 300). */
  trainSize?: number;
  testSize?: number;
  /** Adam learning rate (default 0.02). */
  lr?: number;
  /** Gradient clipping norm (default 5). */
  maxGradNorm?: number;
  /** Beam width for the beam-search decoder (default 8). */
  beamWidth?: number;
  /** The task's shape and noise (defaults of CtcTask). */
  task?: CtcTaskOptions;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface CtcExampleResult {
  /** Greedy CER of the untrained model on the held-out set. */
  untrainedCer: number;
  greedyCer: number;
  beamCer: number;
  /** Mean CTC loss (per target symbol) over the last 50 steps. */
  finalLoss: number;
  seconds: number;
}

/** Greedy and beam-search CER of the model on held-out samples. */
function evaluate(task: CtcTask, model: Transcriber, samples: CtcSample[], beamWidth: number, withBeam: boolean): { greedy: number; beam: number } {
  model.eval();
  const greedy: number[][] = [], beam: number[][] = [];
  for (let i = 0; i < samples.length; i += 100) {
    const chunk = samples.slice(i, i + 100);
    tidy(() => noGrad(() => {
      const { x, inputLengths } = task.batch(chunk);
      const logProbs = model.call(x);
      greedy.push(...ctcGreedyDecode(logProbs, inputLengths));
      if (withBeam) beam.push(...ctcBeamSearch(logProbs, { beamWidth, inputLengths, topK: 1 }).map((h) => h[0].tokens));
    }));
  }
  model.train();
  const refs = samples.map((s) => s.labels);
  return { greedy: characterErrorRate(greedy, refs), beam: withBeam ? characterErrorRate(beam, refs) : NaN };
}

/**
 * Trains the transcriber on the synthetic task and reports held-out CER.
 * @example `const { greedyCer, beamCer } = runCtcExample({ steps: 400, seed: 0 })`
 */
export function runCtcExample(opts: CtcExampleOptions = {}): CtcExampleResult {
  const started = performance.now();
  const steps = opts.steps ?? 400, seed = opts.seed ?? 0, batchSize = opts.batchSize ?? 32;
  const beamWidth = opts.beamWidth ?? 8, maxGradNorm = opts.maxGradNorm ?? 5;
  const log = opts.log ?? (() => {});
  manualSeed(seed);
  const task = new CtcTask(seed, opts.task);
  const train = Array.from({ length: opts.trainSize ?? 3000 }, () => task.sample());
  const test = Array.from({ length: opts.testSize ?? 300 }, () => task.sample());
  const model = new Transcriber(task.features, opts.hidden ?? 48, task.alphabet + 1);
  const optimizer = new optim.Adam(model.parameters(), { lr: opts.lr ?? 0.02 });
  // Cosine decay to lr/20 over the run: fast progress early, fine alignment late.
  const schedule = new optim.CosineAnnealingLR(optimizer, { tMax: steps, etaMin: (opts.lr ?? 0.02) / 20 });
  const untrainedCer = evaluate(task, model, test, beamWidth, false).greedy;
  log(`${train.length} training and ${test.length} held-out sequences; untrained greedy CER ${(100 * untrainedCer).toFixed(1)}%`);

  // Shuffled passes over the training set, from the data seed.
  const order = Array.from({ length: train.length }, (_, i) => i);
  const shuffler = new PhiloxStream(seed + 1);
  const shuffle = (): void => {
    const u = shuffler.uniform(order.length, 'float64');
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(u[i] * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
  };
  shuffle();
  let cursor = 0;
  const recent: number[] = [];
  for (let step = 1; step <= steps; step++) {
    if (cursor + batchSize > order.length) { shuffle(); cursor = 0; }
    const samples = order.slice(cursor, cursor + batchSize).map((i) => train[i]);
    cursor += batchSize;
    const loss = tidy(() => {
      model.zeroGrad();
      const { x, inputLengths, targets, targetLengths } = task.batch(samples);
      const l = ctcLoss(model.call(x), targets, inputLengths, targetLengths, { blank: 0 });
      l.backward();
      clipGradNorm(model.parameters(), maxGradNorm);
      optimizer.step();
      return l.item();
    });
    schedule.step();
    recent.push(loss);
    if (recent.length > 50) recent.shift();
    if (step % 100 === 0 || step === steps) log(`step ${step}: loss ${(recent.reduce((a, b) => a + b, 0) / recent.length).toFixed(4)}`);
  }
  model.zeroGrad();
  const { greedy, beam } = evaluate(task, model, test, beamWidth, true);
  const seconds = (performance.now() - started) / 1000;
  log(`held-out CER: greedy ${(100 * greedy).toFixed(2)}%, beam search (width ${beamWidth}) ${(100 * beam).toFixed(2)}% (${seconds.toFixed(1)} s)`);
  return { untrainedCer, greedyCer: greedy, beamCer: beam, finalLoss: recent.reduce((a, b) => a + b, 0) / recent.length, seconds };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const arg = (name: string, fallback: string): string => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : fallback; };
  runCtcExample({
    steps: Number(arg('--steps', '400')), seed: Number(arg('--seed', '0')), lr: Number(arg('--lr', '0.02')),
    hidden: Number(arg('--hidden', '48')), batchSize: Number(arg('--batch', '32')),
    task: { noise: Number(arg('--noise', '0.25')) }, log: (line) => console.log(line),
  });
}
