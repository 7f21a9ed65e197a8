// W7: one Adam / AdamW step over 10M float32 parameters in 100 tensors of 100,000,
// at 1 and 2 threads, beside PyTorch's foreach implementation run in the same
// invocation (Debian's /usr/bin/python3 with python3-torch).
//
//   npx tsup --no-dts && npx tsx bench/lattice/optim.ts [--reps N]
//
// Prints one JSON object: { workload: 'W7', results: [{ case, peer, threads, unit: 'ms', min, median, max, reps }], ratios }.
// ratio = PyTorch median / Lattice median (above 1: Lattice is faster).
import { execFileSync } from 'node:child_process';
import { backendInfo, manualSeed, optim, randn, setNumThreads, type Tensor } from './lattice';
import { time, timingResult } from './common';

const TENSORS = 100, SIZE = 100_000, LR = 1e-3;
const argv = process.argv.slice(2);
const repsArg = argv.indexOf('--reps');
const reps = Math.max(5, repsArg >= 0 ? Number(argv[repsArg + 1]) : 5);
const CASES = [
  { name: 'adam', make: (ps: Tensor[]) => new optim.Adam(ps, { lr: LR }) },
  { name: 'adamw', make: (ps: Tensor[]) => new optim.AdamW(ps, { lr: LR, weightDecay: 0.01 }) },
] as const;

manualSeed(0);
const params = Array.from({ length: TENSORS }, () => randn([SIZE]).requiresGrad_());
for (const p of params) p.grad = randn([SIZE]);

const results: Record<string, unknown>[] = [];
for (const c of CASES) {
  for (const threads of [1, 2]) {
    setNumThreads(threads);
    const opt = c.make(params);
    const samples = time(() => opt.step(), reps, 3);
    results.push(timingResult(c.name, samples, 'ms', { peer: 'lattice', threads, reps, params: TENSORS * SIZE, tensors: TENSORS }));
    for (const s of opt.state.values()) for (const v of Object.values(s)) if (v && typeof v === 'object' && 'dispose' in v) (v as Tensor).dispose();
  }
}

// PyTorch: torch.optim.Adam / AdamW with foreach=True, same sizes, grads preset, warm-up then `reps` timed steps.
const TORCH = `
import json, os, sys, time, statistics, torch
reps = int(sys.argv[1]); out = []
for threads in (1, 2):
    torch.set_num_threads(threads)
    for name, cls, kw in (("adam", torch.optim.Adam, {}), ("adamw", torch.optim.AdamW, {"weight_decay": 0.01})):
        g = torch.Generator().manual_seed(0)
        ps = [torch.randn(${SIZE}, generator=g).requires_grad_() for _ in range(${TENSORS})]
        for p in ps: p.grad = torch.randn(${SIZE}, generator=g)
        opt = cls(ps, lr=${LR}, foreach=True, **kw)
        for _ in range(3): opt.step()
        s = []
        for _ in range(reps):
            t0 = time.perf_counter(); opt.step(); s.append((time.perf_counter() - t0) * 1e3)
        out.append({"case": name, "peer": "pytorch", "threads": threads, "unit": "ms", "min": min(s), "median": statistics.median(s), "max": max(s), "reps": reps, "foreach": True})
        del opt, ps
print(json.dumps({"version": torch.__version__, "results": out}))
`;
let torch: { version?: string; results: Record<string, unknown>[]; unavailable?: boolean; reason?: string };
try {
  const stdout = execFileSync('/usr/bin/python3', ['-c', TORCH, String(reps)], { encoding: 'utf8', timeout: 600_000, stdio: ['ignore', 'pipe', 'pipe'] });
  torch = JSON.parse(stdout.trim().split('\n').pop()!);
} catch (e) {
  torch = { unavailable: true, reason: (e as Error).message.split('\n')[0], results: [] };
}

const ratios: Record<string, number> = {};
for (const r of results) {
  const peer = torch.results.find((t) => t.case === r.case && t.threads === r.threads);
  if (peer) ratios[`${r.case}.${r.threads}T`] = (peer.median as number) / (r.median as number);
}
const info = backendInfo();
console.log(JSON.stringify({
  workload: 'W7', peer: info.backend === 'native' ? 'lattice' : 'lattice-reference', isa: info.isa, torch: torch.version ?? null,
  torchUnavailable: torch.unavailable ? torch.reason : undefined, results: [...results, ...torch.results], ratios,
}));
