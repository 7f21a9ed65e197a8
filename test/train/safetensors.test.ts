import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { CheckpointError, loadSafetensors, loadSafetensorsMetadata, saveSafetensors } from '../../src/train/safetensors';

const fixtures = new URL('../fixtures/', import.meta.url).pathname;
const dir = () => mkdtempSync(join(tmpdir(), 'lattice-st-'));

describe('safetensors', () => {
  it('round-trips every dtype, shape and metadata exactly', () => {
    L.manualSeed(1);
    const tensors = {
      a: L.randn([3, 4]),
      b: L.randn([2], { dtype: 'float64' }),
      c: L.tensor([1, -5, 7], { dtype: 'int32' }),
      d: L.tensor([true, false]),
      scalar: L.tensor(3.5),
      empty: L.zeros([0, 3]),
    };
    const path = join(dir(), 'x.safetensors');
    saveSafetensors(path, tensors, { epoch: '3' });
    const { tensors: back, metadata } = loadSafetensors(path);
    expect(metadata).toEqual({ epoch: '3' });
    for (const [k, t] of Object.entries(tensors)) {
      expect(back[k].dtype).toBe(t.dtype);
      expect(back[k].shape).toEqual(t.shape);
      expect(Array.from(back[k].values)).toEqual(Array.from(t.values));
    }
    // The data section starts 8-byte aligned.
    const bytes = readFileSync(path);
    expect((8 + Number(bytes.readBigUInt64LE(0))) % 8).toBe(0);
  });

  it('reads a file laid out by PyTorch tooling (F32, I64, F16, BOOL, F64)', () => {
    const { tensors, metadata } = loadSafetensors(join(fixtures, 'torch_written.safetensors'));
    const expected = JSON.parse(readFileSync(join(fixtures, 'torch_written.expected.json'), 'utf8')) as Record<string, number[]>;
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors['linear.weight'].shape).toEqual([3, 4]);
    expect(tensors.steps.dtype).toBe('int32');
    expect(tensors.half.dtype).toBe('float32');
    expect(tensors.mask.dtype).toBe('bool');
    for (const [k, values] of Object.entries(expected)) {
      const got = Array.from(tensors[k].values);
      values.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 6));
    }
  });

  it('a truncated, corrupt or mislabeled file throws a CheckpointError naming the file', () => {
    const d = dir();
    const good = join(d, 'good.safetensors');
    saveSafetensors(good, { w: L.ones([10, 10]) });
    const bytes = readFileSync(good);
    const cases: [string, Buffer, RegExp][] = [
      ['short', bytes.subarray(0, 5), /too short/],
      ['truncated', bytes.subarray(0, bytes.length - 7), /outside the .* data bytes|truncated/],
      ['huge-header', Buffer.concat([Buffer.from([255, 255, 255, 255, 0, 0, 0, 0]), bytes.subarray(8)]), /exceeds the file/],
      ['bad-json', Buffer.concat([bytes.subarray(0, 8), Buffer.from('{'.padEnd(Number(bytes.readBigUInt64LE(0)), 'x')), bytes.subarray(8 + Number(bytes.readBigUInt64LE(0)))]), /not valid JSON/],
    ];
    for (const [name, content, pattern] of cases) {
      const p = join(d, `${name}.safetensors`);
      writeFileSync(p, content);
      let err: unknown;
      try { loadSafetensors(p); } catch (e) { err = e; }
      expect(err, name).toBeInstanceOf(CheckpointError);
      expect((err as Error).message).toContain(p);
      expect((err as Error).message).toMatch(pattern);
      // The header-only read refuses them the same way (the header's offsets are checked against the file's length).
      expect(() => loadSafetensorsMetadata(p), name).toThrow(pattern);
    }
    expect(() => loadSafetensors(join(d, 'missing.safetensors'))).toThrow(/cannot read .*missing/);
  });

  it('loadSafetensorsMetadata reads the metadata from the header alone', () => {
    const p = join(dir(), 'meta.safetensors');
    saveSafetensors(p, { w: L.ones([3, 2]) }, { epoch: '4', note: 'x' });
    expect(loadSafetensorsMetadata(p)).toEqual(loadSafetensors(p).metadata);
    expect(loadSafetensorsMetadata(p)).toEqual({ epoch: '4', note: 'x' });
  });

  it('saves atomically: a failed save leaves the previous file intact and no temporary file', () => {
    const d = dir();
    const p = join(d, 'ckpt.safetensors');
    saveSafetensors(p, { w: L.full([4], 1) });
    expect(() => saveSafetensors(p, { w: L.full([4], 2), bad: 3 as unknown as L.Tensor })).toThrow(/not a Tensor/);
    expect(Array.from(loadSafetensors(p).tensors.w.values)).toEqual([1, 1, 1, 1]);
    expect(readdirSync(d)).toEqual(['ckpt.safetensors']);
    expect(existsSync(p)).toBe(true);
  });
});
