/**
 * loadCheckpoint is all or nothing: when the optimizer, scheduler or RNG part is
 * wrong, the model (and every other part) is left as it was before the call. It
 * used to overwrite the model first and throw afterwards. Scheduler states are
 * validated entry by entry before any is written.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getDefaultGenerator } from '../../src/backend/philox';
import { manualSeed, memory, rand } from '../../src/index';
import * as nn from '../../src/nn/index';
import { Adam, CosineAnnealingLR, ReduceLROnPlateau, SGD, SequentialLR, StepLR } from '../../src/optim/index';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint';
import { CheckpointError } from '../../src/train/safetensors';

const values = (m: nn.Module): number[][] => Object.values(m.stateDict()).map((t) => Array.from(t.data()));

function fixture() {
  manualSeed(1);
  const saved = new nn.Linear(3, 2);
  const adam = new Adam(saved.parameters(), { lr: 0.01 });
  const step = new StepLR(adam, { stepSize: 2 });
  saved.call(rand([4, 3])).sum().backward();
  adam.step();
  const path = join(mkdtempSync(join(tmpdir(), 'lattice-ckpt-')), 'c.safetensors');
  saveCheckpoint(path, { model: saved, optimizer: adam, scheduler: step });
  manualSeed(2);
  const target = new nn.Linear(3, 2);
  return { path, target, before: values(target) };
}

/** Rewrites one metadata entry of a checkpoint (keeping the file well-formed). */
function editMetadata(path: string, key: string, edit: (v: unknown) => unknown): void {
  const bytes = readFileSync(path);
  const hl = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + hl).toString('utf8'));
  header.__metadata__[key] = JSON.stringify(edit(JSON.parse(header.__metadata__[key])));
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((Buffer.byteLength(json) + 8) % 8)) % 8);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  writeFileSync(path, Buffer.concat([prefix, Buffer.from(json), bytes.subarray(8 + hl)]));
}

describe('loadCheckpoint changes nothing when a part is wrong', () => {
  const cases: [string, (f: ReturnType<typeof fixture>) => Parameters<typeof loadCheckpoint>[1], RegExp][] = [
    ['Adam state into SGD', (f) => ({ model: f.target, optimizer: new SGD(f.target.parameters(), { lr: 0.1 }) }), /SGD/],
    ['optimizer over a subset of the parameters', (f) => ({ model: f.target, optimizer: new Adam([f.target.parameters()[0]], { lr: 0.1 }) }), /parameters/],
    ['a StepLR state into CosineAnnealingLR', (f) => {
      const opt = new Adam(f.target.parameters(), { lr: 0.1 });
      return { model: f.target, optimizer: opt, scheduler: new CosineAnnealingLR(opt, { tMax: 10 }) };
    }, /CosineAnnealingLR\.loadStateDict: unknown entry 'stepSize'/],
  ];
  for (const [what, into, message] of cases) {
    it(what, () => {
      const f = fixture();
      const opts = into(f)!;
      const optBefore = opts.optimizer ? JSON.stringify(opts.optimizer.paramGroups.map((g) => g.lr)) : '';
      const rng = getDefaultGenerator().getState();
      const count = memory().numTensors;
      expect(() => loadCheckpoint(f.path, opts)).toThrow(CheckpointError);
      expect(() => loadCheckpoint(f.path, opts)).toThrow(message);
      expect(values(f.target)).toEqual(f.before);
      if (opts.optimizer) expect(JSON.stringify(opts.optimizer.paramGroups.map((g) => g.lr))).toBe(optBefore);
      expect(getDefaultGenerator().getState()).toEqual(rng);
      // The file's tensors and the snapshots are let go (the loaded model state stays with the caller only on success).
      expect(memory().numTensors - count).toBeLessThan(40);
    });
  }

  it('a bad RNG state, an lr of NaN or a scheduler counter that is not a number', () => {
    const edits: [string, (v: unknown) => unknown, RegExp][] = [
      ['rng', () => ({ seed: 'x', offset: -1 }), /setState|seed|offset/],
      ['optimizer', (v) => { (v as { paramGroups: { lr: unknown }[] }).paramGroups[0].lr = { __number__: 'NaN' }; return v; }, /lr/],
      ['scheduler', (v) => ({ ...(v as object), lastEpoch: 'x' }), /StepLR\.loadStateDict: 'lastEpoch' must be a number like the scheduler's 0, got 'x'/],
    ];
    for (const [key, edit, message] of edits) {
      const f = fixture();
      editMetadata(f.path, key, edit);
      const opt = new Adam(f.target.parameters(), { lr: 0.5 });
      const sched = new StepLR(opt, { stepSize: 5 });
      const schedBefore = JSON.stringify(sched.stateDict());
      const rng = getDefaultGenerator().getState();
      expect(() => loadCheckpoint(f.path, { model: f.target, optimizer: opt, scheduler: sched }), key).toThrow(message);
      expect(values(f.target), key).toEqual(f.before);
      expect(opt.paramGroups[0].lr, key).toBe(0.5);
      expect(JSON.stringify(sched.stateDict()), key).toBe(schedBefore);
      expect(getDefaultGenerator().getState(), key).toEqual(rng);
    }
  });

  it('single-bit flips across the header: every load either succeeds or changes nothing', () => {
    const f = fixture();
    const good = readFileSync(f.path);
    const headerBits = 8 * (8 + Number(good.readBigUInt64LE(0)));
    let refused = 0, loaded = 0;
    // Every 37th bit of the length prefix and the header (a few hundred flips, deterministic).
    for (let bit = 0; bit < headerBits; bit += 37) {
      const bytes = Buffer.from(good);
      bytes[bit >> 3] ^= 1 << (bit & 7);
      writeFileSync(f.path, bytes);
      manualSeed(2);
      const model = new nn.Linear(3, 2);
      const opt = new Adam(model.parameters(), { lr: 0.5 });
      const sched = new StepLR(opt, { stepSize: 5 });
      const before = [JSON.stringify(values(model)), JSON.stringify(opt.stateDict().paramGroups), JSON.stringify(sched.stateDict()), JSON.stringify(getDefaultGenerator().getState())];
      try {
        loadCheckpoint(f.path, { model, optimizer: opt, scheduler: sched });
        loaded++;
      } catch {
        refused++;
        const after = [JSON.stringify(values(model)), JSON.stringify(opt.stateDict().paramGroups), JSON.stringify(sched.stateDict()), JSON.stringify(getDefaultGenerator().getState())];
        expect(after, `bit ${bit}`).toEqual(before);
      }
    }
    console.log(`header bit flips: ${refused + loaded} flips, ${refused} refused with nothing changed, ${loaded} loaded`);
    expect(refused).toBeGreaterThan(100);
    expect(refused + loaded).toBe(Math.ceil(headerBits / 37));
  });

  it('a good checkpoint still loads every part', () => {
    const f = fixture();
    const opt = new Adam(f.target.parameters(), { lr: 0.5 });
    const sched = new StepLR(opt, { stepSize: 5 });
    loadCheckpoint(f.path, { model: f.target, optimizer: opt, scheduler: sched });
    expect(values(f.target)).not.toEqual(f.before);
    expect(opt.paramGroups[0].lr).toBe(0.01);
    expect(sched.stepSize).toBe(2);
  });
});

describe('scheduler loadStateDict validates before writing', () => {
  it('refuses wrong kinds, NaN, fractional counters and unknown entries, leaving the scheduler as it was', () => {
    const opt = new SGD([rand([2]).requiresGrad_()], { lr: 0.1 });
    const s = new StepLR(opt, { stepSize: 2 });
    const before = JSON.stringify(s.stateDict());
    expect(() => s.loadStateDict({ ...s.stateDict(), lastEpoch: 'x' })).toThrow("StepLR.loadStateDict: 'lastEpoch' must be a number like the scheduler's 0, got 'x'");
    expect(() => s.loadStateDict({ ...s.stateDict(), lastEpoch: 1.5 })).toThrow("StepLR.loadStateDict: 'lastEpoch' must be an integer, got 1.5");
    expect(() => s.loadStateDict({ ...s.stateDict(), gamma: NaN })).toThrow("StepLR.loadStateDict: 'gamma' is NaN");
    expect(() => s.loadStateDict({ ...s.stateDict(), baseLrs: ['a'] })).toThrow("StepLR.loadStateDict: 'baseLrs' must be an array of numbers");
    expect(() => s.loadStateDict({ lastEpoch: 7, tMax: 3 })).toThrow("StepLR.loadStateDict: unknown entry 'tMax'");
    expect(() => s.loadStateDict(null as never)).toThrow('StepLR.loadStateDict: expected an object from stateDict(), got null');
    expect(JSON.stringify(s.stateDict())).toBe(before);
    const p = new ReduceLROnPlateau(opt);
    p.loadStateDict(JSON.parse(JSON.stringify(p.stateDict())));  // best: Infinity -> null through JSON
    expect(p.best).toBe(Infinity);
    expect(() => p.loadStateDict({ ...p.stateDict(), mode: 3 })).toThrow("ReduceLROnPlateau.loadStateDict: 'mode' must be a string like the scheduler's 'min', got 3");
  });

  it('SequentialLR puts its own entries back when a child refuses its state', () => {
    const opt = new SGD([rand([2]).requiresGrad_()], { lr: 0.1 });
    const seq = new SequentialLR(opt, { schedulers: [new StepLR(opt, { stepSize: 2 }), new StepLR(opt, { stepSize: 3 })], milestones: [4] });
    const before = JSON.stringify(seq.stateDict());
    const bad = seq.stateDict();
    bad.lastEpoch = 9;
    (bad.schedulers as Record<string, unknown>[])[1] = { ...(bad.schedulers as Record<string, unknown>[])[1], lastEpoch: 'x' };
    expect(() => seq.loadStateDict(bad)).toThrow("StepLR.loadStateDict: 'lastEpoch' must be a number");
    expect(JSON.stringify(seq.stateDict())).toBe(before);
  });
});
