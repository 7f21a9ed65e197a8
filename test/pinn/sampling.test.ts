/** Collocation sampling and domains: determinism, stratification, Sobol's known points, geometry. */
import { describe, expect, it } from 'vitest';
import { manualSeed, pinn } from '../../src/index';

describe('pinn sampling', () => {
  it('is deterministic for a seed, and the default generator follows manualSeed', () => {
    for (const method of ['uniform', 'latinHypercube', 'sobol'] as const) {
      const a = pinn.unitCubePoints(50, 3, { method, seed: 7 });
      const b = pinn.unitCubePoints(50, 3, { method, seed: 7 });
      expect(Array.from(a)).toEqual(Array.from(b));
      for (const v of a) expect(v >= 0 && v < 1).toBe(true);
    }
    expect(Array.from(pinn.uniformPoints(10, 2, { seed: 1 }))).not.toEqual(Array.from(pinn.uniformPoints(10, 2, { seed: 2 })));
    manualSeed(3);
    const first = pinn.latinHypercube(20, 2);
    manualSeed(3);
    expect(Array.from(pinn.latinHypercube(20, 2))).toEqual(Array.from(first));
    const omega = new pinn.Rectangle([0, -1], [2, 1]);
    expect(Array.from(omega.sampleInterior(30, { method: 'latinHypercube', seed: 4 }).values))
      .toEqual(Array.from(omega.sampleInterior(30, { method: 'latinHypercube', seed: 4 }).values));
  });

  it('Latin hypercube puts exactly one point in each of the n strata of every dimension', () => {
    const n = 64, d = 3;
    const u = pinn.latinHypercube(n, d, { seed: 5 });
    for (let j = 0; j < d; j++) {
      const strata = new Set<number>();
      for (let i = 0; i < n; i++) strata.add(Math.floor(u[i * d + j] * n));
      expect(strata.size).toBe(n);
    }
  });

  it('Sobol gives the unscrambled Joe-Kuo sequence (as scipy.stats.qmc.Sobol(scramble=False))', () => {
    const u = pinn.sobolPoints(8, 3, { skip: 0 });
    const expected = [
      [0, 0, 0], [0.5, 0.5, 0.5], [0.75, 0.25, 0.25], [0.25, 0.75, 0.75],
      [0.375, 0.375, 0.625], [0.875, 0.875, 0.125], [0.625, 0.125, 0.875], [0.125, 0.625, 0.375],
    ];
    expect(Array.from(u)).toEqual(expected.flat());
    // skip continues the same sequence.
    expect(Array.from(pinn.sobolPoints(3, 3, { skip: 5 }))).toEqual(expected.slice(5).flat());
    // Any 2^k consecutive points from the start are stratified in every dimension (a (0, k, 1)-net per axis).
    const v = pinn.sobolPoints(256, 6, { skip: 0 });
    for (let j = 0; j < 6; j++) {
      const cells = new Set<number>();
      for (let i = 0; i < 256; i++) cells.add(Math.floor(v[i * 6 + j] * 256));
      expect(cells.size).toBe(256);
    }
    expect(() => pinn.sobolPoints(4, pinn.SOBOL_MAX_DIM + 1)).toThrow(/at most/);
  });

  it('domains: interior points inside, boundary points on the boundary with outward unit normals', () => {
    const disk = new pinn.Disk([1, -1], 2);
    const xi = disk.sampleInterior(500, { method: 'sobol' });
    expect(xi.shape).toEqual([500, 2]);
    expect(xi.requiresGrad).toBe(true);
    const v = xi.values;
    for (let i = 0; i < 500; i++) expect(disk.contains([v[2 * i], v[2 * i + 1]])).toBe(true);
    // Uniform in area: about a quarter of the points within half the radius.
    let inner = 0;
    for (let i = 0; i < 500; i++) if (Math.hypot(v[2 * i] - 1, v[2 * i + 1] + 1) < 1) inner++;
    expect(Math.abs(inner / 500 - 0.25)).toBeLessThan(0.03);
    const { points, normals } = disk.sampleBoundary(100, { seed: 1 });
    const p = points.values, n = normals.values;
    for (let i = 0; i < 100; i++) {
      expect(Math.hypot(p[2 * i] - 1, p[2 * i + 1] + 1)).toBeCloseTo(2, 12);
      expect(Math.hypot(n[2 * i], n[2 * i + 1])).toBeCloseTo(1, 12);
      expect((p[2 * i] - 1) * n[2 * i] + (p[2 * i + 1] + 1) * n[2 * i + 1]).toBeCloseTo(2, 12);
    }

    const box = new pinn.Rectangle([0, 0], [3, 1]);
    const b = box.sampleBoundary(4000, { seed: 2 });
    const bp = b.points.values, bn = b.normals.values;
    let onLong = 0;
    for (let i = 0; i < 4000; i++) {
      const [x, y] = [bp[2 * i], bp[2 * i + 1]];
      const onX = x === 0 || x === 3, onY = y === 0 || y === 1;
      expect(onX || onY).toBe(true);
      expect(box.contains([x, y])).toBe(true);
      if (onY && !onX) onLong++;
      // The normal points out of the face the point lies on.
      if (x === 3) expect([bn[2 * i], bn[2 * i + 1]]).toEqual([1, 0]);
      if (y === 0) expect([bn[2 * i], bn[2 * i + 1]]).toEqual([0, -1]);
    }
    // Faces in proportion to length: the two long sides are 6 of the perimeter's 8.
    expect(Math.abs(onLong / 4000 - 0.75)).toBeLessThan(0.03);

    const line = new pinn.Interval(-1, 1);
    const ends = line.sampleBoundary(10, { method: 'sobol' });
    for (const x of ends.points.values) expect(Math.abs(x)).toBe(1);
  });

  it('time x space: t in the last column, boundary at the space ends, the initial slice at t0', () => {
    const omega = new pinn.TimeSpace(new pinn.Interval(0, 1), new pinn.Interval(-1, 1));
    expect(omega.dim).toBe(2);
    expect(omega.timeDim).toBe(1);
    expect(omega.lower).toEqual([-1, 0]);
    const x0 = omega.sampleInitial(50, { method: 'latinHypercube', seed: 3 });
    for (let i = 0; i < 50; i++) expect(x0.values[2 * i + 1]).toBe(0);
    const b = omega.sampleBoundary(50, { seed: 4 });
    for (let i = 0; i < 50; i++) {
      expect(Math.abs(b.points.values[2 * i])).toBe(1);
      expect(b.normals.values[2 * i + 1]).toBe(0);
      const t = b.points.values[2 * i + 1];
      expect(t >= 0 && t <= 1).toBe(true);
    }
    const xi = omega.sampleInterior(50, { method: 'sobol', dtype: 'float32' });
    expect(xi.dtype).toBe('float32');
    for (let i = 0; i < 50; i++) expect(omega.contains([xi.values[2 * i], xi.values[2 * i + 1]], 1e-6)).toBe(true);
  });

  it('rejects bad arguments with the reason', () => {
    expect(() => new pinn.Rectangle([0, 1], [1, 0])).toThrow(/lower < upper/);
    expect(() => new pinn.Disk([0, 0], -1)).toThrow(/radius/);
    expect(() => pinn.unitCubePoints(3, 2, { method: 'grid' as never })).toThrow(/method/);
    expect(() => pinn.latinHypercube(-1, 2)).toThrow(/non-negative integer/);
  });
});
