// The CTC blank stall and its fix. Early in CTC training a model learns that the blank is the most
// common frame label and, for a while, emits nothing but blanks: the greedy output is empty and the
// loss sits on a plateau. train.CtcBlankMonitor records the blank-emission rate and the greedy output
// length each step and warns after `patience` steps of blanks only. The fix shown: nn.CtcHead's
// blankBias, which starts the blank logit at its prior (here +3: p(blank) ≈ 0.7 at the start with 9
// classes), so training moves straight on to the labels. A negative bias (−3) is the third arm.
//
// The task is examples/ctc-sequences.ts's (symbol strings stretched over noisy frames, alphabet 8 +
// blank); the model a unidirectional LSTM (32 units) + CtcHead, Adam lr 0.02, batches of 32.
//
// Run: LATTICE_NUM_THREADS=1 npx tsx examples/ctc-blank-stall.ts [--steps 150] [--seeds 3] [--out runs/ctc-blank-stall]
// Writes <out>/report.html and bench/results/figures/ctc-blank-stall.json (the README's figures).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ctcLoss, manualSeed, nn, optim, tidy, train, type Tensor } from '../src/index';
import { CtcTask } from './ctc-sequences';
import { startRecord } from '../bench/lib/record';

export interface StallArm {
  name: string;
  blankBias?: number;
}

export const STALL_ARMS: readonly StallArm[] = [
  { name: 'default init' }, { name: 'blankBias +3 (prior)', blankBias: 3 }, { name: 'blankBias -3', blankBias: -3 },
];

export interface StallRunResult {
  arm: string;
  seed: number;
  records: train.CtcBlankRecord[];
  /** Steps (after the first) at which every frame was a blank. */
  blankOnlySteps: number;
  /** The first step whose mean greedy output length is at least 1 (−1 if none). */
  firstOutputStep: number;
  warned: boolean;
  seconds: number;
}

class Tagger extends nn.Module {
  readonly rnn: nn.LSTM;
  readonly head: nn.CtcHead;

  constructor(features: number, hidden: number, classes: number, blankBias?: number) {
    super();
    this.rnn = new nn.LSTM(features, hidden);
    this.head = new nn.CtcHead(hidden, classes, { blank: 0, blankBias });
  }

  forward(x: Tensor): Tensor {
    return this.head.call(this.rnn.call(x)[0]);
  }
}

/**
 * Trains one arm with one seed, monitoring the blank rate every step.
 * @example `const r = runStallArm(STALL_ARMS[0], 0, 150); r.blankOnlySteps`
 */
export function runStallArm(arm: StallArm, seed: number, steps: number, patience = 25): StallRunResult {
  const started = performance.now();
  manualSeed(seed);
  const task = new CtcTask(seed);
  const model = new Tagger(task.features, 32, task.alphabet + 1, arm.blankBias);
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.02 });
  const monitor = new train.CtcBlankMonitor({ blank: 0, patience });
  for (let step = 0; step < steps; step++) {
    const samples = Array.from({ length: 32 }, () => task.sample());
    tidy(() => {
      optimizer.zeroGrad();
      const { x, inputLengths, targets, targetLengths } = task.batch(samples);
      const logProbs = model.call(x);
      const loss = ctcLoss(logProbs, targets, inputLengths, targetLengths, { blank: 0 });
      monitor.update(logProbs, inputLengths, { step, loss: loss.item() });
      loss.backward();
      optimizer.step();
    });
  }
  const records = monitor.records;
  return {
    arm: arm.name, seed, records,
    blankOnlySteps: records.filter((r) => r.step > 0 && r.blankRate === 1).length,
    firstOutputStep: records.find((r) => r.meanOutputLength >= 1 && r.step > 0)?.step ?? -1,
    warned: monitor.warnings.length > 0,
    seconds: (performance.now() - started) / 1000,
  };
}

function meanLoss(r: StallRunResult, from: number, to: number): number {
  const rs = r.records.filter((x) => x.step >= from && x.step < to);
  return rs.reduce((s, x) => s + (x.loss ?? 0), 0) / Math.max(1, rs.length);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: string): string => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
  const steps = Number(arg('steps', '150')), seeds = Number(arg('seeds', '3')), out = arg('out', 'runs/ctc-blank-stall');
  const record = startRecord('ctc-blank-stall');
  const started = performance.now();
  const results: StallRunResult[] = [];
  for (const arm of STALL_ARMS) {
    for (let seed = 0; seed < seeds; seed++) {
      const r = runStallArm(arm, seed, steps);
      results.push(r);
      console.log(`${arm.name.padEnd(22)} seed ${seed}: blank-only steps ${r.blankOnlySteps}, first output at step ${r.firstOutputStep}, warning ${r.warned ? 'yes' : 'no'}, loss@50 ${meanLoss(r, 45, 55).toFixed(3)} (${r.seconds.toFixed(1)} s)`);
    }
  }
  const table = ['| arm | blank-only steps (per seed) | first non-empty output (step) | monitor warned | loss, steps 45-55 | loss, steps 95-105 | loss, last 10 |', '| --- | --- | --- | --- | --- | --- | --- |'];
  for (const arm of STALL_ARMS) {
    const rs = results.filter((r) => r.arm === arm.name);
    const mean = (f: (r: StallRunResult) => number): string => (rs.reduce((s, r) => s + f(r), 0) / rs.length).toFixed(3);
    table.push(`| ${arm.name} | ${rs.map((r) => r.blankOnlySteps).join(', ')} | ${rs.map((r) => r.firstOutputStep).join(', ')} | ${rs.filter((r) => r.warned).length}/${rs.length} | ${mean((r) => meanLoss(r, 45, 55))} | ${mean((r) => meanLoss(r, 95, 105))} | ${mean((r) => meanLoss(r, steps - 10, steps))} |`);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`\n${table.join('\n')}\n\n${steps} steps per run, total ${seconds.toFixed(0)} s`);
  mkdirSync(out, { recursive: true });
  const seed0 = results.filter((r) => r.seed === 0);
  const series = (field: 'loss' | 'blankRate' | 'meanOutputLength') => seed0.flatMap((r) => r.records.map((x) => ({ step: x.step, value: x[field], arm: r.arm })));
  const chart = (field: 'loss' | 'blankRate' | 'meanOutputLength', title: string, log = false): [string, Record<string, unknown>] => [title, {
    width: 520, height: 220, data: { values: series(field) }, mark: { type: 'line', strokeWidth: 1.2 },
    encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'value', type: 'quantitative', title, scale: log ? { type: 'log' } : {} }, color: { field: 'arm', type: 'nominal' } },
  }];
  await train.writeReport(join(out, 'report.html'), {
    title: 'The CTC blank stall and the blank-bias fix', steps: [], epochs: [],
    facts: [['steps', String(steps)], ['seeds', String(seeds)], ['time', `${seconds.toFixed(0)} s`]],
    notes: [['Summary', table.join('\n')]],
    extraCharts: [chart('loss', 'CTC loss (seed 0)', true), chart('blankRate', 'blank-emission rate (seed 0)'), chart('meanOutputLength', 'greedy output length (seed 0)')],
  });
  console.log(`report: ${join(out, 'report.html')}`);
  const figures = results.map((r) => ({ arm: r.arm, seed: r.seed, blankOnlySteps: r.blankOnlySteps, firstOutputStep: r.firstOutputStep, warned: r.warned, loss45to55: meanLoss(r, 45, 55), seconds: r.seconds }));
  record.save({ steps, seeds, results: figures }, `${steps} steps per run, ${seeds} seeds per arm.\n\n${table.join('\n')}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
