// W5: CTC loss, T=100, N=16, C=28 (blank 0), target length 20: forward and forward+backward ms,
// Lattice beside PyTorch (Debian's /usr/bin/python3, run inline on the same data) in one run,
// at 1 and 2 threads (or --threads N). Prints one JSON object: { workload: 'W5', results: [...] }.
// Both sides time a leaf of log-probabilities (already log-softmaxed), reduction 'mean'.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { backendInfo, backward, ctcLoss, detach, logSoftmax, manualSeed, noGrad, randint, randn, setNumThreads, type Tensor } from './lattice';
// @ts-expect-error plain ESM helper shared with the JS peers
import { timingResult } from '../lib/stats.mjs';

const T = 100, N = 16, C = 28, S = 20;
const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const reps = Math.max(5, Number(opt('--reps') ?? 7));
const threadList = opt('--threads') ? [Number(opt('--threads'))] : [1, 2];
const withTorch = !argv.includes('--no-torch');

manualSeed(0);
const logProbs = detach(logSoftmax(randn([T, N, C]), 2));
// labels in [1, C): never the blank
const targets = randint(1, C, [N, S]);
const inputLengths = new Array(N).fill(T);
const targetLengths = new Array(N).fill(S);

/** Per-call ms, one sample per repetition; each repetition runs `inner` calls (about 20 ms) after a warm-up. */
function timeMs(fn: () => void): { samples: number[]; inner: number } {
  const warmEnd = performance.now() + 100;
  let warm = 0;
  while (warm < 5 || performance.now() < warmEnd) { fn(); warm++; }
  const t0 = performance.now();
  fn();
  const single = performance.now() - t0;
  const inner = Math.max(1, Math.min(10_000, Math.round(20 / Math.max(single, 1e-3))));
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const s = performance.now();
    for (let i = 0; i < inner; i++) fn();
    samples.push((performance.now() - s) / inner);
  }
  return { samples, inner };
}

const shape = { T, N, C, S, blank: 0, reduction: 'mean' };
const results: Record<string, unknown>[] = [];

for (const threads of threadList) {
  setNumThreads(threads);
  const leaf: Tensor = detach(logProbs).requiresGrad_(true);
  const fwd = timeMs(() => { noGrad(() => ctcLoss(leaf, targets, inputLengths, targetLengths)); });
  const fwdBwd = timeMs(() => {
    leaf.grad = null;
    backward(ctcLoss(leaf, targets, inputLengths, targetLengths));
  });
  results.push(timingResult('forward', fwd.samples, 'ms', { peer: 'lattice', threads, inner: fwd.inner, shape }));
  results.push(timingResult('forward_backward', fwdBwd.samples, 'ms', { peer: 'lattice', threads, inner: fwdBwd.inner, shape }));
}

// The same data and the same timing scheme in PyTorch, one child process per thread count.
const TORCH_SCRIPT = String.raw`
import json, sys, time
data = json.load(sys.stdin)
import torch, torch.nn.functional as F
torch.set_num_threads(data["threads"])
T, N, C, S = data["T"], data["N"], data["C"], data["S"]
lp = torch.tensor(data["logProbs"], dtype=torch.float32).reshape(T, N, C).requires_grad_()
tg = torch.tensor(data["targets"], dtype=torch.long).reshape(N, S)
il = torch.full((N,), T, dtype=torch.long)
tl = torch.full((N,), S, dtype=torch.long)
def fwd():
    with torch.no_grad():
        F.ctc_loss(lp, tg, il, tl, blank=0, reduction="mean")
def fwd_bwd():
    lp.grad = None
    F.ctc_loss(lp, tg, il, tl, blank=0, reduction="mean").backward()
def time_ms(fn, reps):
    end = time.perf_counter() + 0.1
    n = 0
    while n < 5 or time.perf_counter() < end:
        fn(); n += 1
    t0 = time.perf_counter(); fn(); single = time.perf_counter() - t0
    inner = max(1, min(10000, round(0.02 / max(single, 1e-6))))
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        out.append((time.perf_counter() - t0) * 1e3 / inner)
    return out, inner
loss = F.ctc_loss(lp, tg, il, tl, blank=0, reduction="mean").item()
a, ia = time_ms(fwd, data["reps"])
b, ib = time_ms(fwd_bwd, data["reps"])
print(json.dumps({"version": torch.__version__, "loss": loss, "forward": a, "forward_inner": ia, "forward_backward": b, "fb_inner": ib}))
`;

const latticeLoss = ctcLoss(logProbs, targets, inputLengths, targetLengths).item();
if (withTorch) {
  for (const threads of threadList) {
    const input = JSON.stringify({ threads, T, N, C, S, reps, logProbs: Array.from(logProbs.values), targets: Array.from(targets.values) });
    const r = spawnSync('/usr/bin/python3', ['-c', TORCH_SCRIPT], { input, encoding: 'utf8', maxBuffer: 16 << 20, env: { ...process.env, OMP_NUM_THREADS: String(threads) } });
    const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
    if (r.status !== 0 || !line.startsWith('{')) {
      results.push({ case: 'forward_backward', peer: 'pytorch', threads, unit: null, unavailable: true, reason: (r.stderr ?? '').trim().split('\n').slice(-2).join(' | ') });
      continue;
    }
    const t = JSON.parse(line) as { version: string; loss: number; forward: number[]; forward_inner: number; forward_backward: number[]; fb_inner: number };
    const extra = { peer: 'pytorch', version: t.version, threads, shape, lossAgreesWithLattice: Math.abs(t.loss - latticeLoss) <= 1e-4 * Math.abs(t.loss) };
    results.push(timingResult('forward', t.forward, 'ms', { ...extra, inner: t.forward_inner }));
    results.push(timingResult('forward_backward', t.forward_backward, 'ms', { ...extra, inner: t.fb_inner }));
  }
  // ratio = PyTorch median / Lattice median (above 1: Lattice is faster), per case and thread count
  for (const r of results.filter((x) => x.peer === 'lattice')) {
    const peer = results.find((x) => x.peer === 'pytorch' && x.case === r.case && x.threads === r.threads && typeof x.median === 'number');
    if (peer) r.ratioVsPytorch = (peer.median as number) / (r.median as number);
  }
}

const info = backendInfo();
console.log(JSON.stringify({ workload: 'W5', peer: 'lattice', backend: info.backend, isa: info.isa, loss: latticeLoss, results }));
