/** `lattice diagnose --model NAME`: diagnose() on one batch of Fashion-MNIST, as a table and a chart. */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { manualSeed } from '../backend/philox';
import { loadFashionMnist } from '../data/fashion-mnist';
import { ArgumentError } from '../errors';
import { crossEntropy } from '../losses/index';
import type { Module } from '../nn/module';
import { diagnose, type Diagnosis } from '../train/diagnose';
import { renderSvg } from '../train/report';
import { buildModel, MODEL_NAMES } from './models';
import { buildDeepModel, VARIANTS, type Variant } from './showcase';
import { checkOutDir, checkPositiveInt, makeOutDir } from './validate';

export const DIAGNOSE_MODELS = [...MODEL_NAMES, ...Object.keys(VARIANTS).map((v) => `deep-${v}`)];

function modelFor(name: string): Module {
  const deep = /^deep-([a-f])$/.exec(name);
  if (deep) return buildDeepModel(deep[1] as Variant);
  if ((MODEL_NAMES as readonly string[]).includes(name)) return buildModel(name);
  throw new ArgumentError(`lattice diagnose: unknown model '${name}' (choose ${DIAGNOSE_MODELS.join(', ')})`);
}

/** A bar chart of per-layer weight-gradient norms (log scale). */
export function diagnosisChart(d: Diagnosis): Record<string, unknown> {
  return {
    width: 560, height: 240,
    data: { values: d.layers.map((l) => ({ layer: l.index, name: l.name, gradNorm: Math.max(l.gradNorm, 1e-30) })) },
    mark: 'bar',
    encoding: {
      x: { field: 'layer', type: 'ordinal', title: 'weight layer (input side first)', axis: { labelOverlap: true } },
      y: { field: 'gradNorm', type: 'quantitative', scale: { type: 'log' }, title: 'weight-gradient norm (log)' },
      tooltip: [{ field: 'name' }, { field: 'gradNorm' }],
    },
  };
}

export async function diagnoseCommand(opts: { model: string; seed?: number; batchSize?: number; out?: string }, log: (l: string) => void = (l) => console.log(l)): Promise<Diagnosis> {
  const n = opts.batchSize ?? 128;
  checkPositiveInt('lattice diagnose', '--batch-size', n);
  const dir = resolve(opts.out ?? join('runs', `diagnose-${opts.model}`));
  checkOutDir('lattice diagnose', '--out', dir);
  manualSeed(opts.seed ?? 0);
  const model = modelFor(opts.model);
  const { train } = loadFashionMnist();
  if (n > train.labels.size) throw new ArgumentError(`lattice diagnose: --batch-size ${n} is more than the ${train.labels.size} training images`);
  const batch: [typeof train.images, typeof train.labels] = [train.images.narrow(0, 0, n), train.labels.narrow(0, 0, n)];
  const d = diagnose(model, batch, (o, y) => crossEntropy(o, y));
  log(`diagnose ${opts.model} on ${n} Fashion-MNIST images`);
  log(d.toString());
  makeOutDir('lattice diagnose', '--out', dir);
  writeFileSync(join(dir, 'gradients.svg'), await renderSvg(diagnosisChart(d)));
  log(`chart: ${join(dir, 'gradients.svg')}`);
  return d;
}
