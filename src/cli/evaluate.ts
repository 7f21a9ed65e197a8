/** `lattice evaluate --checkpoint PATH`: reloads a run's checkpoint and reports test accuracy. */
import { DataLoader } from '../data/loader';
import { TensorDataset } from '../data/dataset';
import { loadFashionMnist } from '../data/fashion-mnist';
import { ArgumentError } from '../errors';
import { crossEntropy } from '../losses/index';
import { loadSafetensors } from '../train/safetensors';
import { loadCheckpoint } from '../train/checkpoint';
import { evaluate } from '../train/evaluate';
import { buildModel } from './models';

export async function evaluateCommand(opts: { checkpoint: string; model?: string; dataDir?: string }, log: (l: string) => void = (l) => console.log(l)): Promise<number> {
  if (!opts.checkpoint) throw new ArgumentError('lattice evaluate: --checkpoint is required');
  const { metadata } = loadSafetensors(opts.checkpoint);
  const saved = metadata.extra ? (JSON.parse(metadata.extra) as { model?: string }) : {};
  const name = opts.model ?? saved.model;
  if (!name) throw new ArgumentError(`lattice evaluate: ${opts.checkpoint} does not say which model it holds; pass --model`);
  const model = buildModel(name);
  loadCheckpoint(opts.checkpoint, { model, restoreRng: false });
  const { test } = loadFashionMnist(opts.dataDir ? { dir: opts.dataDir } : {});
  const r = await evaluate(model, new DataLoader(new TensorDataset(test.images, test.labels), { batchSize: 1000 }), (o, y) => crossEntropy(o, y));
  log(`${name} from ${opts.checkpoint}: test accuracy ${(100 * (r.accuracy ?? NaN)).toFixed(2)}% (loss ${r.loss.toFixed(4)}) on ${r.samples} images`);
  return r.accuracy ?? NaN;
}
