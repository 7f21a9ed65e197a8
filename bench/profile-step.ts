/**
 * Where a training step's time goes: runs N steps of a model with Adam on random data and
 * reports, per step (median over the timed steps), the CPU time inside each backend kernel
 * (forward and backward phases apart, with call counts), the time outside kernels (op
 * dispatch, tape recording, buffer management, GC), fresh buffer allocations, minor page
 * faults and GC pauses. Kernel calls are what the thread pool is woken for (every kernel
 * that splits its work over the pool wakes it once per call, none when one thread runs).
 *
 *   npx tsx bench/profile-step.ts [--model w3|mlp|cli-cnn|resnet18|deep-c|deep-d|deep-e|deep-f] [--threads N] [--steps N] [--warmup N] [--batch N] [--wall] [--forward] [--table op|kernel] [--trace path.json]
 *
 * `--forward` profiles the forward pass alone, without the tape (as W11's forward row: noGrad, train mode).
 * `--table op|kernel` also prints train.profile()'s table of the timed steps (per op, or per kernel);
 * `--trace` writes their Chrome trace.
 *
 * The kernels are timed by train.profile(), each phase a train.recordFunction() scope. Timing a
 * kernel costs ~0.1 µs per call (two performance.now()); the step total without the profiler is
 * printed too.
 */
import { PerformanceObserver, performance } from 'node:perf_hooks';
import * as L from '../src/index';
import { median } from './lib/median';
import { allocationStats } from '../src/tensor/dtype';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const modelName = flag('model', 'w3');
const threads = Number(flag('threads', '1'));
const steps = Number(flag('steps', '40'));
const { nn } = L;

function build(): { model: L.nn.Module<[L.Tensor], L.Tensor>; input: number[]; classes: number } {
  switch (modelName) {
    case 'w3': return {
      model: new nn.Sequential(
        new nn.Conv2d(1, 32, 3), new nn.ReLU(), new nn.MaxPool2d(2),
        new nn.Conv2d(32, 64, 3), new nn.ReLU(), new nn.MaxPool2d(2),
        new nn.Flatten(), new nn.Linear(1600, 128), new nn.ReLU(), new nn.Linear(128, 10)),
      input: [Number(flag('batch', '64')), 1, 28, 28], classes: 10,
    };
    case 'mlp': return {  // W2: 784-256-256-10, batch 128, Adam
      model: new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 256), new nn.ReLU(), new nn.Linear(256, 10)),
      input: [Number(flag('batch', '128')), 784], classes: 10,
    };
    case 'cli-cnn': return {
      model: new nn.Sequential(
        new nn.Conv2d(1, 32, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(32), new nn.ReLU(), new nn.MaxPool2d(2),
        new nn.Conv2d(32, 64, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(64), new nn.ReLU(), new nn.MaxPool2d(2),
        new nn.Flatten(), new nn.Linear(64 * 7 * 7, 128), new nn.ReLU(), new nn.Dropout(0.25), new nn.Linear(128, 10)),
      input: [Number(flag('batch', '64')), 1, 28, 28], classes: 10,
    };
    case 'resnet18': return {
      model: L.models.resnet18({ numClasses: 10 }) as L.nn.Module<[L.Tensor], L.Tensor>,
      input: [Number(flag('batch', '32')), 3, 64, 64], classes: 10,
    };
    case 'deep-c': case 'deep-d': case 'deep-e': case 'deep-f': {
      // W4 (c) pre-norm residual blocks x + Linear(ReLU(LayerNorm(x))); (d) (c) with
      // clipGradNorm(1.0) after backward (step() below); (e) (c) with StochasticDepth(0.1, 'row')
      // ending every block; (f) with BatchNorm1d.
      const norm = (): L.nn.TensorModule => (modelName === 'deep-f' ? new nn.BatchNorm1d(256) : new nn.LayerNorm([256]));
      const drop = (): L.nn.TensorModule[] => (modelName === 'deep-e' ? [new nn.StochasticDepth(0.1, 'row')] : []);
      const blocks: L.nn.TensorModule[] = [new nn.Linear(784, 256)];
      for (let i = 0; i < 62; i++) blocks.push(new nn.Residual(new nn.Sequential(norm(), new nn.ReLU(), new nn.Linear(256, 256), ...drop())));
      blocks.push(norm(), new nn.Linear(256, 10));
      return { model: new nn.Sequential(...blocks), input: [Number(flag('batch', '128')), 784], classes: 10 };
    }
    default: throw new Error(`unknown --model ${modelName}`);
  }
}

L.setNumThreads(threads);
L.manualSeed(0);
const { model, input, classes } = build();
// W4 trains with SGD (lr 0.05, momentum 0.9), the others with Adam 1e-3.
const opt = modelName.startsWith('deep') ? new L.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }) : new L.optim.Adam(model.parameters(), { lr: 1e-3 });
const x = L.rand(input);
const y = L.randint(0, classes, [input[0]]);

const clipParams = modelName === 'deep-d' ? model.parameters() : null;

// The machine this was written on is shared and loaded: wall time per kernel is mostly other
// jobs' time slices, so kernels are timed in this process's CPU time (µs resolution, ~1 µs a
// call; with one thread it is the kernel's own time). With several threads CPU time adds the
// workers' spinning: `--wall` times kernels by the clock instead (on a quiet machine).
const wallClock = process.argv.includes('--wall');
const { profile, recordFunction } = L.train;

let gcMs = 0, gcCount = 0;
new PerformanceObserver((list) => { for (const e of list.getEntries()) { gcMs += e.duration; gcCount++; } }).observe({ entryTypes: ['gc'] });

const forwardOnly = process.argv.includes('--forward');

// Each phase is a profiler scope (a plain call when no profile runs): the kernels in it, the
// backward's included, are that phase's.
function step(): void {
  if (forwardOnly) {
    recordFunction('fwd', () => L.tidy(() => { L.noGrad(() => model.call(x)); }));
    return;
  }
  L.tidy(() => {
    const loss = recordFunction('fwd', () => {
      opt.zeroGrad();
      return L.crossEntropy(model.call(x), y);
    });
    recordFunction('bwd', () => L.backward(loss));
    if (clipParams) recordFunction('clip', () => L.clipGradNorm(clipParams, 1.0));
    recordFunction('opt', () => opt.step());
    loss.item();
  });
}

// V8 keeps compiling over the first couple of dozen steps (on 2 threads its compiler threads take
// a core from the kernels), so the warm-up is long.
for (let i = 0; i < Number(flag('warmup', '30')); i++) step();

// Plain steps first (no wrappers): the true step time, CPU time, faults, allocations, GC.
const wall: number[] = [], cpu: number[] = [];
const faults0 = process.resourceUsage().minorPageFault;
const alloc0 = { ...allocationStats };
gcMs = 0; gcCount = 0;
for (let i = 0; i < steps; i++) {
  const c0 = process.cpuUsage(), t0 = performance.now();
  step();
  wall.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
}
await new Promise((r) => setTimeout(r, 10));  // let the GC observer deliver
const faults = (process.resourceUsage().minorPageFault - faults0) / steps;
const freshPerStep = (allocationStats.fresh - alloc0.fresh) / steps;
const freshBytesPerStep = (allocationStats.freshBytes - alloc0.freshBytes) / steps;
const gcPerStep = gcMs / steps, gcCountPerStep = gcCount / steps;

const profiled = profile(() => { for (let i = 0; i < steps; i++) recordFunction('step', step); }, { clock: wallClock ? 'wall' : 'cpu' });
const spans = profiled.spans;
const wrappedWall = spans.filter((sp) => sp.kind === 'scope' && sp.name === 'step').map((sp) => sp.endMs - sp.startMs);
const phaseOf = (i: number): string => {
  for (let p = spans[i].parent; p >= 0; p = spans[p].parent) if (spans[p].kind === 'scope' && spans[p].name !== 'step') return spans[p].name;
  return '?';
};
const perKernel = new Map<string, { ms: number; calls: number }>();
spans.forEach((sp, i) => {
  if (sp.kind !== 'kernel') return;
  const k = `${phaseOf(i)} ${sp.name}`;
  const e = perKernel.get(k);
  if (e) { e.ms += sp.endMs - sp.startMs; e.calls++; } else perKernel.set(k, { ms: sp.endMs - sp.startMs, calls: 1 });
});

const rows = [...perKernel.entries()].map(([k, v]) => ({ k, ms: v.ms / steps, calls: v.calls / steps })).sort((a, b) => b.ms - a.ms);
const kernelMs = rows.reduce((s, r) => s + r.ms, 0);
const stepMs = median(wall);
const lines: string[] = [];
lines.push(`model ${modelName}, input [${input}], ${threads} thread(s), ${steps} steps; load ${(await import('node:os')).loadavg().map((v) => v.toFixed(2)).join(' ')}`);
lines.push(`step: median ${stepMs.toFixed(2)} ms wall, ${median(cpu).toFixed(2)} ms CPU (instrumented: ${median(wrappedWall).toFixed(2)} ms ${wallClock ? 'wall' : 'CPU'})`);
lines.push(`kernels: ${kernelMs.toFixed(2)} ms per step in ${rows.reduce((s, r) => s + r.calls, 0).toFixed(0)} calls (mean); outside kernels ≈ ${(median(wrappedWall) - kernelMs).toFixed(2)} ms`);
lines.push(`fresh buffers per step: ${freshPerStep.toFixed(1)} (${(freshBytesPerStep / 1024).toFixed(1)} KiB); minor page faults per step: ${faults.toFixed(1)}; GC ${gcCountPerStep.toFixed(2)} pauses, ${gcPerStep.toFixed(3)} ms per step`);
lines.push('');
lines.push('| phase kernel | ms/step | calls/step | µs/call |');
lines.push('| --- | ---: | ---: | ---: |');
for (const r of rows) lines.push(`| ${r.k} | ${r.ms.toFixed(3)} | ${r.calls.toFixed(0)} | ${((r.ms / r.calls) * 1000).toFixed(1)} |`);
const tableBy = flag('table', '');
if (tableBy === 'op' || tableBy === 'kernel') lines.push('', profiled.table({ by: tableBy, rowLimit: 25 }));
const tracePath = flag('trace', '');
if (tracePath) profiled.exportChromeTrace(tracePath);
console.log(lines.join('\n'));
