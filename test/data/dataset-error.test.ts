// A missing dataset file is a DatasetError (exported at the top level) whose message names the
// file and a fix the user can act on, for the shipped folder and for a folder they passed.
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError, LatticeError, data } from '../../src/index';

describe('loadFashionMnist: missing files', () => {
  it('throws DatasetError naming the missing file and the four files to put there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lattice-nodata-'));
    let error: unknown;
    try {
      data.loadFashionMnist({ dir });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatasetError);
    expect(error).toBeInstanceOf(LatticeError);
    const message = (error as Error).message;
    expect(message).toContain(`loadFashionMnist: ${join(dir, 'train-images-idx3-ubyte.gz')} does not exist`);
    for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) expect(message).toContain(f);
    expect(message).toContain('leave out dir / --data-dir to use the copy shipped with lattice-ml');
  });

  it('names the first file still missing once the others are there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lattice-partdata-'));
    const shipped = data.defaultFashionMnistDir();
    for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz']) copyFileSync(join(shipped, f), join(dir, f));
    expect(() => data.loadFashionMnist({ dir })).toThrow(new RegExp(`${join(dir, 't10k-labels-idx1-ubyte.gz').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} does not exist`));
  });
});
