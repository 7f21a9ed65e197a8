/**
 * Hue jitter: adjustHue against torchvision's adjust_hue (written out in
 * test/fixtures/generators/torch_ports.py, values in test/fixtures/torch_ports.json), and
 * colorJitter's `hue` drawing its factor from the generator.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { closeness } from '../helpers/backends';

const { data } = L;
interface Enc { shape: number[]; values: number[] }
const fx = JSON.parse(readFileSync(new URL('../fixtures/torch_ports.json', import.meta.url), 'utf8')) as { hue: { factor: number; input: Enc; output: Enc }[] };
const dec = (e: Enc): L.Tensor => L.tensor(Float64Array.from(e.values), { dtype: 'float64' }).reshape(e.shape);

describe('adjustHue', () => {
  for (const c of fx.hue) {
    it(`matches torchvision's adjust_hue for factor ${c.factor}`, () => {
      const y = data.adjustHue(dec(c.input), c.factor);
      expect(y.shape).toEqual(c.output.shape);
      expect(closeness(Array.from(y.values), c.output.values, 1e-12, 1e-12)).toBeLessThanOrEqual(1);
    });
  }
  it('leaves grayscale images alone, works unbatched, and checks its arguments', () => {
    const g = L.rand([1, 1, 3, 3]);
    expect(Array.from(data.adjustHue(g, 0.3).values)).toEqual(Array.from(g.values));
    const img = dec(fx.hue[0].input).narrow(0, 0, 1).reshape([3, 4, 5]);
    expect(data.adjustHue(img, 0.25).shape).toEqual([3, 4, 5]);
    expect(() => data.adjustHue(img, 0.7)).toThrow(/adjustHue: factor must be in \[-0.5, 0.5\], got 0.7/);
    expect(() => data.adjustHue(L.rand([2, 4, 3, 3]), 0.1)).toThrow(/adjustHue: x must have 1 or 3 channels/);
  });
});

describe('colorJitter hue', () => {
  it('draws the factor uniformly from [-h, h] (7 draws per image) and applies adjustHue', () => {
    const x = L.rand([3, 3, 4, 4], { dtype: 'float64' });
    const out = data.colorJitter(x, { hue: 0.2, generator: new L.PhiloxStream(7) });
    const u = new L.PhiloxStream(7).uniform(7 * 3, 'float64');
    for (let i = 0; i < 3; i++) {
      const f = -0.2 + 0.4 * u[7 * i + 3];
      const want = data.adjustHue(x.narrow(0, i, 1), f);
      expect(closeness(Array.from(out.narrow(0, i, 1).values), Array.from(want.values), 1e-12, 1e-12)).toBeLessThanOrEqual(1);
    }
  });
  it('keeps the old random stream when hue is off, and checks the range', () => {
    const x = L.rand([2, 3, 4, 4]);
    const a = data.colorJitter(x, { brightness: 0.5, saturation: 0.3, generator: new L.PhiloxStream(3) });
    const gen = new L.PhiloxStream(3);
    data.colorJitter(x, { brightness: 0.5, saturation: 0.3, generator: gen });
    // 5 draws per image without hue: the next draw is the 11th of the stream.
    expect(gen.uniform(1, 'float64')[0]).toBe(new L.PhiloxStream(3).uniform(11, 'float64')[10]);
    expect(a.shape).toEqual([2, 3, 4, 4]);
    expect(() => data.colorJitter(x, { hue: 0.6 })).toThrow(/colorJitter: hue must be a number in \[0, 0.5\]/);
    expect(() => data.colorJitter(x, { hue: [0.2, -0.2] })).toThrow(/hue must be/);
  });
});
