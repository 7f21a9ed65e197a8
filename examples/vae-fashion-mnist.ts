// A variational autoencoder on Fashion-MNIST with the distributions package: q(z|x) is an Independent
// Normal sampled with rsample, the KL term to the N(0, I) prior is klDivergence's closed form, and p(x|z)
// is an Independent Bernoulli over the pixels of dynamically binarised images. Each batch draws its binary
// images as x ~ Bernoulli(pixel); MLP 784-256-(2x16) / 16-256-784, Adam (lr 1e-3), batch 128. Reports the
// test ELBO (nats per image) split into reconstruction and KL, the reconstruction with the decoder fed the
// posterior mean, and a 64-sample importance-weighted bound on log p(x) (Burda et al. 2016), which is
// tighter than the ELBO.
//
// Run: LATTICE_NUM_THREADS=2 npx tsx examples/vae-fashion-mnist.ts [--epochs 10] [--seed 0] [--latent 16] [--train-samples 60000] [--record vae-fashion-mnist]
// Writes bench/results/figures/<record>.json (the README's figures).
import { pathToFileURL } from 'node:url';
import {
  type Tensor, data, logsumexp, manualSeed, nn, noGrad, optim, PhiloxStream, tensor, tidy, zeros,
} from '../src/index';
import * as D from '../src/distributions/index';
import { startRecord } from '../bench/lib/record';

export interface VaeExampleOptions {
  epochs?: number;
  seed?: number;
  /** Latent dimensions (default 16). */
  latent?: number;
  /** Training images used (default all 60,000). */
  trainSamples?: number;
  /** Test images scored (default all 10,000). */
  testSamples?: number;
  /** Importance samples per test image for the log-likelihood bound (default 64; 0 skips it). */
  importanceSamples?: number;
  log?: (line: string) => void;
}

/** Per-image test figures, in nats (higher is better for elbo, iwae and reconstruction). */
export interface VaeScore {
  /** E_q[log p(x|z)] - KL(q(z|x) || p(z)), one z per image. */
  elbo: number;
  /** E_q[log p(x|z)], one z per image. */
  reconstruction: number;
  /** KL(q(z|x) || N(0, I)), closed form. */
  kl: number;
  /** log p(x|z) at z = the posterior mean. */
  reconstructionAtMean: number;
  /** The importance-weighted bound log (1/K) sum_k p(x, z_k) / q(z_k|x), or NaN when not computed. */
  iwae: number;
}

export interface VaeExampleResult {
  /** The test score before training and after each epoch. */
  history: VaeScore[];
  final: VaeScore;
  /** Mean training loss (negative ELBO) per epoch. */
  trainLoss: number[];
  seconds: number;
}

class Vae extends nn.Module {
  readonly encoder: nn.Sequential;
  readonly mu: nn.Linear;
  readonly logVar: nn.Linear;
  readonly decoder: nn.Sequential;

  constructor(readonly latent: number) {
    super();
    this.encoder = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU());
    this.mu = new nn.Linear(256, latent);
    this.logVar = new nn.Linear(256, latent);
    this.decoder = new nn.Sequential(new nn.Linear(latent, 256), new nn.ReLU(), new nn.Linear(256, 784));
  }

  /** q(z|x) for flattened images x [B, 784]: a diagonal Gaussian over the latent vector. */
  posterior(x: Tensor): D.Independent {
    const h = this.encoder.call(x);
    return new D.Independent(new D.Normal(this.mu.call(h), this.logVar.call(h).mul(0.5).exp()), 1);
  }

  /** p(x|z): independent Bernoullis over the 784 pixels, from the decoder's logits. */
  likelihood(z: Tensor): D.Independent {
    return new D.Independent(new D.Bernoulli({ logits: this.decoder.call(z) }), 1);
  }

  forward(x: Tensor): Tensor {
    return this.decoder.call(this.posterior(x).mean);
  }
}

/** The N(0, I) prior over [batch, latent]. */
const prior = (batch: number, latent: number): D.Independent => new D.Independent(new D.Normal(zeros([batch, latent]), 1), 1);

/** Flattened images [n, 784] binarised by one Bernoulli draw per pixel. */
const binarise = (images: Tensor): Tensor => new D.Bernoulli(images.reshape([images.shape[0], 784])).sample();

/** Test figures in chunks of 500 images (in eval mode, without gradients). */
function score(model: Vae, x: Tensor, importanceSamples: number): VaeScore {
  const n = x.shape[0];
  const sums = { elbo: 0, reconstruction: 0, kl: 0, reconstructionAtMean: 0, iwae: 0 };
  for (let at = 0; at < n; at += 500) {
    tidy(() => noGrad(() => {
      const len = Math.min(500, n - at);
      const xb = x.narrow(0, at, len);
      const q = model.posterior(xb);
      const z = q.sample();
      const rec = model.likelihood(z).logProb(xb);
      const kl = D.klDivergence(q, prior(len, model.latent));
      sums.reconstruction += rec.sum().item();
      sums.kl += kl.sum().item();
      sums.reconstructionAtMean += model.likelihood(q.mean).logProb(xb).sum().item();
      if (importanceSamples > 0) {
        // log w_k = log p(x|z_k) + log p(z_k) - log q(z_k|x), z_k ~ q: [K, len]
        const zs = q.sample([importanceSamples]);
        const logW = model.likelihood(zs).logProb(xb).add(prior(len, model.latent).logProb(zs)).sub(q.logProb(zs));
        sums.iwae += logsumexp(logW, 0).sub(Math.log(importanceSamples)).sum().item();
      }
    }));
  }
  const per = (v: number): number => v / n;
  return {
    elbo: per(sums.reconstruction - sums.kl), reconstruction: per(sums.reconstruction), kl: per(sums.kl),
    reconstructionAtMean: per(sums.reconstructionAtMean), iwae: importanceSamples > 0 ? per(sums.iwae) : NaN,
  };
}

/**
 * Trains the VAE and scores it on the (binarised, once, with a fixed seed) test images.
 * @example `const r = runVaeExample({ epochs: 10 }); r.final.elbo`
 */
export function runVaeExample(opts: VaeExampleOptions = {}): VaeExampleResult {
  const started = performance.now();
  const epochs = opts.epochs ?? 10, seed = opts.seed ?? 0, latent = opts.latent ?? 16;
  const importanceSamples = opts.importanceSamples ?? 64;
  const log = opts.log ?? (() => {});
  const fm = data.loadFashionMnist();
  const nTrain = Math.min(opts.trainSamples ?? fm.train.images.shape[0], fm.train.images.shape[0]);
  const nTest = Math.min(opts.testSamples ?? fm.test.images.shape[0], fm.test.images.shape[0]);
  const xTrain = fm.train.images.narrow(0, 0, nTrain);
  manualSeed(seed);
  const xTest = binarise(fm.test.images.narrow(0, 0, nTest));
  const model = new Vae(latent);
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const batch = 128, steps = Math.floor(nTrain / batch);
  const order = new PhiloxStream(seed + 1);
  const history = [score(model, xTest, 0)];
  log(`before training: test ELBO ${history[0].elbo.toFixed(2)} nats`);
  const trainLoss: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    model.train();
    const perm = data.randomSplit(new data.TensorDataset(xTrain), [nTrain], { generator: order })[0].indices;
    let lossSum = 0;
    for (let b = 0; b < steps; b++) {
      lossSum += tidy(() => {
        const x = binarise(xTrain.indexSelect(0, tensor(perm.subarray(b * batch, (b + 1) * batch))));
        opt.zeroGrad();
        const q = model.posterior(x);
        const z = q.rsample();   // differentiable in the encoder's outputs
        const reconstruction = model.likelihood(z).logProb(x);
        const kl = D.klDivergence(q, prior(batch, latent));
        const loss = kl.sub(reconstruction).mean();   // the negative ELBO per image
        loss.backward();
        opt.step();
        return loss.item();
      });
    }
    trainLoss.push(lossSum / steps);
    // The last epoch's score gets the importance-weighted bound too.
    history.push(score(model, xTest, epoch === epochs - 1 ? importanceSamples : 0));
    const s = history[history.length - 1];
    log(`epoch ${epoch + 1}/${epochs}: train -ELBO ${trainLoss[epoch].toFixed(2)}, test ELBO ${s.elbo.toFixed(2)} `
      + `(reconstruction ${s.reconstruction.toFixed(2)}, KL ${s.kl.toFixed(2)}) nats/image`);
  }
  return { history, final: history[history.length - 1], trainLoss, seconds: (performance.now() - started) / 1000 };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: string): string => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
  const record = startRecord(arg('record', 'vae-fashion-mnist'));
  const epochs = Number(arg('epochs', '10')), seed = Number(arg('seed', '0')), latent = Number(arg('latent', '16'));
  const trainSamples = Number(arg('train-samples', '60000'));
  const r = runVaeExample({ epochs, seed, latent, trainSamples, log: console.log });
  const f = r.final, f0 = r.history[0];
  const table = [
    '| test figure (nats per image, 10,000 binarised test images) | before training | after training |', '| --- | --- | --- |',
    `| ELBO | ${f0.elbo.toFixed(2)} | ${f.elbo.toFixed(2)} |`,
    `| reconstruction E_q[log p(x\\|z)] | ${f0.reconstruction.toFixed(2)} | ${f.reconstruction.toFixed(2)} |`,
    `| KL(q(z\\|x) \\|\\| N(0, I)) | ${f0.kl.toFixed(2)} | ${f.kl.toFixed(2)} |`,
    `| log p(x\\|z) at the posterior mean | ${f0.reconstructionAtMean.toFixed(2)} | ${f.reconstructionAtMean.toFixed(2)} |`,
    `| 64-sample importance-weighted bound on log p(x) | | ${f.iwae.toFixed(2)} |`,
  ].join('\n');
  console.log(`\n${table}\n(${r.seconds.toFixed(0)} s)`);
  record.save({ epochs, seed, latent, trainSamples, ...r }, [
    `${epochs} epochs over ${trainSamples.toLocaleString('en-US')} training images (dynamically binarised), latent ${latent}, Adam lr 1e-3, batch 128, seed ${seed}.`,
    '',
    table,
  ].join('\n'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
