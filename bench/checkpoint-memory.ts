/**
 * Activation checkpointing: what it saves and what it costs, on a 16-block MLP (a transformer's
 * feed-forward block: Linear(w, 4w), GELU, Linear(4w, w), LayerNorm, with a residual) and on a
 * small ResNet-like CNN (8 blocks of conv3x3, BatchNorm2d, ReLU, conv3x3, BatchNorm2d, residual).
 * Per model and mode (no checkpointing; nn.utils.checkpointSequential with 4 segments; one
 * checkpoint per block) it reports, from memory() (live tensor bytes):
 * - held: the bytes the graph keeps between the end of forward and the start of backward;
 * - peak: the most bytes live at any sampled point of the step (sampled after every module's
 *   forward, the recomputes included, and at every parameter's gradient in backward);
 * and the median wall time of a training step (forward, backward) over the runs.
 *
 *   npx tsx bench/checkpoint-memory.ts [--runs 5] [--width 256] [--batch 64]
 */
import * as L from '../src/index';
import { nn } from '../src/index';
import { checkpoint } from '../src/autograd/checkpoint';

type Tensor = L.Tensor;
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const runs = arg('runs', 5), width = arg('width', 256), batch = arg('batch', 64);

/** x + block(x), so that the chain stays well conditioned. */
class Residual extends nn.Module {
  constructor(readonly body: nn.Sequential) { super(); }
  forward(x: Tensor): Tensor { return x.add(this.body.call(x)); }
}

function mlp(): { blocks: Residual[]; input: () => Tensor } {
  const blocks: Residual[] = [];
  for (let i = 0; i < 16; i++) {
    blocks.push(new Residual(new nn.Sequential(new nn.Linear(width, 4 * width), new nn.GELU(), new nn.Linear(4 * width, width), new nn.LayerNorm(width))));
  }
  return { blocks, input: () => L.randn([batch, width], { requiresGrad: true }) };
}

function cnn(): { blocks: Residual[]; input: () => Tensor } {
  const blocks: Residual[] = [];
  for (let i = 0; i < 8; i++) {
    blocks.push(new Residual(new nn.Sequential(
      new nn.Conv2d(32, 32, 3, { padding: 1 }), new nn.BatchNorm2d(32), new nn.ReLU(),
      new nn.Conv2d(32, 32, 3, { padding: 1 }), new nn.BatchNorm2d(32),
    )));
  }
  return { blocks, input: () => L.randn([16, 32, 32, 32], { requiresGrad: true }) };
}

type Mode = 'plain' | 'checkpointSequential(4)' | 'checkpoint per block';

function measure(build: () => { blocks: Residual[]; input: () => Tensor }, mode: Mode): { held: number; peak: number; ms: number } {
  L.manualSeed(0);
  const { blocks, input } = build();
  const model = new nn.Sequential(...blocks);
  let peak = 0, base = 0;
  const sample = (): void => { peak = Math.max(peak, L.memory().numBytes - base); };
  for (const m of model.modules()) m.registerForwardHook(() => { sample(); });
  for (const p of model.parameters()) p.registerHook(() => { sample(); });
  let held = 0;
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    L.tidy(() => {
      const x = input();
      peak = 0;
      base = L.memory().numBytes;
      const t0 = performance.now();
      const y = mode === 'plain' ? model.call(x)
        : mode === 'checkpointSequential(4)' ? nn.utils.checkpointSequential(model, 4, x)
          : blocks.reduce((h, b) => checkpoint((t: Tensor) => b.call(t), h, { buffers: b.buffers() }), x);
      held = L.memory().numBytes - base;
      sample();
      y.square().mean().backward();
      times.push(performance.now() - t0);
      for (const p of model.parameters()) p.grad = null;
    });
  }
  times.sort((a, b) => a - b);
  return { held, peak, ms: times[Math.floor(times.length / 2)] };
}

const mib = (b: number): string => (b / 2 ** 20).toFixed(2);
console.log(`backend ${L.backendInfo().backend}, ${runs} runs; MiB of live tensors (memory().numBytes)`);
console.log('| model | mode | held before backward | peak in the step | step ms (median) |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const [name, build] of [[`MLP 16 x (${width} -> ${4 * width} -> ${width}), batch ${batch}`, mlp], ['CNN 8 residual blocks, 32 ch, 16 x 32 x 32', cnn]] as const) {
  for (const mode of ['plain', 'checkpointSequential(4)', 'checkpoint per block'] as Mode[]) {
    const r = measure(build, mode);
    console.log(`| ${name} | ${mode} | ${mib(r.held)} | ${mib(r.peak)} | ${r.ms.toFixed(1)} |`);
  }
}
