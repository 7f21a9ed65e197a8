/**
 * Times a C3D-like volumetric convolution, Lattice's conv3d (one native conv2d over the gathered
 * depth taps, src/ops/conv3d.ts) against PyTorch's F.conv3d in the same run at matched thread
 * counts: the forward (no grad) and the forward + backward (gradients of x, weight and bias).
 * A third Lattice row times the conv2d at its core alone (the folded [N·oD, kD·C, H, W] batch),
 * so the difference to the forward is the cost of the gather, the permutes and the padding.
 *
 *   npx tsx bench/conv3d.ts [--threads 1,2] [--shape 8,64,8,28,28] [--out 64] [--rounds 5] [--python PATH] [--src]
 *
 * Per case: the median wall ms and process CPU ms per call over `rounds` rounds, and the ratio
 * torch wall / Lattice wall (> 1: Lattice is faster). Lattice runs from the built bundle (dist/)
 * where it has conv3d, else (or with --src, to time the working tree without a rebuild) from the
 * sources through tsx, whose per-call overhead is microseconds against calls of tens of ms here.
 */
import { spawnSync } from 'node:child_process';
import { homedir, loadavg } from 'node:os';
import { join } from 'node:path';

import { median } from './lib/conv-timing';

const bundle = await import('./lattice/lattice');
const fromBundle = !process.argv.includes('--src') && typeof (bundle.nn.functional as Record<string, unknown>).conv3d === 'function';
// One type for both: the bundle is built from these sources.
const L = (fromBundle ? bundle : await import('../src/index')) as unknown as typeof import('../src/index');
const F = L.nn.functional;

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const threadsList = arg('--threads', '1,2').split(',').map(Number);
const [n, c, d, h, w] = arg('--shape', '8,64,8,28,28').split(',').map(Number);
const o = Number(arg('--out', '64'));
const rounds = Number(arg('--rounds', '5'));
const python = arg('--python', join(homedir(), '.cache', 'lattice-bench', 'venv', 'bin', 'python'));

interface Timing { cpu: number; wall: number }

/** Median CPU and wall ms per call of fn over `rounds` rounds (one warm-up call first). */
function time(fn: () => void): Timing {
  fn();
  const cpu: number[] = [], wall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage(), w0 = performance.now();
    fn();
    const dt = process.cpuUsage(c0);
    wall.push(performance.now() - w0);
    cpu.push((dt.user + dt.system) / 1000);
  }
  return { cpu: median(cpu), wall: median(wall) };
}

function latticeTimes(): Record<string, Timing> {
  L.manualSeed(0);
  const x = L.randn([n, c, d, h, w]).requiresGrad_();
  const weight = L.detach(L.randn([o, c, 3, 3, 3]).mul(1 / Math.sqrt(27 * c))).requiresGrad_();
  const bias = L.zeros([o]).requiresGrad_();
  const gy = L.randn([n, o, d, h, w]);
  const folded = L.randn([n * d, 3 * c, h, w]), foldedWeight = L.randn([o, 3 * c, 3, 3]);
  const out = {
    forward: time(() => L.noGrad(() => F.conv3d(x, weight, bias, { padding: 1 })).dispose()),
    // Inside tidy, as train.fit runs each step: the intermediates go back to the buffer pool.
    'forward+backward': time(() => L.tidy(() => {
      const y = F.conv3d(x, weight, bias, { padding: 1 });
      L.dispose(L.grad(y, [x, weight, bias], { gradOutputs: [gy] }));
    })),
    'conv2d core (forward)': time(() => L.noGrad(() => F.conv2d(folded, foldedWeight, null, { padding: 1 })).dispose()),
  };
  L.dispose([x, weight, bias, gy, folded, foldedWeight]);
  return out;
}

const TORCH = String.raw`
import json, sys, time, resource, torch
import torch.nn.functional as F
cfg = json.loads(sys.argv[1])
torch.set_num_threads(cfg["threads"])
torch.manual_seed(0)
n, c, d, h, w, o = cfg["shape"]
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
def timed(fn):
    fn()
    cs, ws = [], []
    for _ in range(cfg["rounds"]):
        c0, w0 = cpu(), time.perf_counter()
        fn()
        ws.append((time.perf_counter() - w0) * 1000); cs.append((cpu() - c0) * 1000)
    return {"cpu": sorted(cs)[len(cs) // 2], "wall": sorted(ws)[len(ws) // 2]}
x = torch.randn(n, c, d, h, w, requires_grad=True)
weight = (torch.randn(o, c, 3, 3, 3) * (27 * c) ** -0.5).requires_grad_()
bias = torch.zeros(o, requires_grad=True)
gy = torch.randn(n, o, d, h, w)
def forward():
    with torch.no_grad(): F.conv3d(x, weight, bias, padding=1)
def forward_backward():
    y = F.conv3d(x, weight, bias, padding=1)
    torch.autograd.grad(y, [x, weight, bias], gy)
print(json.dumps({"forward": timed(forward), "forward+backward": timed(forward_backward)}))
`;

function torchTimes(threads: number): Record<string, Timing> {
  const r = spawnSync(python, ['-c', TORCH, JSON.stringify({ threads, rounds, shape: [n, c, d, h, w, o] })], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`conv3d bench: the PyTorch child failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, Timing>;
}

const f = (v: number): string => v.toFixed(1).padStart(8);
console.log(`conv3d x [${n}, ${c}, ${d}, ${h}, ${w}] -> ${o} channels, 3x3x3, padding 1; Lattice from ${fromBundle ? 'dist/' : 'src/ (tsx)'}`);
for (const threads of threadsList) {
  L.setNumThreads(threads);
  const lat = latticeTimes();
  const tor = torchTimes(threads);
  console.log(`\n# ${threads} thread(s), ISA ${L.backendInfo().isa}, load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  console.log(`${'case'.padEnd(24)} ${'lat ms'.padStart(8)} ${'lat cpu'.padStart(8)} ${'torch ms'.padStart(8)} ${'torch cpu'.padStart(9)} ${'t/l'.padStart(5)}`);
  for (const [key, a] of Object.entries(lat)) {
    const b = tor[key];
    const ratio = b ? (b.wall / a.wall).toFixed(2) : '';
    console.log(`${key.padEnd(24)} ${f(a.wall)} ${f(a.cpu)} ${b ? f(b.wall) : ''.padStart(8)} ${b ? f(b.cpu).padStart(9) : ''.padStart(9)} ${ratio.padStart(5)}`);
  }
}
