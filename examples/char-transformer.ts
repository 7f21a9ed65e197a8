// A small character-level Transformer beside an LSTM on the same text and budget: next-character
// loss on held-out lines.
//
// The text is generated (seeded): lines "<word> <word> | <the same words reversed>" from a
// 12-letter alphabet, so the second half of a line is predictable only by looking back up to
// 20 characters to its first half: the long-range recall that self-attention does in one step
// and a recurrent state must carry. Both models embed characters in 64 dimensions and are trained
// with Adam (lr 3e-3) for the same number of steps on the same batches of 32 windows of 48
// characters: the Transformer is 2 pre-norm nn.TransformerEncoderLayers (4 heads, causal mask,
// sinusoidal positions), the LSTM one nn.LSTM layer of 128. Reported: the mean cross-entropy per
// character (nats) on 64 held-out windows, over all characters and over the second halves.
//
// Run: LATTICE_NUM_THREADS=1 npx tsx examples/char-transformer.ts [--steps 1000] [--seed 0]
import { pathToFileURL } from 'node:url';
import { PhiloxStream, crossEntropy, manualSeed, nn, noGrad, optim, tensor, tidy, type Tensor } from '../src/index';
import { startRecord } from '../bench/lib/record';

const ALPHABET = 'abcdefghijkl';
const VOCAB = [...ALPHABET, ' ', '|', '\n'];
const WINDOW = 48, BATCH = 32, DIM = 64;

/** Seeded lines of 2-3 words (2-4 letters each), a bar, then the same words reversed letter by letter. */
function makeText(lines: number, gen: PhiloxStream): string {
  const u = gen.uniform(lines * 16, 'float64');
  let k = 0;
  const pick = (n: number): number => Math.floor(u[k++] * n);
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    k = i * 16;
    const words = Array.from({ length: 2 + pick(2) }, () => Array.from({ length: 2 + pick(3) }, () => ALPHABET[pick(ALPHABET.length)]).join(''));
    const first = words.join(' ');
    out.push(`${first} | ${[...first].reverse().join('')}`);
  }
  return `${out.join('\n')}\n`;
}

interface CharModel extends nn.Module<[Tensor], Tensor> { readonly label: string }

/** Embedding → 2 causal pre-norm encoder layers → final LayerNorm → logits. */
class TinyTransformer extends nn.Module<[Tensor], Tensor> implements CharModel {
  readonly label = 'Transformer (2 layers, 4 heads)';
  embed = new nn.Embedding(VOCAB.length, DIM);
  pos = new nn.PositionalEncoding(DIM, { maxLen: WINDOW, dropout: 0, batchFirst: true });
  encoder = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(DIM, 4, { dimFeedforward: 128, dropout: 0, normFirst: true, batchFirst: true }), 2, { norm: new nn.LayerNorm(DIM) });
  out = new nn.Linear(DIM, VOCAB.length);
  forward(idx: Tensor): Tensor {
    return this.out.call(this.encoder.call(this.pos.call(this.embed.call(idx)), { isCausal: true }));
  }
}

/** Embedding → one LSTM layer of 128 → logits. */
class TinyLstm extends nn.Module<[Tensor], Tensor> implements CharModel {
  readonly label = 'LSTM (1 layer, 128 units)';
  embed = new nn.Embedding(VOCAB.length, DIM);
  lstm = new nn.LSTM(DIM, 128, { batchFirst: true });
  out = new nn.Linear(128, VOCAB.length);
  forward(idx: Tensor): Tensor {
    return this.out.call(this.lstm.call(this.embed.call(idx))[0]);
  }
}

/** Windows of WINDOW + 1 characters starting at the given offsets, as inputs and next-character targets. */
function batchAt(codes: Int32Array, starts: number[]): { x: Tensor; y: Tensor } {
  const x = new Int32Array(starts.length * WINDOW), y = new Int32Array(starts.length * WINDOW);
  starts.forEach((s, b) => {
    x.set(codes.subarray(s, s + WINDOW), b * WINDOW);
    y.set(codes.subarray(s + 1, s + WINDOW + 1), b * WINDOW);
  });
  return { x: tensor(x).reshape([starts.length, WINDOW]), y: tensor(y).reshape([starts.length, WINDOW]) };
}

/** Mean loss per character over all positions, and over the positions after a '|' on the same line. */
function heldOutLoss(model: CharModel, codes: Int32Array, starts: number[]): { all: number; secondHalf: number } {
  const bar = VOCAB.indexOf('|'), nl = VOCAB.indexOf('\n');
  model.eval();
  const r = tidy(() => noGrad(() => {
    const { x, y } = batchAt(codes, starts);
    const logp = (model.call(x) as Tensor).logSoftmax(-1).values;
    const target = y.values as Int32Array, input = x.values as Int32Array;
    let all = 0, second = 0, secondCount = 0;
    for (let b = 0; b < starts.length; b++) {
      let afterBar = false;
      for (let t = 0; t < WINDOW; t++) {
        const i = b * WINDOW + t;
        if (input[i] === bar) afterBar = true;
        if (input[i] === nl) afterBar = false;
        const nll = -logp[i * VOCAB.length + target[i]];
        all += nll;
        if (afterBar) { second += nll; secondCount++; }
      }
    }
    return { all: all / (starts.length * WINDOW), secondHalf: second / Math.max(1, secondCount) };
  }));
  model.train();
  return r;
}

export interface CharExampleRow { model: string; parameters: number; all: number; secondHalf: number; seconds: number }

/**
 * Trains both models on the same batches and returns their held-out losses.
 * @example `const rows = runCharExample({ steps: 100 })`
 */
export function runCharExample(opts: { steps?: number; seed?: number; log?: (line: string) => void } = {}): CharExampleRow[] {
  const steps = opts.steps ?? 1000, seed = opts.seed ?? 0, log = opts.log ?? (() => {});
  const text = makeText(4000, new PhiloxStream(seed));
  const codes = Int32Array.from(text, (ch) => VOCAB.indexOf(ch));
  const split = Math.floor(codes.length * 0.9);
  const pickStarts = (gen: PhiloxStream, n: number, lo: number, hi: number): number[] => Array.from(gen.uniform(n, 'float64'), (u) => lo + Math.floor(u * (hi - lo - WINDOW - 1)));
  const heldOut = pickStarts(new PhiloxStream(seed + 1), 64, split, codes.length);
  const rows: CharExampleRow[] = [];
  for (const make of [() => new TinyLstm(), () => new TinyTransformer()]) {
    manualSeed(seed + 2);
    const model = make();
    const opt = new optim.Adam(model.parameters(), { lr: 3e-3 });
    const batches = new PhiloxStream(seed + 3);
    const started = performance.now();
    for (let step = 1; step <= steps; step++) {
      tidy(() => {
        const { x, y } = batchAt(codes, pickStarts(batches, BATCH, 0, split));
        opt.zeroGrad();
        const logits = model.call(x);
        crossEntropy(logits.reshape([-1, VOCAB.length]), y.reshape([-1])).backward();
        opt.step();
      });
      if (step % 100 === 0) log(`${model.label} step ${step}: held-out ${heldOutLoss(model, codes, heldOut).all.toFixed(3)} nats/char`);
    }
    const seconds = (performance.now() - started) / 1000;
    rows.push({ model: model.label, parameters: model.numParameters(), ...heldOutLoss(model, codes, heldOut), seconds });
  }
  return rows;
}

function main(): void {
  const record = startRecord('char-transformer');
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: string): string => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
  const steps = Number(arg('steps', '1000'));
  const rows = runCharExample({ steps, seed: Number(arg('seed', '0')), log: console.log });
  const table = ['| model | parameters | held-out loss (nats/char) | second halves only | training time |', '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.model} | ${r.parameters} | ${r.all.toFixed(3)} | ${r.secondHalf.toFixed(3)} | ${r.seconds.toFixed(1)} s |`)].join('\n');
  console.log(`\n${table}`);
  record.save({ steps, rows }, `${steps} Adam steps each, the same batches.\n\n${table}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
