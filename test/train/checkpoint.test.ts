import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import * as nn from '../../src/nn/index';
import { Adam, OneCycleLR } from '../../src/optim/index';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint';
import { CheckpointError } from '../../src/train/safetensors';

function build() {
  const model = new nn.Sequential(new nn.Linear(8, 16), new nn.BatchNorm1d(16), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(16, 3));
  const optimizer = new Adam(model.parameters(), { lr: 1e-2 });
  const scheduler = new OneCycleLR(optimizer, { maxLr: 1e-2, totalSteps: 20 });
  return { model, optimizer, scheduler };
}

/** One training step on batch k of a fixed sequence; returns the loss. */
function step(parts: ReturnType<typeof build>, k: number): number {
  const gen = new L.PhiloxStream(100 + k);
  const x = L.randn([32, 8], { generator: gen });
  const y = L.randint(0, 3, [32], { generator: gen });
  return L.tidy(() => {
    parts.optimizer.zeroGrad();
    const loss = L.crossEntropy(parts.model.call(x), y);
    loss.backward();
    parts.optimizer.step();
    parts.scheduler.step();
    return loss.item();
  });
}

describe('checkpoints', () => {
  it('resuming from a checkpoint repeats the next steps bitwise (model, BN buffers, Adam state, schedule, dropout RNG)', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lattice-ckpt-')), 'ckpt.safetensors');
    L.manualSeed(7);
    const a = build();
    for (let k = 0; k < 5; k++) step(a, k);
    saveCheckpoint(path, { ...a, extra: { step: 5 } });
    const lossesA: number[] = [];
    for (let k = 5; k < 10; k++) lossesA.push(step(a, k));

    L.manualSeed(12345); // a different init and RNG position, all overwritten by the checkpoint
    const b = build();
    const { extra } = loadCheckpoint(path, b);
    expect(extra).toEqual({ step: 5 });
    const lossesB: number[] = [];
    for (let k = 5; k < 10; k++) lossesB.push(step(b, k));
    expect(lossesB).toEqual(lossesA);
    const sa = a.model.stateDict(), sb = b.model.stateDict();
    for (const key of Object.keys(sa)) expect(Array.from(sb[key].values), key).toEqual(Array.from(sa[key].values));
    expect(b.optimizer.paramGroups[0].lr).toBe(a.optimizer.paramGroups[0].lr);
  });

  it('a corrupt or foreign file throws naming the file and leaves the model untouched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lattice-ckpt-'));
    const parts = build();
    const before = parts.model.parameters().map((p) => Array.from(p.values));
    const good = join(dir, 'good.safetensors');
    saveCheckpoint(good, parts);
    const bytes = readFileSync(good);
    const truncated = join(dir, 'truncated.safetensors');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 100));
    expect(() => loadCheckpoint(truncated, { model: parts.model })).toThrow(CheckpointError);
    expect(() => loadCheckpoint(truncated, { model: parts.model })).toThrow(/truncated\.safetensors/);
    const plain = join(dir, 'plain.safetensors');
    L.save(plain, { w: L.ones([2]) });
    expect(() => loadCheckpoint(plain, { model: parts.model })).toThrow(/plain\.safetensors is not a Lattice checkpoint/);
    const other = build();
    const mismatch = new nn.Sequential(new nn.Linear(8, 4));
    saveCheckpoint(join(dir, 'other.safetensors'), { model: mismatch });
    expect(() => loadCheckpoint(join(dir, 'other.safetensors'), { model: other.model })).toThrow();
    expect(parts.model.parameters().map((p) => Array.from(p.values))).toEqual(before);
  });
});
