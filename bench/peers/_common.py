"""Shared helpers for the Python peers (PyTorch, numpy): threads, timing,
BLAS identification, Fashion-MNIST loading and the JSON report.

Import `setup_threads` before numpy/torch: OpenBLAS and OpenMP read their
thread counts from the environment when the library loads.
"""

import ctypes
import gzip
import json
import os
import platform
import statistics
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.environ.get(
    "LATTICE_BENCH_DATA", os.path.join(HERE, "..", "..", "data", "fashion-mnist")
)


def parse_args(argv, workloads, default_reps=5):
    """Small hand-rolled parser so both peers share one CLI shape:
    <workload> [--threads N] [--reps R] [--quick] [--steps N]."""
    import argparse

    p = argparse.ArgumentParser()
    p.add_argument("workload", choices=workloads)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--reps", type=int, default=default_reps)
    p.add_argument("--quick", action="store_true")
    p.add_argument(
        "--steps",
        type=int,
        default=None,
        help="training steps timed in --quick mode (default per workload)",
    )
    p.add_argument("--variants", default=None, help="W4 only: e.g. a,b,c")
    args = p.parse_args(argv)
    if args.reps < 1:
        p.error("--reps must be >= 1")
    return args


def setup_threads(n):
    """Pin every thread pool a peer may use to n threads. Must run before
    numpy/torch are imported."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)


def _loaded_openblas_paths():
    paths = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1]
                name = os.path.basename(path).lower()
                if "openblas" in name and ".so" in name and path not in paths:
                    paths.append(path)
    except OSError:
        pass
    return paths


def _call_str(lib, names):
    for name in names:
        fn = getattr(lib, name, None)
        if fn is not None:
            fn.restype = ctypes.c_char_p
            fn.argtypes = []
            return fn().decode()
    return None


def _call_int(lib, names):
    for name in names:
        fn = getattr(lib, name, None)
        if fn is not None:
            fn.restype = ctypes.c_int
            fn.argtypes = []
            return fn()
    return None


def openblas_info():
    """Identify the OpenBLAS that this process actually loaded (by reading
    /proc/self/maps and asking the library itself), so the report names the
    kernel that ran, not the one we expected. Works for Debian's
    libopenblasp and for numpy's bundled scipy_openblas (symbol prefix)."""
    prefixes = ["", "scipy_"]
    suffixes = ["", "64_"]

    def names(base):
        return [pre + base + suf for pre in prefixes for suf in suffixes]

    for path in _loaded_openblas_paths():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        config = _call_str(lib, names("openblas_get_config"))
        if config is None:
            continue
        info = {
            "library": "OpenBLAS",
            "path": path,
            "config": config.strip(),
            "corename": _call_str(lib, names("openblas_get_corename")),
            "num_threads": _call_int(lib, names("openblas_get_num_threads")),
            "env": {
                k: os.environ.get(k)
                for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS")
            },
        }
        parts = config.split()
        if len(parts) > 1:
            info["version"] = parts[1]
        try:
            from threadpoolctl import threadpool_info

            info["threadpoolctl"] = [
                {k: v for k, v in d.items() if k != "filepath"}
                for d in threadpool_info()
                if d.get("internal_api") == "openblas"
            ]
        except Exception:
            pass
        return info
    return {"library": "unknown (no OpenBLAS mapped in this process)"}


def time_ms(fn, reps, warmup=2, min_rep_s=0.02, max_inner=100000, sync=None, warmup_s=0.05):
    """Time `fn` and return per-call times in ms, one per repetition.

    Cheap calls are repeated `inner` times per repetition (chosen from the
    warm-up so a repetition lasts about `min_rep_s`) so timer resolution
    never dominates; each repetition reports its mean per call."""
    # Warm up for at least `warmup` calls and `warmup_s` seconds, so thread
    # pools, caches and allocators have settled before the clock runs.
    t_end = time.perf_counter() + warmup_s
    done = 0
    while done < warmup or time.perf_counter() < t_end:
        fn()
        done += 1
    if sync:
        sync()
    t0 = time.perf_counter()
    fn()
    if sync:
        sync()
    single = time.perf_counter() - t0
    inner = 1
    if single < min_rep_s:
        inner = min(max_inner, max(1, int(min_rep_s / max(single, 1e-9))))
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        if sync:
            sync()
        samples.append((time.perf_counter() - t0) * 1e3 / inner)
    return samples, inner


def summary(samples):
    return {
        "min": min(samples),
        "median": statistics.median(samples),
        "max": max(samples),
        "reps": len(samples),
    }


def timing_result(case, samples, unit="ms", **extra):
    r = {"case": case, "unit": unit}
    r.update(summary(samples))
    r.update(extra)
    return r


def value_result(case, value, unit, **extra):
    """A single measured value (accuracy, epoch wall time, RSS): min = median
    = max, reps = 1, so every result has the same keys."""
    r = {"case": case, "unit": unit, "min": value, "median": value, "max": value, "reps": 1}
    r.update(extra)
    return r


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return dims, data[4 + 4 * ndim :]


def load_fashion_mnist():
    """Returns numpy arrays (train_x [60000,784] float32 /255, train_y int64,
    test_x, test_y)."""
    import numpy as np

    def images(name):
        dims, raw = read_idx(os.path.join(DATA_DIR, name))
        x = np.frombuffer(raw, dtype=np.uint8).reshape(dims[0], -1).astype(np.float32)
        x /= 255.0  # in place: no second float copy inflating peak RSS (W10)
        return x

    def labels(name):
        _, raw = read_idx(os.path.join(DATA_DIR, name))
        return np.frombuffer(raw, dtype=np.uint8).astype(np.int64)

    return (
        images("train-images-idx3-ubyte.gz"),
        labels("train-labels-idx1-ubyte.gz"),
        images("t10k-images-idx3-ubyte.gz"),
        labels("t10k-labels-idx1-ubyte.gz"),
    )


def machine_info():
    model = None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": model,
        "cpus": os.cpu_count(),
        "python": sys.executable,
        "python_version": platform.python_version(),
    }


def _finite(x):
    """JSON has no NaN/Infinity (JSON.parse rejects them): a diverged loss is
    written as null, with the original spelled out alongside."""
    if isinstance(x, float) and (x != x or x in (float("inf"), float("-inf"))):
        return None
    if isinstance(x, dict):
        out = {}
        for k, v in x.items():
            out[k] = _finite(v)
            if isinstance(v, float) and out[k] is None:
                out[k + "_nonfinite"] = repr(v)
        return out
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    return x


def emit(report):
    json.dump(_finite(report), sys.stdout, allow_nan=False)
    sys.stdout.write("\n")
    sys.stdout.flush()


def log(*a):
    """Progress goes to stderr; stdout carries exactly one JSON object."""
    print(*a, file=sys.stderr, flush=True)


# W1: (M x K) @ (K x N). Case names are "MxKxN" for every peer and Lattice.
GEMM_SHAPES = [
    (128, 128, 128),
    (256, 256, 256),
    (512, 512, 512),
    (1024, 1024, 1024),
    (2048, 2048, 2048),
    (128, 784, 256),
    (128, 256, 10),
    (43264, 9, 32),
    (7744, 288, 64),
]


def gemm_case(m, k, n):
    return f"{m}x{k}x{n}"


def fashion_batches(batch, count=16):
    """`count` batches of `batch` Fashion-MNIST training images (float32 [batch, 784], /255)
    and labels (int64), taken in order from the start of the training set: every peer and
    Lattice train on the same images (bench/lib/fashion.mjs fashionBatches)."""
    import numpy as np

    dims, raw = read_idx(os.path.join(DATA_DIR, "train-images-idx3-ubyte.gz"))
    n = batch * count
    x = np.frombuffer(raw, dtype=np.uint8)[: n * 784].reshape(count, batch, 784).astype(np.float32) / 255.0
    _, rawy = read_idx(os.path.join(DATA_DIR, "train-labels-idx1-ubyte.gz"))
    y = np.frombuffer(rawy, dtype=np.uint8)[:n].reshape(count, batch).astype(np.int64)
    return x, y


def seeded_normal(shape, seed, scale=1.0):
    import numpy as np

    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


class Cycle:
    """Returns the next item of a list on each call (training steps walk pre-gathered batches)."""

    def __init__(self, items):
        self.items = items
        self.i = -1

    def __call__(self):
        self.i = (self.i + 1) % len(self.items)
        return self.items[self.i]


# The workloads a worker serves (W1..W12), each built by `<name>_cases(quick)` in cases_<lib>.py.
WORKLOADS = ["gemm", "mlp", "cnn", "deep", "ctc", "conv", "adam", "norms", "overhead", "resnet18", "convlayers"]

# W12's passes of one convolution, in case names "<layer> <pass>".
CONV_PASSES = ("forward", "input_grad", "weight_grad")


def resnet18_convs():
    """W12: ResNet-18's distinct convolutions at W11's input (bench/lib/resnet18-convs.json,
    which the Lattice worker reads too)."""
    with open(os.path.join(HERE, "..", "lib", "resnet18-convs.json")) as f:
        return json.load(f)["layers"]


# The workloads' case lists, shared by every worker (names join the rows of the table).
def gemm_shapes(quick):
    if quick:
        return [(128, 128, 128), (1024, 1024, 1024), (128, 784, 256), (7744, 288, 64)]
    return GEMM_SHAPES


def add_chain(y, b, n=1000):
    """W9: y + b, n times, each add a separate op (the per-op overhead under test)."""
    for _ in range(n):
        y = y + b
    return y
