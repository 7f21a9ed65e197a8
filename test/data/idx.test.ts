import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import '../../src/index';
import { IdxFormatError, readIdx } from '../../src/data/idx';
import { loadFashionMnist } from '../../src/data/fashion-mnist';

function idx(type: number, shape: number[], body: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = type;
  header[3] = shape.length;
  shape.forEach((s, i) => header.writeUInt32BE(s, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(body)]);
}

describe('IDX reader', () => {
  const d = mkdtempSync(join(tmpdir(), 'lattice-idx-'));

  it('reads plain and gzip files with the header shape', () => {
    const raw = idx(0x08, [2, 3], [1, 2, 3, 4, 5, 6]);
    writeFileSync(join(d, 'a.idx'), raw);
    writeFileSync(join(d, 'a.idx.gz'), gzipSync(raw));
    for (const f of ['a.idx', 'a.idx.gz']) {
      const r = readIdx(join(d, f));
      expect(r.shape).toEqual([2, 3]);
      expect(Array.from(r.data)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it('reads big-endian int32 and float32 bodies', () => {
    const body = Buffer.alloc(8);
    body.writeInt32BE(-7, 0);
    body.writeInt32BE(65536, 4);
    writeFileSync(join(d, 'i.idx'), Buffer.concat([idx(0x0c, [2], []), body]));
    expect(Array.from(readIdx(join(d, 'i.idx')).data)).toEqual([-7, 65536]);
  });

  it('names the file on truncation, trailing bytes, bad magic, bad gzip and missing files', () => {
    const cases: [string, Buffer, RegExp][] = [
      ['trunc.idx', idx(0x08, [2, 3], [1, 2, 3]), /truncated/],
      ['trail.idx', idx(0x08, [1], [1, 2]), /trailing/],
      ['magic.idx', Buffer.from([1, 0, 8, 1, 0, 0, 0, 1, 5]), /magic/],
      ['type.idx', idx(0x42, [1], [1]), /unknown element type/],
      ['gz.idx.gz', Buffer.from([0x1f, 0x8b, 1, 2, 3]), /not a valid gzip/],
      ['head.idx', Buffer.from([0, 0, 8, 3, 0, 0]), /inside its header/],
    ];
    for (const [name, bytes, pattern] of cases) {
      writeFileSync(join(d, name), bytes);
      expect(() => readIdx(join(d, name))).toThrow(IdxFormatError);
      expect(() => readIdx(join(d, name))).toThrow(new RegExp(`${name.replace('.', '\\.')}.*|.*${pattern.source}`));
      try { readIdx(join(d, name)); } catch (e) { expect((e as Error).message).toContain(join(d, name)); expect((e as Error).message).toMatch(pattern); }
    }
    expect(() => readIdx(join(d, 'nope.idx'))).toThrow(/cannot read .*nope\.idx/);
  });
});

describe('Fashion-MNIST', () => {
  it('loads the bundled files, verified against SHA256SUMS', () => {
    const { train, test } = loadFashionMnist();
    expect(train.images.shape).toEqual([60000, 1, 28, 28]);
    expect(test.images.shape).toEqual([10000, 1, 28, 28]);
    expect(train.labels.dtype).toBe('int32');
    expect(Array.from(train.labels.values.slice(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    const px = train.images.values;
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < 784 * 100; i++) { lo = Math.min(lo, px[i]); hi = Math.max(hi, px[i]); }
    expect(lo).toBe(0);
    expect(hi).toBe(1);
  });

  it('rejects a folder whose file does not match its checksum', () => {
    const d = mkdtempSync(join(tmpdir(), 'lattice-fm-'));
    writeFileSync(join(d, 'SHA256SUMS'), 'deadbeef  train-images-idx3-ubyte.gz\n');
    writeFileSync(join(d, 'train-images-idx3-ubyte.gz'), gzipSync(idx(0x08, [1, 28, 28], new Array(784).fill(0))));
    expect(() => loadFashionMnist({ dir: d })).toThrow(/train-images-idx3-ubyte\.gz has SHA-256 .* SHA256SUMS says deadbeef/);
  });
});
