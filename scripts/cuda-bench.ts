/**
 * Bench of the CUDA path against the CPU backend in one process (workloads of
 * ../shared/BENCH.md): W1 SGEMM (square 1024, 2048, 4096; training shapes), W6 conv
 * (N=32, 64->64, 32x32, 3x3, padding 1: forward, forward+backward) and a W3 CNN step
 * (batch 64, Adam); then float32 GEMM with TF32 allowed (setFloat32MatmulPrecision('high'))
 * on cuda, and the norms and CTC forward+backward. Medians of timed repetitions, each
 * bracketed by cudaSynchronize(). backendInfo().cudaGemm names the GEMM engine (cuBLAS or the
 * built-in kernels; LATTICE_CUBLAS=0 keeps the built-in ones, for comparing the two).
 * Run: `npx tsx scripts/cuda-bench.ts [--quick] [--gemm-only] [--json out.json]`.
 */
import { writeFileSync } from 'node:fs';
import {
  type Device, type Tensor, backendInfo, conv2d, crossEntropy, ctcLoss, cudaInfo, cudaSynchronize, logSoftmax, manualSeed, matmul, nn,
  optim, rand, randint, randn, setFloat32MatmulPrecision, setNumThreads, sum, tensor, tidy,
} from '../src/index';
import { w3Cnn } from '../test/cuda/cases';

const quick = process.argv.includes('--quick');
// Only the cuda GEMM rows (FP32 and TF32): a second run with LATTICE_CUBLAS=0 compares the engines.
const gemmOnly = process.argv.includes('--gemm-only');
const cuda = cudaInfo();
const devices: Device[] = cuda.available ? (gemmOnly ? ['cuda'] : ['cuda', 'cpu']) : ['cpu'];
setNumThreads(Number(process.env.LATTICE_NUM_THREADS ?? 16));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median ms per call of fn on device: warm-up, then reps timed between device syncs. */
function time(device: Device, fn: () => void, reps: number, warmup = 2): number {
  const sync = (): void => { if (device === 'cuda') cudaSynchronize(); };
  for (let i = 0; i < warmup; i++) tidy(fn);
  sync();
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    tidy(fn);
    sync();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

interface Row { workload: string; device: Device; ms: number; gflops?: number }
const rows: Row[] = [];
const report = (r: Row): void => {
  rows.push(r);
  console.log(`${r.workload.padEnd(44)} ${r.device.padEnd(5)} ${r.ms.toFixed(3).padStart(10)} ms${r.gflops ? `  ${r.gflops.toFixed(0).padStart(7)} GFLOP/s` : ''}`);
};

console.log('backendInfo():', JSON.stringify(backendInfo()));
console.log('cudaInfo():', JSON.stringify(cuda));
const engine = backendInfo().cudaGemm;

// W1: SGEMM
const gemmShapes: [number, number, number][] = [[1024, 1024, 1024], [2048, 2048, 2048], [4096, 4096, 4096],
  [128, 784, 256], [128, 256, 10], [43264, 9, 32], [7744, 288, 64]];
for (const [M, K, N] of quick ? gemmShapes.slice(0, 1) : gemmShapes) {
  for (const device of devices) {
    if (device === 'cpu' && M * K * N > 2048 ** 3) continue;  // minutes on the CPU, nothing learnt
    manualSeed(1);
    const a = randn([M, K]).to(device), b = randn([K, N]).to(device);
    const reps = device === 'cuda' ? 20 : M * K * N >= 2048 ** 3 ? 3 : 5;
    const ms = time(device, () => { matmul(a, b); }, reps);
    const label = device === 'cuda' ? ` (${engine})` : '';
    report({ workload: `W1 SGEMM ${M}x${K} @ ${K}x${N}${label}`, device, ms, gflops: (2 * M * N * K) / ms / 1e6 });
    if (device === 'cuda') {
      // The same product with TF32 tensor cores allowed.
      setFloat32MatmulPrecision('high');
      const tf32 = time(device, () => { matmul(a, b); }, reps);
      setFloat32MatmulPrecision('highest');
      report({ workload: `W1 SGEMM ${M}x${K} @ ${K}x${N} TF32 (${engine})`, device, ms: tf32, gflops: (2 * M * N * K) / tf32 / 1e6 });
    }
    a.dispose();
    b.dispose();
  }
}

// W6: conv N=32, 64->64, 32x32, 3x3, padding 1
for (const device of gemmOnly ? [] : devices) {
  manualSeed(2);
  const x = randn([32, 64, 32, 32]).to(device), w = randn([64, 64, 3, 3]).to(device).requiresGrad_();
  const flops = 2 * 32 * 64 * 32 * 32 * 64 * 9;
  const fwd = time(device, () => { conv2d(x, w, undefined, { padding: 1 }); }, device === 'cuda' ? 20 : 5);
  report({ workload: 'W6 conv2d forward', device, ms: fwd, gflops: flops / fwd / 1e6 });
  const xg = x.requiresGrad_();
  const both = time(device, () => {
    sum(conv2d(xg, w, undefined, { padding: 1 })).backward();
    xg.grad = null;
    w.grad = null;
  }, device === 'cuda' ? 20 : 3);
  report({ workload: 'W6 conv2d forward+backward', device, ms: both, gflops: (3 * flops) / both / 1e6 });
}

// W3: CNN step, batch 64, Adam 1e-3
for (const device of gemmOnly ? [] : devices) {
  manualSeed(3);
  const model = w3Cnn().to(device);
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = rand([64, 1, 28, 28]).to(device), y = randint(0, 10, [64]).to(device);
  const step = (): void => {
    opt.zeroGrad();
    const loss: Tensor = crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
  };
  report({ workload: 'W3 CNN training step (batch 64, Adam)', device, ms: time(device, step, device === 'cuda' ? 30 : 10, 3) });
}

// Norms and CTC, forward+backward (the fused kernels of both devices).
for (const device of gemmOnly ? [] : devices) {
  manualSeed(4);
  const reps = device === 'cuda' ? 20 : 3;
  const bn = new nn.BatchNorm2d(64).to(device);
  const xb = randn([64, 64, 32, 32]).to(device).requiresGrad_();
  report({ workload: 'BatchNorm2d [64,64,32,32] forward+backward', device, ms: time(device, () => { sum(bn.forward(xb)).backward(); xb.grad = null; }, reps) });
  const ln = new nn.LayerNorm(1024).to(device);
  const xl = randn([4096, 1024]).to(device).requiresGrad_();
  report({ workload: 'LayerNorm [4096,1024] forward+backward', device, ms: time(device, () => { sum(ln.forward(xl)).backward(); xl.grad = null; }, reps) });
  const gn = new nn.GroupNorm(8, 64).to(device);
  report({ workload: 'GroupNorm(8) [64,64,32,32] forward+backward', device, ms: time(device, () => { sum(gn.forward(xb)).backward(); xb.grad = null; }, reps) });
  // CTC: T=200 frames, batch 32, 30 classes, targets of 50 labels.
  const logits = randn([200, 32, 30]).to(device).requiresGrad_();
  manualSeed(5);
  const targets = randint(1, 30, [32, 50]).to(device);
  const lens = tensor(Array(32).fill(200), { dtype: 'int32' }), tl = tensor(Array(32).fill(50), { dtype: 'int32' });
  report({ workload: 'ctcLoss T=200 N=32 C=30 L=50 forward+backward', device,
    ms: time(device, () => { ctcLoss(logSoftmax(logits, 2), targets, lens, tl).backward(); logits.grad = null; }, device === 'cuda' ? 20 : 3) });
}

const jsonAt = process.argv.indexOf('--json');
if (jsonAt > 0) writeFileSync(process.argv[jsonAt + 1], JSON.stringify({ device: cuda, backend: backendInfo(), rows }, null, 2));
