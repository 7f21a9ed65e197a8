/**
 * Per-op overhead of recording and of backward: a chain of 1000 adds on [8]
 * tensors (kernel time is negligible there), forward then backward, inside
 * tidy() as a training step would be. Reports the median and the best of 200
 * runs in µs per op, from CPU time (robust to other load on the machine).
 * PyTorch does such an add in about 1.1 µs forward.
 *
 *   npx tsx bench/autograd-overhead.ts [path/to/src/index.ts]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

type Lattice = typeof import('../src/index');
const N = 1000;
const RUNS = 200;

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function step(L: Lattice): [number, number] {
  const x = L.randn([8], { requiresGrad: true });
  const c = L.randn([8]);
  let result: [number, number] = [0, 0];
  L.tidy(() => {
    const t0 = cpuMicros();
    let y = x;
    for (let i = 0; i < N; i++) y = y.add(c);
    const s = y.sum();
    const t1 = cpuMicros();
    s.backward();
    const t2 = cpuMicros();
    result = [(t1 - t0) / N, (t2 - t1) / N];
  });
  x.grad?.dispose();
  x.dispose();
  c.dispose();
  return result;
}

async function main(): Promise<void> {
  const entry = resolve(process.argv[2] ?? new URL('../src/index.ts', import.meta.url).pathname);
  const L = (await import(pathToFileURL(entry).href)) as Lattice;
  const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));
  for (let i = 0; i < 50; i++) { step(L); await yieldToLoop(); }
  const fwd: number[] = [], bwd: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const [f, b] = step(L);
    fwd.push(f);
    bwd.push(b);
    // Lets FinalizationRegistry callbacks run between steps, as between training steps.
    await yieldToLoop();
  }
  fwd.sort((a, b) => a - b);
  bwd.sort((a, b) => a - b);
  const med = (v: number[]): string => v[v.length >> 1].toFixed(2);
  console.log(`${L.backendInfo().backend}: forward ${med(fwd)} µs/op (best ${fwd[0].toFixed(2)}), backward ${med(bwd)} µs/op (best ${bwd[0].toFixed(2)})`);
}

void main();
