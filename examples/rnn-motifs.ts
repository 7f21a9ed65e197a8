// Network motifs of a trained recurrent network: which 3-unit wiring patterns does training
// create in the recurrent weights, compared with random graphs of the same degrees?
//
// The task needs memory: a stream of random symbols (alphabet 4, one-hot, length 20) and, at every
// step t >= delay, the target is the symbol seen `delay` steps earlier (delayed recall, delay 3).
// Two models with 48 hidden units: an Elman RNN (h_t = tanh(W_ih x_t + W_hh h_{t-1} + b), written
// here with PyTorch's nn.RNN parameter names) and an LSTM (nn.LSTM; its [4H, H] recurrent matrix is
// combined over the gates by the L2 norm). The graph: the top 10% of |W_hh| (edge j → i for
// W_hh[i, j]). Motif z-scores: each of the 13 connected triads against 100 degree-preserving
// randomisations, before and after training.
//
// Run: LATTICE_NUM_THREADS=1 npx tsx examples/rnn-motifs.ts [--steps 400] [--hidden 48] [--seed 0]
// Writes bench/results/figures/rnn-motifs.json (the README's figures).
import { pathToFileURL } from 'node:url';
import {
  PhiloxStream, cat, crossEntropy, manualSeed, motifs, nn, noGrad, optim, tensor, tidy, zeros, type Tensor,
} from '../src/index';
import { startRecord } from '../bench/lib/record';

/** The Elman RNN (PyTorch's nn.RNN with tanh), one layer: [T, N, I] → [T, N, H]. */
export class ElmanRNN extends nn.Module {
  readonly weight_ih_l0: nn.Parameter;
  readonly weight_hh_l0: nn.Parameter;
  readonly bias_hh_l0: nn.Parameter;
  readonly hiddenSize: number;

  constructor(inputSize: number, hiddenSize: number) {
    super();
    this.hiddenSize = hiddenSize;
    const bound = 1 / Math.sqrt(hiddenSize);
    const param = (shape: number[]): nn.Parameter => {
      const p = new nn.Parameter(zeros(shape));
      nn.init.uniform(p, { a: -bound, b: bound });
      return p;
    };
    this.weight_ih_l0 = param([hiddenSize, inputSize]);
    this.weight_hh_l0 = param([hiddenSize, hiddenSize]);
    this.bias_hh_l0 = param([hiddenSize]);
  }

  forward(x: Tensor): Tensor {
    const [T, N] = x.shape;
    const inputs = x.matmul(this.weight_ih_l0.t()).add(this.bias_hh_l0);
    let h = zeros([N, this.hiddenSize]);
    const outs: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      h = inputs.narrow(0, t, 1).reshape([N, this.hiddenSize]).add(h.matmul(this.weight_hh_l0.t())).tanh();
      outs.push(h.unsqueeze(0));
    }
    return cat(outs, 0);
  }
}

/** Recurrent layer + per-step readout: [T, N, K] → logits [T, N, K]. */
class Recall extends nn.Module {
  constructor(readonly rnn: ElmanRNN | nn.LSTM, readonly head: nn.Linear) {
    super();
  }

  forward(x: Tensor): Tensor {
    const h = this.rnn instanceof nn.LSTM ? this.rnn.call(x)[0] : this.rnn.call(x);
    return this.head.call(h);
  }
}

export interface MotifExampleOptions {
  steps?: number;
  hidden?: number;
  seed?: number;
  delay?: number;
  randomisations?: number;
  log?: (line: string) => void;
}

export interface MotifRunResult {
  model: 'Elman RNN' | 'LSTM';
  /** Recall accuracy on fresh sequences (steps t >= delay). */
  accuracyBefore: number;
  accuracyAfter: number;
  before: motifs.MotifStatistic[];
  after: motifs.MotifStatistic[];
  mutualBefore: number;
  mutualAfter: number;
  seconds: number;
}

const ALPHABET = 4, LENGTH = 20;

/** A batch of the delayed-recall task: one-hot inputs [T, N, K] and targets [T·N] (−1 before the delay is not used). */
function recallBatch(rng: PhiloxStream, n: number, delay: number): { x: Tensor; symbols: Int32Array } {
  const symbols = rng.randint(LENGTH * n, 0, ALPHABET);
  const x = new Float32Array(LENGTH * n * ALPHABET);
  for (let i = 0; i < LENGTH * n; i++) x[i * ALPHABET + symbols[i]] = 1;
  return { x: tensor(x).reshape([LENGTH, n, ALPHABET]), symbols };
}

function recallLossAndAccuracy(model: Recall, x: Tensor, symbols: Int32Array, n: number, delay: number): { loss: Tensor; accuracy: number } {
  const logits = model.call(x).narrow(0, delay, LENGTH - delay).reshape([-1, ALPHABET]);
  const target = tensor(symbols.slice(0, (LENGTH - delay) * n), { dtype: 'int32' });
  const loss = crossEntropy(logits, target);
  const predicted = noGrad(() => logits.argmax(1)).values;
  let right = 0;
  for (let i = 0; i < target.size; i++) if (predicted[i] === target.values[i]) right++;
  return { loss, accuracy: right / target.size };
}

function recurrentWeight(model: Recall): Tensor {
  return model.rnn.getParameter('weight_hh_l0')!;
}

/**
 * Trains one model on delayed recall and scores its recurrent-weight motifs before and after.
 * @example `const r = runMotifExample('LSTM', { steps: 400 }); r.after.find((s) => s.motif === '030T')!.z`
 */
export function runMotifExample(kind: 'Elman RNN' | 'LSTM', opts: MotifExampleOptions = {}): MotifRunResult {
  const started = performance.now();
  const steps = opts.steps ?? 400, hidden = opts.hidden ?? 48, seed = opts.seed ?? 0, delay = opts.delay ?? 3;
  const randomisations = opts.randomisations ?? 100;
  manualSeed(seed);
  const rnn = kind === 'LSTM' ? new nn.LSTM(ALPHABET, hidden) : new ElmanRNN(ALPHABET, hidden);
  const model = new Recall(rnn, new nn.Linear(hidden, ALPHABET));
  const rng = new PhiloxStream(seed + 100);
  const evalBatch = recallBatch(new PhiloxStream(seed + 999), 256, delay);
  const accuracy = (): number => tidy(() => noGrad(() => recallLossAndAccuracy(model, evalBatch.x, evalBatch.symbols, 256, delay).accuracy));
  const census = (): motifs.MotifStatistic[] => motifs.motifZScores(motifs.weightGraph(recurrentWeight(model), { topFraction: 0.1 }), { randomisations, seed });
  const mutual = (): number => motifs.dyadCensus(motifs.weightGraph(recurrentWeight(model), { topFraction: 0.1 })).mutual;
  const accuracyBefore = accuracy(), before = census(), mutualBefore = mutual();
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.01 });
  for (let step = 1; step <= steps; step++) {
    const loss = tidy(() => {
      const { x, symbols } = recallBatch(rng, 64, delay);
      optimizer.zeroGrad();
      const { loss: l } = recallLossAndAccuracy(model, x, symbols, 64, delay);
      l.backward();
      optimizer.step();
      return l.item();
    });
    if (step % 100 === 0) opts.log?.(`${kind} step ${step}: loss ${loss.toFixed(4)}`);
  }
  return { model: kind, accuracyBefore, accuracyAfter: accuracy(), before, after: census(), mutualBefore, mutualAfter: mutual(), seconds: (performance.now() - started) / 1000 };
}

/** The Markdown table of one model's motif z-scores before and after training. */
export function motifTable(r: MotifRunResult): string {
  const fmt = (z: number): string => (Number.isFinite(z) ? z.toFixed(1) : String(z));
  const rows = r.before.map((b, i) => {
    const a = r.after[i];
    return `| ${b.motif} | ${motifs.TRIAD_DESCRIPTIONS[b.motif]} | ${b.count} | ${fmt(b.z)} | ${a.count} | ${fmt(a.z)} |`;
  });
  return [`${r.model}: recall accuracy ${(100 * r.accuracyBefore).toFixed(1)}% → ${(100 * r.accuracyAfter).toFixed(1)}%, reciprocal pairs ${r.mutualBefore} → ${r.mutualAfter}`,
    '| motif | pattern | count before | z before | count after | z after |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

function main(): void {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: string): string => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
  const opts = { steps: Number(arg('steps', '400')), hidden: Number(arg('hidden', '48')), seed: Number(arg('seed', '0')), log: console.log };
  const record = startRecord('rnn-motifs');
  const started = performance.now();
  const results: MotifRunResult[] = [];
  for (const kind of ['Elman RNN', 'LSTM'] as const) {
    const r = runMotifExample(kind, opts);
    results.push(r);
    console.log(`\n${motifTable(r)}\n(${r.seconds.toFixed(1)} s)\n`);
  }
  console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
  // The README's summary: the most over- or under-represented motif of each model (the full tables print above).
  const largest = (stats: motifs.MotifStatistic[]): string => {
    const finite = stats.filter((s) => Number.isFinite(s.z));
    if (!finite.length) return '—';
    const top = finite.reduce((a, b) => (Math.abs(b.z) > Math.abs(a.z) ? b : a));
    return `${top.z.toFixed(1)} (${top.motif})`;
  };
  record.save({ ...opts, log: undefined, results }, [
    `${opts.steps} training steps, ${opts.hidden} hidden units, 13 triads each against 100 degree-preserving randomisations.`,
    '',
    '| model | recall accuracy, before → after | reciprocal pairs, before → after | largest \\|z\\| before (motif) | largest \\|z\\| after (motif) |',
    '| --- | --- | --- | --- | --- |',
    ...results.map((r) => `| ${r.model} | ${(100 * r.accuracyBefore).toFixed(1)}% → ${(100 * r.accuracyAfter).toFixed(1)}% | ${r.mutualBefore} → ${r.mutualAfter} | ${largest(r.before)} | ${largest(r.after)} |`),
  ].join('\n'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
