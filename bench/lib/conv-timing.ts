/**
 * Shared by the scripts that build the compiled-in convolution tables (bench/conv-table.ts,
 * bench/conv-algos.ts): per-pass timing of one convolution under each forced algorithm.
 * Times are the median process CPU time (user + system) per call over interleaved rounds, which
 * a loaded machine disturbs less than wall time at one thread.
 */
import * as L from '../lattice/lattice';
import { median } from './median';

type T = InstanceType<typeof L.Tensor>;
export type Algorithm = 'direct' | 'direct-small-c' | 'winograd';
/** A timing: median CPU ms and wall ms per call. */
export interface Timing { cpu: number; wall: number }

export const PASSES = ['forward', 'backwardInput', 'backwardWeight'] as const;

export { median };

/** Interleaved rounds over the algorithms: per round each runs `inner` calls of fn; medians per algorithm. */
export function timeAll(algorithms: Algorithm[], fn: () => void, inner: number, rounds = 7): Timing[] {
  const cpu: number[][] = algorithms.map(() => []), wall: number[][] = algorithms.map(() => []);
  for (const a of algorithms) { L.setConvAlgorithm(a); fn(); }
  for (let r = 0; r < rounds; r++) {
    algorithms.forEach((a, i) => {
      L.setConvAlgorithm(a);
      const t0 = process.cpuUsage(), w0 = performance.now();
      for (let k = 0; k < inner; k++) fn();
      const d = process.cpuUsage(t0);
      wall[i].push((performance.now() - w0) / inner);
      cpu[i].push((d.user + d.system) / 1000 / inner);
    });
  }
  L.setConvAlgorithm('auto');
  return algorithms.map((_, i) => ({ cpu: median(cpu[i]), wall: median(wall[i]) }));
}

/** A square kernel's geometry: k x k taps, stride, padding (dilation 1). */
export interface KernelGeometry { k: number; stride: number; padding: number }
export const CONV_3X3: KernelGeometry = { k: 3, stride: 1, padding: 1 };

/**
 * Per pass (forward, input gradient, weight gradient), the median CPU ms of a float32 conv2d
 * (default 3x3, stride 1, padding 1) of n samples and c channels to o channels whose output is
 * side x side (the input is stride * side wide), under each algorithm, each timed sample
 * repeating the call until it has done about `sampleFlops` of work.
 */
export function timePasses(algorithms: Algorithm[], c: number, o: number, side: number, n: number, sampleFlops: number, rounds = 7,
  geometry: KernelGeometry = CONV_3X3): Timing[][] {
  const { k, stride, padding } = geometry;
  const perSample = 2 * k * k * c * o * side * side;
  const inner = Math.max(1, Math.round(sampleFlops / (perSample * n)));
  L.manualSeed(0);
  const opts = { stride, padding };
  const x = L.randn([n, c, stride * side, stride * side]).requiresGrad_();
  const w = L.detach(L.randn([o, c, k, k]).mul(1 / Math.sqrt(k * k * c))).requiresGrad_();
  const y = L.conv2d(x, w, null, opts);
  const gy = L.randn(y.shape);
  const fns = [
    () => L.noGrad(() => L.conv2d(x, w, null, opts)).dispose(),
    () => L.grad(y, [x], { gradOutputs: [gy], retainGraph: true })[0]!.dispose(),
    () => L.grad(y, [w], { gradOutputs: [gy], retainGraph: true })[0]!.dispose(),
  ];
  const perPass = fns.map((fn) => timeAll(algorithms, fn, inner, rounds));
  L.dispose([x, w, gy, y]);
  return perPass;
}

/** The C++ initialiser of a per-pass table cells[pass][a][b][c] (0/1), one commented block per pass. */
export function passTableBody(cells: number[][][][]): string {
  return cells.map((byA, p) => `  // ${PASSES[p]}\n  {${byA.map((byB) => `{${byB.map((byC) => `{${byC.join(', ')}}`).join(', ')}}`).join(',\n   ')}}`).join(',\n');
}
