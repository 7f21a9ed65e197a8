"""PyTorch's F.scaled_dot_product_attention for bench/attention.ts.

  serve:  reads one JSON command per line on stdin, {"B","H","L","D","threads","mode","causal"}
          (mode "fwd": under no_grad; "fwdbwd": forward, then backward of a fixed output
          gradient), runs it once (inputs are cached per shape and warmed up on first use) and
          prints {"ms", "cpuMs"} (wall and process CPU time of that one call).
  peak:   attention_torch.py peak B H L D mode causal threads: runs the call twice in a fresh
          process and prints {"peakBytes"}: the growth of the peak resident set over the
          resident set just before the first call (inputs and warm-up already in it).
"""

import json
import resource
import sys
import time

import torch
import torch.nn.functional as F

_inputs = {}


def inputs(B, H, L, D, grad):
    key = (B, H, L, D, grad)
    if key not in _inputs:
        g = torch.Generator().manual_seed(0)
        q, k, v, dy = (torch.randn(B, H, L, D, generator=g) for _ in range(4))
        if grad:
            q, k, v = (t.requires_grad_() for t in (q, k, v))
        _inputs[key] = (q, k, v, dy)
    return _inputs[key]


def call(B, H, L, D, mode, causal):
    if mode == "fwd":
        q, k, v, _ = inputs(B, H, L, D, False)
        with torch.no_grad():
            F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        return
    q, k, v, dy = inputs(B, H, L, D, True)
    for t in (q, k, v):
        t.grad = None
    F.scaled_dot_product_attention(q, k, v, is_causal=causal).backward(dy)


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def serve():
    warmed = set()
    for line in sys.stdin:
        cmd = json.loads(line)
        torch.set_num_threads(int(cmd["threads"]))
        args = (cmd["B"], cmd["H"], cmd["L"], cmd["D"], cmd["mode"], bool(cmd.get("causal", False)))
        if args not in warmed:
            call(*args)
            warmed.add(args)
        w0, c0 = time.perf_counter(), time.process_time()
        call(*args)
        w1, c1 = time.perf_counter(), time.process_time()
        print(json.dumps({"ms": (w1 - w0) * 1e3, "cpuMs": (c1 - c0) * 1e3}), flush=True)


def peak(B, H, L, D, mode, causal, threads):
    torch.set_num_threads(threads)
    inputs(B, H, L, D, mode != "fwd")
    call(2, 1, 8, D, mode, causal)  # load the kernels on a tiny problem
    before = rss_bytes()
    for _ in range(2):
        call(B, H, L, D, mode, causal)
    peak_bytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    print(json.dumps({"peakBytes": max(0, peak_bytes), "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve()
    else:
        B, H, L, D = (int(x) for x in sys.argv[2:6])
        peak(B, H, L, D, sys.argv[6], sys.argv[7] == "1", int(sys.argv[8]))
