// Fashion-MNIST from the project's data/ (gzip IDX): images as Float32Array
// scaled to [0, 1] (row-major [n, 784]), labels as Int32Array.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_DIR =
  process.env.LATTICE_BENCH_DATA ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'data', 'fashion-mnist');

function readIdx(path) {
  const buf = gunzipSync(readFileSync(path));
  const ndim = buf[3];
  const dims = [];
  for (let i = 0; i < ndim; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  return { dims, bytes: buf.subarray(4 + 4 * ndim) };
}

function images(path) {
  const { dims, bytes } = readIdx(path);
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] / 255;
  return { data: out, n: dims[0], features: bytes.length / dims[0] };
}

function labels(path) {
  const { bytes } = readIdx(path);
  return Int32Array.from(bytes);
}

export function loadFashionMnist(dir = DEFAULT_DIR) {
  const train = images(join(dir, 'train-images-idx3-ubyte.gz'));
  const test = images(join(dir, 't10k-images-idx3-ubyte.gz'));
  return {
    trainX: train.data,
    trainY: labels(join(dir, 'train-labels-idx1-ubyte.gz')),
    testX: test.data,
    testY: labels(join(dir, 't10k-labels-idx1-ubyte.gz')),
    nTrain: train.n,
    nTest: test.n,
    features: train.features,
  };
}

/**
 * `count` batches of `batch` training images (Float32Array [batch*784], /255) and labels
 * (Int32Array), in order from the start of the training set: the same images every peer's
 * training step walks (bench/peers/_common.py fashion_batches).
 */
export function fashionBatches(batch, count = 16, dir = DEFAULT_DIR) {
  const x = images(join(dir, 'train-images-idx3-ubyte.gz')).data;
  const y = labels(join(dir, 'train-labels-idx1-ubyte.gz'));
  const out = [];
  for (let i = 0; i < count; i++) {
    out.push({ x: x.slice(i * batch * 784, (i + 1) * batch * 784), y: y.slice(i * batch, (i + 1) * batch) });
  }
  return out;
}
