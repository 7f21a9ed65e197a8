/**
 * Times the conv2d algorithms against each other, and builds native/kernels/conv_direct_table.h.
 *
 *   npm run build:native && npm run build:ts && npx tsx bench/conv-algos.ts [--threads 1,2] [--only TEXT] [--table [--dry-run]]
 *
 * Without --table: for each shape below (the W3 CNN's convolutions, a 1x1 projection, an RGB
 * stem), every algorithm that applies ('direct' = im2col + GEMM, 'direct-small-c', 'winograd')
 * is timed on the forward alone and on forward + backward (the input gradient only where
 * the shape's input needs one: not for a first layer on data), in interleaved rounds, and
 * the median CPU and wall ms per call printed with 'auto's choice.
 *
 * With --table: for 1..4 input channels and each class of output channels and output side
 * (convChannelClass / convSpatialClass in native/kernels/winograd.h) it times each pass of a
 * 3x3 stride-1 padding-1 conv2d, and of a 7x7 stride-2 padding-3 one (ResNet's stem), (forward,
 * input gradient, weight gradient) at one thread both ways, at the cell's two corners, and marks
 * per pass the cells where 'direct-small-c' was faster by more than 5% at both (the rule
 * bench/conv-table.ts uses). Both algorithms are exact, so 'auto' may run the passes of one
 * convolution with different ones. Only those geometries are measured, so the compiled-in choice
 * covers only 3x3 stride-1 and 7x7 stride-2 undilated kernels; the others need setConvAlgorithm.
 *
 * Times are medians of process CPU time (user + system) over rounds, which a loaded machine
 * disturbs less than wall time at one thread; the load average is printed with them.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { CONV_3X3, PASSES, passTableBody, timeAll, timePasses, type Algorithm, type KernelGeometry } from './lib/conv-timing';

const L = await import('./lattice/lattice');
type T = InstanceType<typeof L.Tensor>;

const here = dirname(fileURLToPath(import.meta.url));
const tablePath = join(here, '..', 'native', 'kernels', 'conv_direct_table.h');
const argv = process.argv.slice(2);
const threadsArg = argv.includes('--threads') ? argv[argv.indexOf('--threads') + 1] : '1';
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : '';
const MARGIN = 1.05;

if (L.backendInfo().backend !== 'native') {
  console.error('conv-algos: needs the native backend');
  process.exit(1);
}

interface Shape { name: string; x: number[]; w: number[]; opts: { stride?: number; padding?: number }; inputGrad: boolean }

/** One call of the case: forward alone, or forward + backward with output gradient gy. */
function caseFn(s: Shape, x: T, w: T, gy: T, backward: boolean): () => void {
  return () => {
    if (!backward) {
      L.noGrad(() => L.conv2d(x, w, null, s.opts)).dispose();
      return;
    }
    for (const t of [x, w]) { t.grad?.dispose(); t.grad = null; }
    const y = L.conv2d(x, w, null, s.opts);
    L.backward(y, gy);
    y.dispose();
  };
}

function tensors(s: Shape): { x: T; w: T; gy: T } {
  L.manualSeed(0);
  const x = L.randn(s.x).requiresGrad_(s.inputGrad);
  const w = L.detach(L.randn(s.w).mul(1 / Math.sqrt(s.w[1] * s.w[2] * s.w[3]))).requiresGrad_();
  const gy = L.randn(L.noGrad(() => L.conv2d(x, w, null, s.opts)).shape);
  return { x, w, gy };
}

/** The algorithms that can run s (the policy falls back to 'direct' where one refuses). */
function applicable(s: Shape): Algorithm[] {
  const out: Algorithm[] = ['direct'];
  for (const a of ['direct-small-c', 'winograd'] as const) {
    L.setConvAlgorithm(a);
    if (L.convAlgorithm({ input: s.x, weight: s.w, ...s.opts }).algorithm === a) out.push(a);
  }
  L.setConvAlgorithm('auto');
  return out;
}

const SHAPES: Shape[] = [
  { name: 'W3 conv1 1->32 3x3 28x28', x: [64, 1, 28, 28], w: [32, 1, 3, 3], opts: {}, inputGrad: false },
  { name: 'W3 conv2 32->64 3x3 13x13', x: [64, 32, 13, 13], w: [64, 32, 3, 3], opts: {}, inputGrad: true },
  { name: '1x1 64->64 32x32', x: [32, 64, 32, 32], w: [64, 64, 1, 1], opts: {}, inputGrad: true },
  { name: '1x1/2 64->128 32x32', x: [32, 64, 32, 32], w: [128, 64, 1, 1], opts: { stride: 2 }, inputGrad: true },
  { name: 'CIFAR RGB 3->32 3x3 p1 32x32', x: [64, 3, 32, 32], w: [32, 3, 3, 3], opts: { padding: 1 }, inputGrad: false },
  { name: 'RGB stem 3->64 7x7/2 p3 112x112', x: [8, 3, 112, 112], w: [64, 3, 7, 7], opts: { stride: 2, padding: 3 }, inputGrad: false },
  { name: 'W11 ResNet-18 stem 3->64 7x7/2 p3 64x64', x: [32, 3, 64, 64], w: [64, 3, 7, 7], opts: { stride: 2, padding: 3 }, inputGrad: false },
  { name: 'grey 1->32 3x3 with input grad', x: [64, 1, 28, 28], w: [32, 1, 3, 3], opts: {}, inputGrad: true },
];

function compare(): void {
  for (const threads of threadsArg.split(',').map(Number)) {
    L.setNumThreads(threads);
    console.log(`\n# ${threads} thread(s), ISA ${L.backendInfo().isa}, load average ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
    for (const s of SHAPES.filter((c) => c.name.includes(only))) {
      const { x, w, gy } = tensors(s);
      const algorithms = applicable(s);
      const auto = L.convAlgorithm({ input: s.x, weight: s.w, ...s.opts }).algorithm;
      for (const backward of [false, true]) {
        const fn = caseFn(s, x, w, gy, backward);
        const t0 = performance.now();
        fn();
        const inner = Math.max(1, Math.round(150 / Math.max(0.05, performance.now() - t0)));
        const times = timeAll(algorithms, fn, inner);
        const cells = algorithms.map((a, i) => `${a} ${times[i].cpu.toFixed(2)} cpu / ${times[i].wall.toFixed(2)} wall ms`);
        console.log(`${s.name} ${backward ? 'fwd+bwd' : 'fwd'}: ${cells.join(' | ')}  (auto: ${auto})`);
      }
      L.dispose([x, w, gy]);
    }
  }
}

// Output-channel classes <= 16, <= 64, <= 256, larger; output-side classes <= 8, <= 16, <= 32, larger.
const CH_LOW = [8, 24, 96, 384], CH_HIGH = [16, 64, 256, 512];
const SIDE_LOW = [5, 11, 24, 48], SIDE_HIGH = [8, 16, 32, 56];

// The kernel geometries the table covers: 3x3 stride 1 (a small-channel first layer, CIFAR's stem)
// and 7x7 stride 2 (ResNet's stem on RGB). Written into the header as kConvDirectSmallCKinds.
const GEOMETRIES: { name: string; g: KernelGeometry }[] = [
  { name: '3x3 stride 1 padding 1', g: CONV_3X3 },
  { name: '7x7 stride 2 padding 3', g: { k: 7, stride: 2, padding: 3 } },
];

function table(): void {
  L.setNumThreads(1);
  /** Per pass, whether direct-small-c beat im2col + GEMM by MARGIN on this shape. */
  const wins = (geometry: KernelGeometry, c: number, o: number, side: number): boolean[] => {
    const n = Math.max(1, Math.min(64, Math.round(3e7 / (2 * geometry.k * geometry.k * c * o * side * side))));
    // ~1e8 flops a sample and 9 rounds: at 3e7 and 5 the table came out different on each run.
    const perPass = timePasses(['direct', 'direct-small-c'], c, o, side, n, 1e8, 9, geometry);
    return perPass.map(([gemm, direct], i) => {
      const win = gemm.cpu > direct.cpu * MARGIN;
      console.log(`${geometry.k}x${geometry.k}/${geometry.stride} n=${n} c=${c} o=${o} out ${side}x${side} ${PASSES[i]}: im2col+GEMM ${gemm.cpu.toFixed(3)} ms, direct-small-c ${direct.cpu.toFixed(3)} ms${win ? '  -> direct-small-c' : ''}`);
      return win;
    });
  };
  const blocks = GEOMETRIES.map(({ name, g }) => {
    const cells = PASSES.map(() => [1, 2, 3, 4].map(() => CH_LOW.map(() => SIDE_LOW.map(() => 0))));
    for (let c = 1; c <= 4; c++) {
      CH_LOW.forEach((_, oi) => SIDE_LOW.forEach((__, si) => {
        const low = wins(g, c, CH_LOW[oi], SIDE_LOW[si]), high = wins(g, c, CH_HIGH[oi], SIDE_HIGH[si]);
        PASSES.forEach((___, p) => { cells[p][c - 1][oi][si] = low[p] && high[p] ? 1 : 0; });
      }));
    }
    return `  // ${name}\n  {\n${passTableBody(cells).replace(/^/gm, '  ')}}`;
  });
  const header = `// Generated by \`npx tsx bench/conv-algos.ts --table\`; do not edit by hand.
// kConvDirectSmallCWins[kind][pass][c - 1][o][s] is 1 where the direct small-channel kernels beat im2col + GEMM by
// more than 5% on that pass (ConvPass: forward, input gradient, weight gradient) of a float32 conv2d of
// kernel geometry kind (${GEOMETRIES.map((x, i) => `${i}: ${x.name}`).join('; ')}), at one thread (median CPU
// time), at both corners of the cell of output-channel and output-side classes o, s (convChannelClass: <=16,
// <=64, <=256, larger, corners ${CH_LOW.join(', ')} and ${CH_HIGH.join(', ')}; convSpatialClass: <=8, <=16, <=32,
// larger, corners ${SIDE_LOW.join(', ')} and ${SIDE_HIGH.join(', ')} outputs a side), for c = 1..4 input channels.
// directSmallCPreferred consults it for those undilated geometries only (kConvDirectSmallCKinds; any padding);
// others stay im2col + GEMM.
// Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'}, ISA ${L.backendInfo().isa}, load average ${loadavg()[0].toFixed(1)}.
#pragma once

#include <cstdint>

namespace lattice {

// Geometry kind i: a square kernel of side k and stride (dilation 1).
struct ConvDirectSmallCKind { int k, stride; };
constexpr ConvDirectSmallCKind kConvDirectSmallCKinds[${GEOMETRIES.length}] = {${GEOMETRIES.map(({ g }) => `{${g.k}, ${g.stride}}`).join(', ')}};

constexpr uint8_t kConvDirectSmallCWins[${GEOMETRIES.length}][3][4][4][4] = {
${blocks.join(',\n')}};

}  // namespace lattice
`;
  if (argv.includes('--dry-run')) console.log(header);
  else {
    writeFileSync(tablePath, header);
    console.log(`conv-algos: wrote ${tablePath}; rebuild the addon (npm run build:native) to use it`);
  }
}

if (argv.includes('--table')) table();
else compare();
