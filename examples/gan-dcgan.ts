// A small DCGAN on Fashion-MNIST, plain vs stabilised, scored by an "FMNIST-FID".
//
// FMNIST-FID is the Fréchet distance between Gaussians fitted to features of real test images and
// of generated images, where the features are the 256-d penultimate activations of the library's own
// Fashion-MNIST classifier (the `lattice train --model mlp` network, trained here first for a few
// epochs). It is NOT the FID of the literature (Inception-v3 features on natural images) and its
// values are not comparable with published FIDs; lower is better, and it is 0 for identical statistics.
//
// Generator: z (32) → Linear → 64×7×7 → BN, ReLU → ConvTranspose 4/2 → 32×14×14 → BN, ReLU →
// ConvTranspose 4/2 → 1×28×28 → sigmoid. Discriminator: Conv 4/2 (32) → LeakyReLU → Conv 4/2 (64) →
// LeakyReLU → Linear → 1. Variants:
//   plain       non-saturating loss, Adam 2e-4 for both (betas 0.5/0.999)
//   stabilised  spectral norm on every discriminator layer, TTUR (D 4e-4, G 2e-4), generator EMA 0.99
//               (with G at 1e-4 it scored 103 here: too slow for a 400-step budget)
// Both: batch 64, the same number of steps; FMNIST-FID on 2,000 samples vs 2,000 test images.
// Run: LATTICE_NUM_THREADS=1 npx tsx examples/gan-dcgan.ts [--steps 400] [--classifier-epochs 2] [--variants plain,stabilised] [--seed 0] [--out runs/gan-dcgan]
// Writes bench/results/figures/gan-dcgan.json (the README's figures) besides the sample grids.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildModel } from '../src/cli/models';
import {
  PhiloxStream, crossEntropy, data, gan, manualSeed, nn, noGrad, optim, randn, tensor, tidy, type Tensor,
} from '../src/index';
import { startRecord } from '../bench/lib/record';

export type DcganVariant = 'plain' | 'stabilised';

function generator(latent: number): nn.Module {
  return new nn.Sequential(
    new nn.Linear(latent, 64 * 7 * 7), new nn.Unflatten(1, [64, 7, 7]), new nn.BatchNorm2d(64), new nn.ReLU(),
    new nn.ConvTranspose2d(64, 32, 4, { stride: 2, padding: 1 }), new nn.BatchNorm2d(32), new nn.ReLU(),
    new nn.ConvTranspose2d(32, 1, 4, { stride: 2, padding: 1 }), new nn.Sigmoid(),
  );
}

function discriminator(sn: boolean): nn.Module {
  const wrap = <M extends nn.Module>(m: M): M => (sn ? nn.utils.spectralNorm(m) : m);
  return new nn.Sequential(
    wrap(new nn.Conv2d(1, 32, 4, { stride: 2, padding: 1 })), new nn.LeakyReLU(0.2),
    wrap(new nn.Conv2d(32, 64, 4, { stride: 2, padding: 1 })), new nn.LeakyReLU(0.2),
    new nn.Flatten(), wrap(new nn.Linear(64 * 7 * 7, 1)),
  );
}

/** Trains the `lattice train --model mlp` classifier on Fashion-MNIST; returns it (eval mode) and its test accuracy. */
export function trainFeatureClassifier(images: Tensor, labels: Tensor, test: { images: Tensor; labels: Tensor }, epochs: number, seed: number): { model: nn.Sequential; accuracy: number } {
  manualSeed(seed);
  const model = buildModel('mlp') as nn.Sequential;
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const n = images.shape[0], batch = 128;
  const shuffler = new PhiloxStream(seed + 7);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = data.randomSplit(new data.TensorDataset(labels), [n], { generator: shuffler })[0].indices;
    for (let at = 0; at + batch <= n; at += batch) {
      tidy(() => {
        const idx = tensor(order.subarray(at, at + batch));
        optimizer.zeroGrad();
        crossEntropy(model.call(images.indexSelect(0, idx)), labels.indexSelect(0, idx)).backward();
        optimizer.step();
      });
    }
  }
  model.eval();
  let right = 0;
  for (let i = 0; i < test.images.shape[0]; i += 1000) {
    tidy(() => noGrad(() => {
      const pred = model.call(test.images.narrow(0, i, 1000)).argmax(1).values;
      for (let k = 0; k < pred.length; k++) if (pred[k] === test.labels.values[i + k]) right++;
    }));
  }
  return { model, accuracy: right / test.images.shape[0] };
}

/** The classifier's 256-d penultimate features (the output of the second ReLU block, before dropout and the last Linear). */
export function penultimateFeatures(classifier: nn.Sequential, images: Tensor): Tensor {
  const layers = classifier.children();
  // mlp(): Flatten, Linear, BN, ReLU, Dropout, Linear, BN, ReLU, Dropout, Linear: stop after the second ReLU.
  const body = layers.slice(0, 8);
  const rows: Float32Array[] = [];
  for (let i = 0; i < images.shape[0]; i += 500) {
    tidy(() => noGrad(() => {
      let h = images.narrow(0, i, Math.min(500, images.shape[0] - i));
      for (const m of body) h = m.call(h);
      rows.push(Float32Array.from(h.values));
    }));
  }
  const out = new Float32Array(rows.reduce((s, r) => s + r.length, 0));
  let at = 0;
  for (const r of rows) { out.set(r, at); at += r.length; }
  return tensor(out).reshape([images.shape[0], 256]);
}

export interface DcganResult {
  variant: DcganVariant;
  fmnistFid: number;
  seconds: number;
  monitor: gan.GanMonitor;
  /** 64 samples [64, 28, 28] in [0, 1], row-major. */
  samples: Float32Array;
}

/**
 * Trains one variant and scores it.
 * @example `const r = runDcgan('stabilised', images, classifier, realStats, 600, 0)`
 */
export function runDcgan(variant: DcganVariant, images: Tensor, classifier: nn.Sequential, real: gan.FeatureStatistics, steps: number, seed: number): DcganResult {
  const started = performance.now();
  manualSeed(seed);
  const latent = 32;
  const G = generator(latent), D = discriminator(variant === 'stabilised');
  const stab = variant === 'stabilised';
  const gOptimizer = new optim.Adam(G.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
  const dOptimizer = new optim.Adam(D.parameters(), { lr: stab ? 4e-4 : 2e-4, betas: [0.5, 0.999] });
  const picker = new PhiloxStream(seed + 11);
  const monitor = new gan.GanMonitor({ every: 10 });
  const trainer = new gan.GanTrainer({
    generator: G, discriminator: D, gOptimizer, dOptimizer, batchSize: 64, loss: 'nonSaturating', monitor,
    emaDecay: stab ? 0.99 : undefined,
    sampleReal: (n) => images.indexSelect(0, tensor(picker.randint(n, 0, images.shape[0]))),
    sampleLatent: (n) => randn([n, latent]),
  });
  trainer.fit(steps);
  G.eval();
  const generated = trainer.withEmaGenerator(() => {
    const parts: Float32Array[] = [];
    for (let i = 0; i < 2000; i += 500) tidy(() => noGrad(() => { parts.push(Float32Array.from(G.call(randn([500, latent])).values)); }));
    const all = new Float32Array(2000 * 784);
    parts.forEach((p, i) => all.set(p, i * 500 * 784));
    return tensor(all).reshape([2000, 1, 28, 28]);
  });
  const fmnistFid = gan.frechetDistance(real, gan.featureStatistics(penultimateFeatures(classifier, generated)));
  return { variant, fmnistFid, seconds: (performance.now() - started) / 1000, monitor, samples: Float32Array.from(generated.values.subarray(0, 64 * 784)) };
}

/** An 8×8 grid of 28×28 samples as a binary PGM image. */
function sampleGridPgm(samples: Float32Array): Buffer {
  const side = 8 * 28;
  const pixels = Buffer.alloc(side * side);
  for (let k = 0; k < 64; k++) {
    const r0 = Math.floor(k / 8) * 28, c0 = (k % 8) * 28;
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) pixels[(r0 + y) * side + c0 + x] = Math.round(255 * Math.min(1, Math.max(0, samples[k * 784 + y * 28 + x])));
  }
  return Buffer.concat([Buffer.from(`P5\n${side} ${side}\n255\n`), pixels]);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: string): string => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
  const steps = Number(arg('steps', '400')), seed = Number(arg('seed', '0')), out = arg('out', 'runs/gan-dcgan');
  const record = startRecord('gan-dcgan');
  const started = performance.now();
  const fm = data.loadFashionMnist();
  const classifier = trainFeatureClassifier(fm.train.images, fm.train.labels, fm.test, Number(arg('classifier-epochs', '2')), seed);
  console.log(`feature classifier (mlp) test accuracy ${(100 * classifier.accuracy).toFixed(2)}% (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  const testImages = fm.test.images.narrow(0, 0, 2000);
  const real = gan.featureStatistics(penultimateFeatures(classifier.model, testImages));
  // The floor: FMNIST-FID between two disjoint sets of real images (test 0-1999 vs train 0-1999).
  const floor = gan.frechetDistance(real, gan.featureStatistics(penultimateFeatures(classifier.model, fm.train.images.narrow(0, 0, 2000))));
  console.log(`FMNIST-FID of real train images vs real test images (the floor): ${floor.toFixed(2)}`);
  mkdirSync(out, { recursive: true });
  const rows: string[] = [];
  const variants: { variant: DcganVariant; fmnistFid: number; warnings: number; seconds: number }[] = [];
  for (const variant of arg('variants', 'plain,stabilised').split(',') as DcganVariant[]) {
    const r = runDcgan(variant, fm.train.images, classifier.model, real, steps, seed);
    writeFileSync(join(out, `samples-${variant}.pgm`), sampleGridPgm(r.samples));
    rows.push(`| ${variant} | ${r.fmnistFid.toFixed(2)} | ${r.monitor.warnings.length} | ${r.seconds.toFixed(0)} |`);
    variants.push({ variant, fmnistFid: r.fmnistFid, warnings: r.monitor.warnings.length, seconds: r.seconds });
    console.log(`${variant}: FMNIST-FID ${r.fmnistFid.toFixed(2)} (${r.seconds.toFixed(0)} s)\n${r.monitor.summary()}`);
  }
  const table = `| variant | FMNIST-FID (lower is better) | monitor warnings | seconds |\n| --- | --- | --- | --- |\n| real train vs real test | ${floor.toFixed(2)} | — | — |\n${rows.join('\n')}`;
  console.log(`\n${table}`);
  console.log(`\n${steps} steps per variant, total ${((performance.now() - started) / 1000).toFixed(0)} s; sample grids in ${out}/samples-*.pgm`);
  record.save({ steps, seed, classifierAccuracy: classifier.accuracy, floor, variants },
    `${steps} steps per variant, batch 64; the feature classifier reached ${(100 * classifier.accuracy).toFixed(2)}% test accuracy. ` +
    'The stabilised variant adds spectral norm on the discriminator, TTUR (D 4e-4, G 2e-4) and generator EMA 0.99.\n\n' + table);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
