// bench/lib/report.ts: rows from interleaved rounds (the best peer, the per-round ratio, the
// flags, default vs tuned malloc) and the Markdown that says where Lattice is behind. Made-up
// rounds only: nothing here is timed.
import { describe, expect, it } from 'vitest';
import { buildRows, renderMarkdown, type Measured, type Meta, type Round } from '../../bench/lib/report';

const round = (ms: number, cpu = 1, wall = 1): Round => ({ ms, cpu_s: cpu, wall_s: wall, samples: [ms, ms, ms], inner: 1 });

function measured(peers: Measured['peers'], extra: Partial<Measured> = {}): Measured {
  return { workload: 'conv', case: 'forward', threads: 1, unit: 'ms', flops: null, perCall: 1, peers, orders: [], ...extra };
}

const meta: Meta = {
  date: '2026-12-06', mode: 'full', rounds: 3, duration_s: 10, machine: { cpu: 'test CPU', cores: 2, node: 'v20' },
  peak: { per_core_gflops: 100, isa: 'avx2', avx2: { per_core: 100, per_core_2t: 98, check: 'pass', wrong_lanes: 0 } },
  peers: [
    { id: 'lattice', threads: 1, name: 'lattice', available: true },
    { id: 'tensorflow', threads: 1, name: 'tensorflow-2.21', available: true },
    { id: 'tensorflow+jemalloc', threads: 1, name: 'tensorflow-2.21+jemalloc', available: true },
  ],
  missing: [], errors: [], load: { start: [0.1, 0.1, 0.1], end: [0.1, 0.1, 0.1] },
};
const names = Object.fromEntries(meta.peers.map((p) => [p.id, p.name]));

describe('bench report rows', () => {
  it('names the fastest peer and takes the ratio per round, paired with Lattice', () => {
    const [row] = buildRows([measured({
      lattice: { rounds: [round(10), round(20), round(10)] },
      tensorflow: { rounds: [round(8), round(16), round(9)] },
      'tensorflow+jemalloc': { rounds: [round(12), round(24), round(12)] },
    })], names, {});
    expect(row.best?.peer).toBe('tensorflow');
    expect(row.best?.name).toBe('tensorflow-2.21');
    // rounds: 8/10, 16/20, 9/10 -> median 0.8, range 0.8..0.9
    expect(row.ratio?.median).toBeCloseTo(0.8);
    expect(row.ratio?.min).toBeCloseTo(0.8);
    expect(row.ratio?.max).toBeCloseTo(0.9);
    expect(row.lattice_behind).toBe(true);
    expect(row.lattice?.median).toBe(10);
    // default 9 ms vs jemalloc 12 ms: reported as a malloc difference
    expect(row.malloc).toHaveLength(1);
    expect(row.malloc[0].change).toBeCloseTo(12 / 9 - 1);
    expect(row.malloc[0].separate).toBe(false);  // 8..16 and 12..24 overlap: noise, not malloc
  });

  it('flags a spread above 25% and a 1-thread run above 1.15 CPU/wall', () => {
    const [row] = buildRows([measured({
      lattice: { rounds: [round(10), round(14), round(10)] },
      tensorflow: { rounds: [round(8, 1.5, 1), round(8, 1.5, 1), round(8, 1.5, 1)] },
    })], names, {});
    expect(row.lattice?.flags.some((f) => f.startsWith('spread 40%'))).toBe(true);
    expect(row.flags).toContain('tensorflow-2.21: CPU/wall 1.50 at 1 thread');
    const [twoThreads] = buildRows([measured({ lattice: { rounds: [round(10)] }, tensorflow: { rounds: [round(8, 1.9, 1)] } }, { threads: 2 })], names, {});
    expect(twoThreads.flags).toEqual([]);
  });

  it('turns GEMM times into GFLOP/s (higher is better) and keeps unsupported peers out of "best"', () => {
    const flops = 2 * 1024 ** 3;
    const [row] = buildRows([measured({
      lattice: { rounds: [round(20), round(20), round(20)] },
      tensorflow: { rounds: [], unsupported: 'no kernel' },
      'tensorflow+jemalloc': { rounds: [round(25), round(25), round(25)] },
    }, { workload: 'gemm', case: '1024x1024x1024', flops })], names, {});
    expect(row.unit).toBe('GFLOP/s');
    expect(row.better).toBe('higher');
    expect(row.lattice?.median).toBeCloseTo(flops / 20e6);
    expect(row.best?.peer).toBe('tensorflow+jemalloc');
    expect(row.ratio?.median).toBeCloseTo(1.25);
    expect(row.lattice_behind).toBe(false);
    expect(row.peers.tensorflow).toEqual({ unsupported: 'no kernel' });
  });

  it('renders where Lattice is behind, the peak share and the machine load', () => {
    const rows = buildRows([
      measured({ lattice: { rounds: [round(10), round(10), round(10)] }, tensorflow: { rounds: [round(8), round(8), round(8)] } }),
      measured({ lattice: { rounds: [round(20), round(20), round(20)] }, tensorflow: { rounds: [round(25), round(25), round(25)] } },
        { workload: 'gemm', case: '1024x1024x1024', flops: 2 * 1024 ** 3 }),
    ], names, {});
    const md = renderMarkdown(rows, meta);
    expect(md).toContain('**Where Lattice is behind** (every round slower than the best peer): W6 forward 1T (0.80x vs tensorflow-2.21)');
    expect(md).toContain('| W6 | forward | 1 | ms | 10.0 (10.0–10.0) | tensorflow-2.21 | 8.00 (8.00–8.00) | 0.80x (0.80–0.80) | **Lattice behind** |');
    expect(md).toContain('107 (107–107) · 107% of peak (above the probe: check it)');
    expect(md).toContain('the machine was quiet enough');
  });
});
