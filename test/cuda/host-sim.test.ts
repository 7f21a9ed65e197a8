/**
 * Every CUDA kernel family, run on the host under a simulation of the CUDA execution model
 * (scripts/cuda-host-sim.sh: a thread per CUDA thread, barriers, shuffles, atomics, whole-tile
 * wmma fragments) and checked against double-precision references, the optimizers and Philox
 * bit for bit against the CPU's. No GPU is needed: this checks the kernels' indexing, reductions
 * and logic wherever the suite runs; test/cuda/parity.test.ts checks them on a GPU.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('CUDA kernels under the host simulation', () => {
  it('every family matches its reference (scripts/cuda-host-sim.sh)', () => {
    const run = spawnSync('bash', [join(root, 'scripts', 'cuda-host-sim.sh')], { cwd: root, encoding: 'utf8', timeout: 540_000 });
    const out = `${run.stdout}${run.stderr}`;
    const failing = out.split('\n').filter((line) => / FAIL$/.test(line));
    expect(failing, out.slice(-3000)).toEqual([]);
    expect(run.status, out.slice(-3000)).toBe(0);
    expect(out.trimEnd().split('\n').at(-1)).toBe('0 failures');
    // Each family printed its checks (a family whose checks vanished would pass silently otherwise).
    const families = ['unary', 'binary', 'where', 'copyStrided', 'cast', 'reduce', 'argReduce', 'softmax', 'logSoftmax', 'index',
      'crossEntropy', 'maxPool2d', 'avgPool2d', 'adaptiveAvgPool2d', 'conv2d', 'layerNorm', 'batchNorm', 'groupNorm', 'ctc', 'gemm',
      'adam', 'sgd', 'rmsprop', 'philox'];
    for (const f of families) expect(out, `no ${f} checks in the output`).toMatch(new RegExp(`^${f}\\b`, 'm'));
    expect(out.match(/ ok$/gm)?.length ?? 0).toBeGreaterThan(300);
  }, 600_000);
});
