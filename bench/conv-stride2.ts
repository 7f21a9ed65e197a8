/**
 * Times ResNet-18's convolutions (bench/lib/resnet18-convs.json, W12) pass by pass, Lattice
 * against PyTorch (oneDNN) in the same run at matched thread counts: the stride-2 layers and the
 * stride-1 ones beside them.
 *
 *   npx tsx bench/conv-stride2.ts [--threads 1,2] [--only TEXT] [--rounds 9] [--python PATH]
 *
 * Lattice: median process CPU ms and wall ms per call over interleaved rounds (bench/lib/conv-timing.ts).
 * PyTorch: the same, in a child process (~/.cache/lattice-bench/venv/bin/python by default), each
 * pass in the faster of NCHW and channels_last (as W12's peer). Prints one table per thread count
 * with the ratio torch wall / Lattice wall (> 1: Lattice is faster) and each side's CPU / wall.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { median } from './lib/conv-timing';

const L = await import('./lattice/lattice');

const here = dirname(fileURLToPath(import.meta.url));
interface Layer { name: string; n: number; c: number; h: number; o: number; k: number; stride: number; padding: number; inputGrad: boolean }
const layers: Layer[] = JSON.parse(readFileSync(join(here, 'lib', 'resnet18-convs.json'), 'utf8')).layers;
const argv = process.argv.slice(2);
const arg = (name: string, dflt: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const threadsList = arg('--threads', '1').split(',').map(Number);
const only = arg('--only', '');
const rounds = Number(arg('--rounds', '9'));
const python = arg('--python', join(homedir(), '.cache', 'lattice-bench', 'venv', 'bin', 'python'));
const PASSES = ['forward', 'input_grad', 'weight_grad'] as const;
const chosen = layers.filter((l) => l.name.includes(only));

interface Timing { cpu: number; wall: number }

/** Median CPU and wall ms per call of fn over `rounds` rounds of enough calls for ~40 ms each. */
function time(fn: () => void): Timing {
  fn();
  const t0 = performance.now();
  fn();
  const inner = Math.max(1, Math.round(40 / Math.max(0.01, performance.now() - t0)));
  const cpu: number[] = [], wall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage(), w0 = performance.now();
    for (let k = 0; k < inner; k++) fn();
    const d = process.cpuUsage(c0);
    wall.push((performance.now() - w0) / inner);
    cpu.push((d.user + d.system) / 1000 / inner);
  }
  return { cpu: median(cpu), wall: median(wall) };
}

function latticeTimes(): Map<string, Timing> {
  const out = new Map<string, Timing>();
  for (const l of chosen) {
    L.manualSeed(0);
    const opts = { stride: l.stride, padding: l.padding };
    const x = L.randn([l.n, l.c, l.h, l.h]).requiresGrad_();
    const w = L.detach(L.randn([l.o, l.c, l.k, l.k]).mul(1 / Math.sqrt(l.k * l.k * l.c))).requiresGrad_();
    const y = L.conv2d(x, w, null, opts);
    const gy = L.randn(y.shape);
    const fns: Record<string, () => void> = {
      forward: () => L.noGrad(() => L.conv2d(x, w, null, opts)).dispose(),
      input_grad: () => L.grad(y, [x], { gradOutputs: [gy], retainGraph: true })[0]!.dispose(),
      weight_grad: () => L.grad(y, [w], { gradOutputs: [gy], retainGraph: true })[0]!.dispose(),
    };
    for (const p of PASSES) if (p !== 'input_grad' || l.inputGrad) out.set(`${l.name} ${p}`, time(fns[p]));
    L.dispose([x, w, gy, y]);
  }
  return out;
}

const TORCH = String.raw`
import json, sys, time, resource, torch
import torch.nn.functional as F
cfg = json.loads(sys.argv[1])
torch.set_num_threads(cfg["threads"])
torch.manual_seed(0)
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
def timed(fn, rounds):
    fn(); t0 = time.perf_counter(); fn()
    inner = max(1, round(0.04 / max(1e-5, time.perf_counter() - t0)))
    cs, ws = [], []
    for _ in range(rounds):
        c0, w0 = cpu(), time.perf_counter()
        for _ in range(inner): fn()
        ws.append((time.perf_counter() - w0) * 1000 / inner); cs.append((cpu() - c0) * 1000 / inner)
    return {"cpu": sorted(cs)[len(cs) // 2], "wall": sorted(ws)[len(ws) // 2]}
out = {}
for l in cfg["layers"]:
    n, c, h, o, k, s, p = l["n"], l["c"], l["h"], l["o"], l["k"], l["stride"], l["padding"]
    x0 = torch.randn(n, c, h, h); w0 = torch.randn(o, c, k, k) * (c * k * k) ** -0.5
    ho = (h + 2 * p - k) // s + 1
    gy0 = torch.randn(n, o, ho, ho)
    for pas in ("forward", "input_grad", "weight_grad"):
        if pas == "input_grad" and not l["inputGrad"]: continue
        best = None
        for fmt in (torch.contiguous_format, torch.channels_last):
            x, w, gy = (v.contiguous(memory_format=fmt) for v in (x0, w0, gy0))
            if pas == "forward":
                def fn(x=x, w=w):
                    with torch.no_grad(): return F.conv2d(x, w, None, s, p)
            else:
                mask = [pas == "input_grad", pas == "weight_grad", False]; gi = 0 if pas == "input_grad" else 1
                def fn(x=x, w=w, gy=gy, mask=mask, gi=gi):
                    return torch.ops.aten.convolution_backward(gy, x, w, None, [s, s], [p, p], [1, 1], False, [0, 0], 1, mask)[gi]
            t = timed(fn, cfg["rounds"])
            if best is None or t["wall"] < best["wall"]: best = t
        out[l["name"] + " " + pas] = best
print(json.dumps(out))
`;

function torchTimes(threads: number): Map<string, Timing> {
  const r = spawnSync(python, ['-c', TORCH, JSON.stringify({ threads, rounds, layers: chosen })], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`conv-stride2: the PyTorch child failed: ${r.stderr}`);
  return new Map(Object.entries(JSON.parse(r.stdout) as Record<string, Timing>));
}

const f = (v: number): string => v.toFixed(3).padStart(7);
for (const threads of threadsList) {
  L.setNumThreads(threads);
  const lat = latticeTimes();
  const tor = torchTimes(threads);
  console.log(`\n# ${threads} thread(s), ISA ${L.backendInfo().isa}, load average ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  console.log(`${'case'.padEnd(36)} ${'lat ms'.padStart(7)} ${'torch ms'.padStart(8)} ${'t/l'.padStart(5)}  lat cpu/wall  torch cpu/wall`);
  for (const [key, a] of lat) {
    const b = tor.get(key)!;
    console.log(`${key.padEnd(36)} ${f(a.wall)} ${f(b.wall).padStart(8)} ${(b.wall / a.wall).toFixed(2).padStart(5)}  ${(a.cpu / a.wall).toFixed(2).padStart(12)}  ${(b.cpu / b.wall).toFixed(2).padStart(14)}`);
  }
}
