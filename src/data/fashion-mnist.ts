/** Fashion-MNIST from the bundled gzip IDX files (or a folder you give). */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../backend/native/load';
import { ArgumentError, DatasetError } from '../errors';
import { Tensor } from '../tensor/tensor';
import { IdxFormatError, parseIdx } from './idx';

/** Where `loadFashionMnist` reads the files and whether it verifies them. @example `loadFashionMnist({ dir: '/data/fashion-mnist' })` */
export interface FashionMnistOptions {
  /** Folder with the four .gz files (default: data/fashion-mnist inside the installed package, which ships them). */
  dir?: string;
  /** Verify the files against SHA256SUMS in the folder when present (default true). */
  verify?: boolean;
}

/** One split of an image dataset: images and their labels. @example `const { images, labels } = loadFashionMnist().train` */
export interface ImageSplit {
  /** [N, 1, 28, 28] float32 in [0, 1]. */
  images: Tensor;
  /** [N] int32 class indices 0..9. */
  labels: Tensor;
}

/** Fashion-MNIST class names by label index. @example `FASHION_MNIST_CLASSES[9] // 'Ankle boot'` */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

/** The default data folder shipped in the repository. */
export function defaultFashionMnistDir(): string {
  return join(packageRoot(), 'data', 'fashion-mnist');
}

/** Where the four files come from, for the missing-file message. */
const FASHION_MNIST_SOURCE = 'https://github.com/zalandoresearch/fashion-mnist (folder data/fashion)';

/** The fix a user can act on: the default folder ships with the package, a custom one must hold all four files. */
function missingFileFix(dir: string): string {
  return dir === defaultFashionMnistDir()
    ? `this folder ships with the lattice-ml package: reinstall it (npm install lattice-ml), or pass a folder that has the four Fashion-MNIST .gz files as loadFashionMnist({ dir }) or \`lattice train --data-dir <folder>\``
    : `put the four Fashion-MNIST .gz files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz, from ${FASHION_MNIST_SOURCE}) in ${dir}, or leave out dir / --data-dir to use the copy shipped with lattice-ml`;
}

function readChecked(dir: string, file: string, sums: Map<string, string> | null): Uint8Array {
  const path = join(dir, file);
  if (!existsSync(path)) throw new DatasetError(`loadFashionMnist: ${path} does not exist; ${missingFileFix(dir)}`);
  const bytes = readFileSync(path);
  const want = sums?.get(file);
  if (want) {
    const got = createHash('sha256').update(bytes).digest('hex');
    if (got !== want) throw new IdxFormatError(`loadFashionMnist: ${path} has SHA-256 ${got}, but SHA256SUMS says ${want}`);
  }
  return bytes;
}

function split(dir: string, images: string, labels: string, sums: Map<string, string> | null): ImageSplit {
  const img = parseIdx(readChecked(dir, images, sums), join(dir, images));
  const lab = parseIdx(readChecked(dir, labels, sums), join(dir, labels));
  if (img.shape.length !== 3 || img.type !== 0x08) throw new IdxFormatError(`loadFashionMnist: ${join(dir, images)} should be ubyte [N,28,28], got type 0x${img.type.toString(16)} [${img.shape.join(',')}]`);
  if (lab.shape.length !== 1 || lab.shape[0] !== img.shape[0]) throw new IdxFormatError(`loadFashionMnist: ${join(dir, labels)} has ${lab.shape[0]} labels for ${img.shape[0]} images`);
  const n = img.shape[0];
  const pixels = new Float32Array(img.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = img.data[i] / 255;
  return {
    images: Tensor.fromData(pixels, [n, 1, img.shape[1], img.shape[2]], 'float32'),
    labels: Tensor.fromData(Int32Array.from(lab.data), [n], 'int32'),
  };
}

/**
 * Loads Fashion-MNIST (60,000 train, 10,000 test), pixels scaled to [0, 1].
 * @example `const { train, test } = loadFashionMnist()`
 */
export function loadFashionMnist(opts: FashionMnistOptions = {}): { train: ImageSplit; test: ImageSplit } {
  const dir = opts.dir ?? defaultFashionMnistDir();
  if (typeof dir !== 'string') throw new ArgumentError('loadFashionMnist: dir must be a string');
  let sums: Map<string, string> | null = null;
  const sumsPath = join(dir, 'SHA256SUMS');
  if ((opts.verify ?? true) && existsSync(sumsPath)) {
    sums = new Map(readFileSync(sumsPath, 'utf8').trim().split('\n').map((line) => {
      const [hash, name] = line.trim().split(/\s+\*?/);
      return [name, hash] as [string, string];
    }));
  }
  return {
    train: split(dir, 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', sums),
    test: split(dir, 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', sums),
  };
}
