// The JavaScript side of the worker protocol (bench/peers/worker.py is the Python side): a
// long-lived process that bench/run.ts drives one JSON line at a time, so that every peer and
// Lattice run each case back to back in shuffled rounds without paying process start-up.
//
//   {"cmd":"setup","workload":w,"quick":b} -> {"cases":[{case,unit,flops,per_call,note}],"unsupported":[{case,reason}]}
//   {"cmd":"time","case":c,"reps":k,"warm":b,"min_sample_ms":m?} -> {"samples":[ms per call],"inner":n,"cpu_s":s,"wall_s":s}
//   {"cmd":"teardown"} | {"cmd":"quit"}
//
// A case is { fn, unit?, flops?, perCall?, note?, dispose? } or { unsupported: reason }; fn does
// one timed unit of work and returns what it computed (callers dispose it through `release`).

import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

const MIN_SAMPLE_MS = 20;
const write = process.stdout.write.bind(process.stdout);
// Libraries print banners with console.log: stdout is the protocol's.
console.log = console.error;
console.info = console.error;
console.warn = console.error;

function answer(obj) {
  write(JSON.stringify(obj, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n');
}

/**
 * Serves the protocol. `info()` returns the peer's description ({ peer, library, version, ... })
 * or throws when the library cannot load; `makeCases(workload, quick)` returns the cases (maybe
 * async); `release(result)` frees what a case returned (tfjs tensors).
 */
export async function serve({ info, makeCases, release = () => {} }) {
  let desc;
  try {
    desc = await info();
  } catch (err) {
    answer({ unavailable: true, reason: String(err?.message ?? err).split('\n')[0] });
    return;
  }
  answer({ ready: true, pid: process.pid, ...desc });
  let cases = {};
  let teardown = () => {};
  const inner = new Map();
  const call = (fn) => release(fn());
  const handlers = {
    async setup(req) {
      handlers.teardown();
      const made = await makeCases(req.workload, Boolean(req.quick));
      const out = [];
      const unsupported = [];
      for (const [name, c] of Object.entries(made.cases ?? made)) {
        if (c.unsupported) unsupported.push({ case: name, reason: c.unsupported });
        else {
          cases[name] = c;
          out.push({ case: name, unit: c.unit ?? 'ms', flops: c.flops ?? null, per_call: c.perCall ?? 1, note: c.note ?? null });
        }
      }
      teardown = made.teardown ?? (() => {});
      return { cases: out, unsupported };
    },
    teardown() {
      teardown();
      teardown = () => {};
      cases = {};
      inner.clear();
      return { ok: true };
    },
    time(req) {
      const c = cases[req.case];
      if (!c) throw new Error(`no case ${req.case}`);
      if (req.warm || !inner.has(req.case)) {
        // At least 2 calls and 150 ms, and up to 20 calls while under a second (a call over a
        // second is its own warm-up): a JIT (V8's, torch.compile's, XLA's) keeps compiling over a
        // model's first dozen calls, and on 2 threads its compiler threads take cores from the
        // kernels. Then `inner` is fixed so every round of this case times the same unit.
        const t0 = performance.now();
        let single = 0;
        for (let calls = 0; ; calls++) {
          const elapsed = performance.now() - t0;
          if (calls >= 2 && single < 1000 && !(elapsed < 150 || (calls < 20 && elapsed < 1000))) break;
          if (single >= 1000) break;
          const ts = performance.now();
          call(c.fn);
          single = performance.now() - ts;
        }
        const minMs = Number(req.min_sample_ms ?? MIN_SAMPLE_MS);
        inner.set(req.case, single < minMs ? Math.max(1, Math.min(100000, Math.floor(minMs / Math.max(single, 1e-6)))) : 1);
      }
      const n = inner.get(req.case);
      const samples = [];
      const cpu0 = process.cpuUsage();
      const w0 = performance.now();
      for (let r = 0; r < (req.reps ?? 3); r++) {
        const t0 = performance.now();
        for (let i = 0; i < n; i++) call(c.fn);
        samples.push((performance.now() - t0) / n);
      }
      const cpu = process.cpuUsage(cpu0);
      return { samples, inner: n, cpu_s: (cpu.user + cpu.system) / 1e6, wall_s: (performance.now() - w0) / 1000 };
    },
  };
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const req = JSON.parse(line);
    if (req.cmd === 'quit') { answer({ ok: true }); break; }
    try {
      answer(await handlers[req.cmd](req));
    } catch (err) {
      console.error(err?.stack ?? err);
      answer({ error: String(err?.message ?? err).split('\n')[0].slice(0, 400) });
    }
  }
  rl.close();
  process.exit(0);
}
