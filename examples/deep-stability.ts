// The stability showcase (bench workload W4, docs/bench-workloads.md): a 64-layer MLP of width 256 on Fashion-MNIST,
// 300 SGD steps (lr 0.05, momentum 0.9, batch 128, seed 0) in six variants.
// Run: npx tsx examples/deep-stability.ts [--steps 300] [--variants a,b,c,d,e,f]
// (the same as `lattice showcase stability`). Writes runs/showcase-stability/report.html.
import { runStabilityShowcase, type Variant } from '../src/cli/showcase';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : fallback; };
await runStabilityShowcase({
  steps: Number(arg('--steps', '300')),
  variants: arg('--variants', 'a,b,c,d,e,f').split(',') as Variant[],
  out: arg('--out', 'runs/showcase-stability'),
});
