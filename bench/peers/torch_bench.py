"""PyTorch peer for Lattice's benchmark (docs/bench-workloads.md: W2, W3, W4, W10).

    /usr/bin/python3 torch_bench.py <workload> [--threads N] [--reps R] [--quick] [--steps N]

workloads: mlp cnn deep memory (the quality and memory figures; the timed rows of every
workload run in bench/peers/worker.py's interleaved rounds)
Prints exactly one JSON object on stdout; progress goes to stderr.
Run it with Debian's python3 (the one that has python3-torch), not pyenv's.
"""

import math
import os
import resource
import sys
import time

from _common import (
    emit,
    load_fashion_mnist,
    log,
    machine_info,
    openblas_info,
    parse_args,
    setup_threads,
    time_ms,
    timing_result,
    value_result,
)

WORKLOADS = ["mlp", "cnn", "deep", "memory"]

# Thread counts are read by OpenMP/OpenBLAS when torch loads, so the CLI is
# parsed before the import.
ARGS = parse_args(sys.argv[1:], WORKLOADS) if __name__ == "__main__" else None
setup_threads(ARGS.threads if ARGS else 1)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(ARGS.threads if ARGS else 1)


def blas_report():
    """Which BLAS torch really runs: the OpenBLAS mapped into this process
    (Debian's torch links libblas.so.3, which update-alternatives points at
    OpenBLAS or at the reference BLAS), plus what torch says about itself."""
    info = openblas_info()
    libblas = "/usr/lib/x86_64-linux-gnu/libblas.so.3"
    if os.path.exists(libblas):
        info["libblas.so.3"] = os.path.realpath(libblas)
    config = torch.__config__.show()
    for key in ("BLAS_INFO", "LAPACK_INFO", "USE_MKLDNN", "USE_OPENMP"):
        i = config.find(key + "=")
        if i >= 0:
            info["torch_" + key] = config[i + len(key) + 1 :].split(",")[0].strip()
    info["torch_mkldnn_available"] = torch.backends.mkldnn.is_available()
    info["torch_cpu_capability"] = next(
        (l.split(":", 1)[1].strip() for l in config.splitlines() if "CPU capability" in l), None
    )
    return info


# ---------------------------------------------------------------- data

def fashion_tensors(images_2d=False):
    tx, ty, vx, vy = load_fashion_mnist()
    tx, ty, vx, vy = (torch.from_numpy(a) for a in (tx, ty, vx, vy))
    if images_2d:
        tx = tx.view(-1, 1, 28, 28)
        vx = vx.view(-1, 1, 28, 28)
    return tx, ty, vx, vy


def test_accuracy(model, vx, vy, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, vx.shape[0], batch):
            correct += (model(vx[i : i + batch]).argmax(1) == vy[i : i + batch]).sum().item()
    model.train()
    return 100.0 * correct / vx.shape[0]


def train_epoch(model, opt, tx, ty, batch, max_steps=None, skip=5):
    """One shuffled pass (seeded), last partial batch kept, as DataLoader
    with drop_last=False. Step time = forward + loss + backward + optimizer
    step on an already gathered batch; epoch time = the whole loop
    including shuffling and batch gathering. The first `skip` steps are
    warm-up and excluded from the step statistics (not from the epoch)."""
    g = torch.Generator().manual_seed(0)
    n = tx.shape[0]
    perm = torch.randperm(n, generator=g)
    steps = math.ceil(n / batch)
    if max_steps is not None:
        steps = min(steps, max_steps)
    step_ms = []
    t_epoch = time.perf_counter()
    for s in range(steps):
        idx = perm[s * batch : (s + 1) * batch]
        xb, yb = tx[idx], ty[idx]
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        step_ms.append((time.perf_counter() - t0) * 1e3)
    epoch_s = time.perf_counter() - t_epoch
    return step_ms[skip:] if len(step_ms) > skip else step_ms, epoch_s, steps, loss.item()


def train_report(name, model, lr, batch, args, quick_steps, images_2d):
    tx, ty, vx, vy = fashion_tensors(images_2d)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    full_steps = math.ceil(tx.shape[0] / batch)
    max_steps = (args.steps or quick_steps) if args.quick else None
    step_ms, epoch_s, steps, last_loss = train_epoch(model, opt, tx, ty, batch, max_steps)
    acc = test_accuracy(model, vx, vy)
    results = [timing_result("step", step_ms, steps_timed=len(step_ms), batch=batch)]
    if steps == full_steps:
        results.append(value_result("epoch", epoch_s, "s", steps=steps))
        results.append(value_result("test_accuracy", acc, "%", after="1 epoch"))
    else:
        med = results[0]["median"]
        results.append(
            value_result(
                "epoch_extrapolated",
                med * full_steps / 1e3,
                "s",
                extrapolated=True,
                from_steps=steps,
                full_steps=full_steps,
                note="median step time x steps per epoch (--quick)",
            )
        )
        results.append(value_result("test_accuracy_partial", acc, "%", after=f"{steps} steps"))
    results.append(value_result("final_train_loss", last_loss, "nats"))
    log(f"{name}: step {results[0]['median']:.2f} ms, acc {acc:.2f}%")
    return results


# ---------------------------------------------------------------- W2 / W10

def mlp_model():
    return nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)
    )


def bench_mlp(args):
    torch.manual_seed(0)
    return train_report("mlp", mlp_model(), 1e-3, 128, args, 100, images_2d=False)


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def bench_memory(args):
    """W10: peak RSS (ru_maxrss, a high-water mark for the whole process)
    around W2's epoch. The dataset (~215 MB as float32) is loaded first, so
    the peak before the epoch is the baseline and the delta is the epoch's."""
    torch.manual_seed(0)
    tx, ty, vx, vy = fashion_tensors()
    model = mlp_model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss_before = rss_mb()
    max_steps = (args.steps or 100) if args.quick else None
    _, epoch_s, steps, _ = train_epoch(model, opt, tx, ty, 128, max_steps)
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss_after = rss_mb()
    log(f"memory: peak RSS {peak_after:.1f} MB (before epoch {peak_before:.1f} MB)")
    return [
        value_result("peak_rss", peak_after, "MB", steps=steps, source="getrusage ru_maxrss"),
        value_result("peak_rss_before_epoch", peak_before, "MB"),
        value_result("peak_rss_epoch_delta", peak_after - peak_before, "MB"),
        value_result("rss_after_epoch", rss_after, "MB", rss_before_epoch=rss_before),
        {"case": "live_tensors_per_step", "unit": "count", "unsupported": True,
         "note": "PyTorch has no live-tensor counter; not measured"},
    ]


# ---------------------------------------------------------------- W3

def cnn_model():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10),
    )


def bench_cnn(args):
    torch.manual_seed(0)
    model = cnn_model()
    # Forward alone on one batch of 64 (the only CNN figure tfjs-wasm can give).
    x = torch.rand(64, 1, 28, 28, generator=torch.Generator().manual_seed(7))

    def fwd():
        with torch.no_grad():
            model(x)

    samples, inner = time_ms(fwd, args.reps)
    forward = timing_result("forward", samples, inner=inner, batch=64, layout="NCHW")
    log(f"cnn forward: {forward['median']:.2f} ms")
    torch.manual_seed(0)
    return [forward] + train_report("cnn", cnn_model(), 1e-3, 64, args, 50, images_2d=True)


# ---------------------------------------------------------------- W4

WIDTH = 256
LINEARS = 64  # linear layers in every variant: stem/first + 62 hidden + head


class Block(nn.Module):
    """x + drop_path(Linear(ReLU(Norm(x)))): pre-norm residual block."""

    def __init__(self, norm, drop):
        super().__init__()
        self.norm = norm(WIDTH)
        self.linear = nn.Linear(WIDTH, WIDTH)
        self.drop = drop

    def forward(self, x):
        branch = self.linear(F.relu(self.norm(x)))
        if self.training and self.drop > 0:
            # stochastic depth, per-sample ("row") mode, scaled to keep E[x]
            keep = (torch.rand(x.shape[0], 1) >= self.drop).to(x.dtype) / (1 - self.drop)
            branch = branch * keep
        return x + branch


class ResidualNet(nn.Module):
    def __init__(self, norm, drop=0.0):
        super().__init__()
        self.stem = nn.Linear(784, WIDTH)
        self.blocks = nn.Sequential(*[Block(norm, drop) for _ in range(LINEARS - 2)])
        self.final_norm = norm(WIDTH)
        self.head = nn.Linear(WIDTH, 10)

    def forward(self, x):
        return self.head(self.final_norm(self.blocks(self.stem(x))))

    def first_last(self):
        return self.stem, self.head


class PlainNet(nn.Module):
    def __init__(self, act, kaiming):
        super().__init__()
        dims = [784] + [WIDTH] * (LINEARS - 1) + [10]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.act = act
        if kaiming:
            for lin in self.linears:
                nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")
                nn.init.zeros_(lin.bias)

    def forward(self, x):
        for lin in self.linears[:-1]:
            x = self.act(lin(x))
        return self.linears[-1](x)

    def first_last(self):
        return self.linears[0], self.linears[-1]


DEEP_VARIANTS = {
    "a": ("plain, sigmoid, default init", lambda: PlainNet(torch.sigmoid, False), False),
    "b": ("plain, ReLU, kaiming_normal_ (fan_in, relu), zero bias", lambda: PlainNet(F.relu, True), False),
    "c": ("pre-norm residual x+Linear(ReLU(LayerNorm(x))), default init", lambda: ResidualNet(nn.LayerNorm), False),
    "d": ("c + clip_grad_norm_(1.0)", lambda: ResidualNet(nn.LayerNorm), True),
    "e": ("c + stochastic depth 0.1 (per sample, every block)", lambda: ResidualNet(nn.LayerNorm, 0.1), False),
    "f": ("c with BatchNorm1d instead of LayerNorm", lambda: ResidualNet(nn.BatchNorm1d), False),
}


def dead_relu_fraction(model, x):
    """Fraction of hidden ReLU units (all 63 layers) that output 0 for every
    sample of x, in eval mode."""
    model.eval()
    dead = total = 0
    with torch.no_grad():
        for lin in model.linears[:-1]:
            x = F.relu(lin(x))
            alive = (x > 0).any(0)
            dead += (~alive).sum().item()
            total += alive.numel()
    model.train()
    return dead / total


def bench_deep(args):
    tx, ty, vx, vy = fashion_tensors()
    steps = (args.steps or 30) if args.quick else 300
    checkpoints = sorted({s for s in (0, 100, 300) if s <= steps} | {steps})
    variants = args.variants.split(",") if args.variants else list(DEEP_VARIANTS)
    results = []
    for v in variants:
        desc, make, clip = DEEP_VARIANTS[v]
        torch.manual_seed(0)
        model = make()
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        perm = torch.randperm(tx.shape[0], generator=torch.Generator().manual_seed(0))
        first, last = model.first_last()
        losses, step_ms, grad_norms = {}, [], {}
        dead_start = dead_relu_fraction(model, tx[:1024]) if v == "b" else None
        # steps+1 forward passes: the loss "at step s" is the loss on batch s
        # after s updates; the last one (step == steps) is forward only.
        for s in range(steps + 1):
            idx = perm[s * 128 : (s + 1) * 128]
            xb, yb = tx[idx], ty[idx]
            if s == steps:
                with torch.no_grad():
                    losses[s] = F.cross_entropy(model(xb), yb).item()
                break
            t0 = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            if s == 0:
                grad_norms = {
                    "first": first.weight.grad.norm().item(),
                    "last": last.weight.grad.norm().item(),
                }
            if clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step_ms.append((time.perf_counter() - t0) * 1e3)
            if s in checkpoints:
                losses[s] = loss.item()
        acc = test_accuracy(model, vx, vy)
        timed = step_ms[3:] if len(step_ms) > 3 else step_ms
        results.append(timing_result(f"{v}.step", timed, variant=v, model=desc, steps=steps))
        for s in checkpoints:
            results.append(value_result(f"{v}.loss.step{s}", losses[s], "nats", variant=v))
        results.append(value_result(f"{v}.grad_norm.first.step0", grad_norms["first"], "l2", variant=v,
                                    layer="first linear (784->256) weight, before clipping"))
        results.append(value_result(f"{v}.grad_norm.last.step0", grad_norms["last"], "l2", variant=v,
                                    layer="last linear (256->10) weight, before clipping"))
        results.append(value_result(f"{v}.test_accuracy", acc, "%", variant=v, after=f"{steps} steps"))
        if v == "b":
            dead_end = dead_relu_fraction(model, tx[:1024])
            results.append(value_result("b.dead_relu_fraction", dead_end, "fraction", variant=v,
                                        at_step0=dead_start, probe="first 1024 training images, eval mode"))
        step_med = timing_result("", timed)["median"]
        log(f"deep {v}: losses {losses} grads {grad_norms} acc {acc:.2f}% step {step_med:.1f} ms")
    return results


BENCHES = {
    "mlp": bench_mlp, "cnn": bench_cnn, "deep": bench_deep, "memory": bench_memory,
}


def main(args):
    t0 = time.perf_counter()
    results = BENCHES[args.workload](args)
    emit(
        {
            "peer": "pytorch",
            "version": torch.__version__,
            "blas": blas_report(),
            "threads": args.threads,
            "torch_threads": torch.get_num_threads(),
            "workload": args.workload,
            "quick": args.quick,
            "machine": machine_info(),
            "wall_s": time.perf_counter() - t0,
            "results": results,
        }
    )


if __name__ == "__main__":
    main(ARGS)
