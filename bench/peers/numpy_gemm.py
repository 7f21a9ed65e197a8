"""W1 SGEMM on numpy (float32), i.e. on whatever OpenBLAS numpy loaded.

    python3 numpy_gemm.py [gemm] [--threads N] [--reps R] [--quick]

Run it with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset for this command only
(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ...) so OpenBLAS picks its own
kernel; the report names the kernel it ran ("blas.corename").
"""

import sys

from _common import (
    GEMM_SHAPES,
    emit,
    gemm_case,
    gflops_extra,
    log,
    machine_info,
    openblas_info,
    parse_args,
    setup_threads,
    time_ms,
    timing_result,
)


def main(argv):
    if not argv or argv[0].startswith("-"):
        argv = ["gemm"] + argv
    args = parse_args(argv, ["gemm"])
    setup_threads(args.threads)
    import numpy as np

    rng = np.random.default_rng(0)
    results = []
    for m, k, n in GEMM_SHAPES:
        if args.quick and m * k * n > 1024 ** 3:
            continue
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        out = np.empty((m, n), dtype=np.float32)
        samples, inner = time_ms(lambda: np.matmul(a, b, out=out), args.reps)
        case = gemm_case(m, k, n)
        res = timing_result(case, samples, inner=inner, shape={"M": m, "K": k, "N": n})
        res.update(gflops_extra(2 * m * n * k, samples))
        log(f"numpy {case}: {res['median']:.3f} ms  {res['gflops']['median']:.1f} GFLOP/s")
        results.append(res)

    emit(
        {
            "peer": "numpy",
            "version": np.__version__,
            "blas": openblas_info(),
            "threads": args.threads,
            "workload": "gemm",
            "quick": args.quick,
            "machine": machine_info(),
            "results": results,
        }
    )


if __name__ == "__main__":
    main(sys.argv[1:])
