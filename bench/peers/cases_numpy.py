"""numpy/OpenBLAS cases for bench/peers/worker.py: W1 (GEMM) only.

The report names the OpenBLAS that this process loaded and the kernel it runs (corename):
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for every bench process, so OpenBLAS picks its
own kernel for this CPU.
"""

import numpy as np

from _common import gemm_case, gemm_shapes, openblas_info, seeded_normal


def info(args):
    return {"peer": "numpy", "library": "numpy", "version": np.__version__, "family": "numpy", "blas": openblas_info()}


def make_cases(workload, args, quick):
    if workload != "gemm":
        return {}
    out = {}
    for m, k, n in gemm_shapes(quick):
        a, b = seeded_normal((m, k), 1), seeded_normal((k, n), 2)
        c = np.empty((m, n), dtype=np.float32)
        out[gemm_case(m, k, n)] = {"fn": (lambda a=a, b=b, c=c: np.matmul(a, b, out=c)), "flops": 2 * m * k * n}
    return out
