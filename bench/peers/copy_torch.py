"""PyTorch's side of bench/copy.ts: strided copies (narrow, transpose, permute, cat, expand, clone).

  serve:  reads one JSON command per line on stdin, {"case", "shapes", "arg", "threads", "dtype",
          "calls"}, runs that case `calls` times (inputs are made once per case and warmed up on
          first use) and prints {"ms": [...], "cpuMs": [...]}: wall and process CPU time of each
          call. With "utilMs" instead of "calls" it runs the case back to back for that long and
          prints {"cpuPerWall"}: the process's CPU time over the wall time, all threads together
          (over one short call the CPU clock misses other threads' time still running).

Every case materialises a contiguous result, as Lattice does (its views are copies): a view
followed by .contiguous() where the view is not contiguous, .clone() where it is (narrow along
dim 0, expand has no contiguous form), so each call copies the same bytes on both sides.
"""

import json
import sys
import time

import torch

_inputs = {}


def inputs(case, shapes, dtype):
    key = (case, json.dumps(shapes), dtype)
    if key not in _inputs:
        g = torch.Generator().manual_seed(0)
        _inputs[key] = [torch.randn(*s, generator=g, dtype=getattr(torch, dtype)) for s in shapes]
    return _inputs[key]


def run(case, xs, arg):
    x = xs[0]
    if case == "narrow":
        dim, start, length = arg
        return x.narrow(dim, start, length).clone(memory_format=torch.contiguous_format)
    if case == "permute":
        return x.permute(*arg).contiguous()
    if case == "cat":
        return torch.cat(xs, arg)
    if case == "expand":
        return x.expand(*arg).clone(memory_format=torch.contiguous_format)
    if case == "clone":
        return x.clone()
    raise ValueError(f"copy_torch: unknown case {case}")


def serve():
    warmed = set()
    for line in sys.stdin:
        cmd = json.loads(line)
        torch.set_num_threads(int(cmd["threads"]))
        xs = inputs(cmd["case"], cmd["shapes"], cmd.get("dtype", "float32"))
        key = (cmd["case"], json.dumps(cmd["shapes"]), json.dumps(cmd["arg"]), cmd.get("dtype", "float32"))
        if key not in warmed:
            for _ in range(3):
                run(cmd["case"], xs, cmd["arg"])
            warmed.add(key)
        if "utilMs" in cmd:
            w0, c0 = time.perf_counter(), time.process_time()
            while time.perf_counter() - w0 < cmd["utilMs"] / 1e3:
                run(cmd["case"], xs, cmd["arg"])
            w1, c1 = time.perf_counter(), time.process_time()
            print(json.dumps({"cpuPerWall": (c1 - c0) / (w1 - w0)}), flush=True)
            continue
        ms, cpu = [], []
        for _ in range(int(cmd["calls"])):
            w0, c0 = time.perf_counter(), time.process_time()
            y = run(cmd["case"], xs, cmd["arg"])
            w1, c1 = time.perf_counter(), time.process_time()
            del y
            ms.append((w1 - w0) * 1e3)
            cpu.append((c1 - c0) * 1e3)
        print(json.dumps({"ms": ms, "cpuMs": cpu, "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    serve()
