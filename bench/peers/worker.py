"""A Python peer as a long-lived worker for bench/run.ts (the interleaved rounds).

    python worker.py --lib torch|tensorflow|numpy --threads N [--compile]

The thread counts are fixed before the library loads (OpenMP, OpenBLAS and TensorFlow read
them once). Then it serves one JSON request per stdin line and answers one JSON line on
stdout (library banners go to stderr):

    {"cmd": "setup", "workload": "conv", "quick": false}
        -> {"cases": [{"case", "unit", "flops"?, "per_call"?}], "unsupported": [{"case", "reason"}]}
    {"cmd": "time", "case": "forward", "reps": 3, "warm": false}
        -> {"samples": [ms per call, ...], "inner": k, "cpu_s": ..., "wall_s": ...}
    {"cmd": "teardown"}  {"cmd": "quit"}

A case is a function that does one timed unit of work and RETURNS what the Lattice side
computes (the output, the loss): under tf.function, work whose result is not returned is
pruned. cpu_s / wall_s cover the timed calls only (process CPU time, all threads).
"""

import argparse
import json
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

p = argparse.ArgumentParser()
p.add_argument("--lib", choices=["torch", "tensorflow", "numpy"], required=True)
p.add_argument("--threads", type=int, default=1)
p.add_argument("--compile", action="store_true", help="torch.compile the models (PyTorch 2.x)")
ARGS = p.parse_args()

from _common import setup_threads  # noqa: E402

setup_threads(ARGS.threads)
os.environ["TF_NUM_INTRAOP_THREADS"] = str(ARGS.threads)
os.environ["TF_NUM_INTEROP_THREADS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# stdout carries the protocol only: anything a library prints goes to stderr.
PROTO = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr


def answer(obj):
    PROTO.write(json.dumps(obj, allow_nan=False, default=float) + "\n")
    PROTO.flush()


if ARGS.lib == "torch":
    import cases_torch as lib  # noqa: E402
elif ARGS.lib == "tensorflow":
    import cases_tf as lib  # noqa: E402
else:
    import cases_numpy as lib  # noqa: E402

MIN_SAMPLE_S = 0.02  # a timed sample lasts at least this long (cheap calls repeat `inner` times)


class Worker:
    def __init__(self):
        self.cases = {}
        self.inner = {}

    def setup(self, req):
        self.teardown()
        made = lib.make_cases(req["workload"], ARGS, bool(req.get("quick")))
        out, unsupported = [], []
        for name, c in made.items():
            if c.get("unsupported"):
                unsupported.append({"case": name, "reason": c["unsupported"]})
                continue
            self.cases[name] = c
            out.append({"case": name, "unit": c.get("unit", "ms"), "flops": c.get("flops"),
                        "per_call": c.get("per_call", 1), "note": c.get("note")})
        return {"cases": out, "unsupported": unsupported}

    def teardown(self, req=None):
        self.cases.clear()
        self.inner.clear()
        import gc

        gc.collect()
        return {"ok": True}

    def time(self, req):
        name = req["case"]
        c = self.cases[name]
        fn = c["fn"]
        if req.get("warm") or name not in self.inner:
            # Warm-up: at least 2 calls and 0.15 s, and up to 20 calls while under a second (one
            # call over a second is its own warm-up), as bench/lib/worker.mjs; then fix `inner`
            # once, so every round of this case times the same unit.
            t0 = time.perf_counter()
            fn()
            single = time.perf_counter() - t0
            calls = 1
            def more():
                elapsed = time.perf_counter() - t0
                return calls < 2 or elapsed < 0.15 or (calls < 20 and elapsed < 1.0)
            while single < 1.0 and more():
                ts = time.perf_counter()
                fn()
                single = time.perf_counter() - ts
                calls += 1
            min_s = float(req.get("min_sample_ms", MIN_SAMPLE_S * 1e3)) / 1e3
            self.inner[name] = max(1, min(100000, int(min_s / max(single, 1e-9)))) if single < min_s else 1
        inner = self.inner[name]
        samples = []
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(int(req.get("reps", 3))):
            t0 = time.perf_counter()
            for _ in range(inner):
                fn()
            samples.append((time.perf_counter() - t0) * 1e3 / inner)
        return {"samples": samples, "inner": inner, "cpu_s": time.process_time() - c0,
                "wall_s": time.perf_counter() - w0}


def main():
    w = Worker()
    try:
        info = lib.info(ARGS)
    except Exception as e:  # the library cannot load: say so once, then exit
        answer({"unavailable": True, "reason": f"{type(e).__name__}: {e}".split("\n")[0]})
        return
    info.update({"threads": ARGS.threads, "pid": os.getpid(),
                 "ld_preload": os.environ.get("LD_PRELOAD") or None,
                 "openblas_env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}})
    answer({"ready": True, **info})
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        cmd = req.get("cmd")
        if cmd == "quit":
            answer({"ok": True})
            break
        try:
            answer(getattr(w, cmd)(req))
        except Exception as e:
            traceback.print_exc()
            answer({"error": f"{type(e).__name__}: {e}".split("\n")[0][:400]})


if __name__ == "__main__":
    main()
