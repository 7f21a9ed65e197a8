"""PyTorch cases for bench/peers/worker.py (PyTorch 2.x from the bench venv, or Debian's 1.13).

Every case returns what Lattice's side computes (output, loss). PyTorch 2.x runs its best CPU
settings: oneDNN convolutions (the default), `fused=True` Adam/AdamW where the version has it
(`foreach=True` otherwise), and with --compile the models go through `torch.compile`.
"""

import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from _common import (WORKLOADS, CONV_PASSES, add_chain, Cycle, fashion_batches, gemm_shapes, gemm_case, openblas_info,
                     resnet18_convs, seeded_normal, time_ms)

COMPILE = {"on": False}


def info(args):
    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    COMPILE["on"] = bool(args.compile)
    if args.compile and not hasattr(torch, "compile"):
        raise RuntimeError(f"torch {torch.__version__} has no torch.compile")
    config = torch.__config__.show()
    cap = next((l.split(":", 1)[1].strip() for l in config.splitlines() if "CPU capability" in l), None)
    blas = openblas_info()
    for key in ("BLAS_INFO", "USE_MKLDNN"):
        i = config.find(key + "=")
        if i >= 0:
            blas["torch_" + key] = config[i + len(key) + 1:].split(",")[0].strip()
    major = torch.__version__.split(".")[0]
    name = f"pytorch-{'.'.join(torch.__version__.split('+')[0].split('.')[:2])}"
    return {"peer": name + ("-compile" if args.compile else ""), "library": "PyTorch", "version": torch.__version__,
            "family": "pytorch2" if major == "2" else "pytorch1", "cpu_capability": cap, "blas": blas,
            "mkldnn": torch.backends.mkldnn.is_available(), "torch_threads": torch.get_num_threads()}


def t(a):
    return torch.from_numpy(a)


def maybe_compile(model):
    return torch.compile(model) if COMPILE["on"] else model


def adam(params, cls=torch.optim.Adam, **kw):
    """fused=True where this torch has it (2.x on CPU), else foreach."""
    params = list(params)
    try:
        return cls(params, lr=1e-3, fused=True, **kw), "fused"
    except (TypeError, RuntimeError, ValueError):
        return cls(params, lr=1e-3, foreach=True, **kw), "foreach"


def train_step(model, batches, opt):
    nxt = Cycle(batches)

    def step():
        x, y = nxt()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.detach()

    return step


def mlp_cases(quick):
    torch.manual_seed(0)
    x, y = fashion_batches(128)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    opt, kind = adam(model.parameters())
    step = train_step(maybe_compile(model), [(t(a), t(b)) for a, b in zip(x, y)], opt)
    return {"step": {"fn": step, "note": f"Adam {kind}"}}


def cnn_cases(quick):
    torch.manual_seed(0)
    x, y = fashion_batches(64)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10))
    run = maybe_compile(model)
    opt, kind = adam(model.parameters())
    batches = [(t(a).view(64, 1, 28, 28), t(b)) for a, b in zip(x, y)]
    x0 = batches[0][0]

    def forward():
        with torch.no_grad():
            return run(x0)

    return {"forward": {"fn": forward}, "step": {"fn": train_step(run, batches, opt), "note": f"NCHW, Adam {kind}"}}


class Block(nn.Module):
    """W4's pre-norm residual block x + drop(Linear(ReLU(Norm(x)))), as bench/lattice/worker.ts
    builds it: Norm is LayerNorm(256) or BatchNorm1d(256); drop is stochastic depth in row mode
    (one Bernoulli(1 - p) draw per sample, survivors scaled by 1 / (1 - p): Lattice's
    nn.StochasticDepth(p, 'row') and torchvision's stochastic_depth(mode='row'))."""

    def __init__(self, norm=nn.LayerNorm, drop=0.0):
        super().__init__()
        self.norm = norm(256)
        self.linear = nn.Linear(256, 256)
        self.drop = drop

    def forward(self, x):
        branch = self.linear(F.relu(self.norm(x)))
        if self.training and self.drop > 0:
            keep = (torch.rand(x.shape[0], 1) >= self.drop).to(x.dtype) / (1 - self.drop)
            branch = branch * keep
        return x + branch


def deep_model(norm=nn.LayerNorm, drop=0.0):
    return nn.Sequential(nn.Linear(784, 256), *[Block(norm, drop) for _ in range(62)], norm(256), nn.Linear(256, 10))


def deep_cases(quick):
    """W4 (c)-(f), SGD lr 0.05 momentum 0.9, batch 128: (c) LayerNorm blocks; (d) (c) with
    clip_grad_norm_(1.0) between backward and the step; (e) (c) with stochastic depth 0.1 per
    sample in every block; (f) (c) with BatchNorm1d in place of every LayerNorm."""
    x, y = fashion_batches(128)
    batches = [(t(a), t(b)) for a, b in zip(x, y)]
    out = {}
    for v, norm, drop, clip in (("c", nn.LayerNorm, 0.0, False), ("d", nn.LayerNorm, 0.0, True),
                                ("e", nn.LayerNorm, 0.1, False), ("f", nn.BatchNorm1d, 0.0, False)):
        torch.manual_seed(0)
        model = deep_model(norm, drop)
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        if clip:
            params = list(model.parameters())
            opt = ClippedStep(opt, params, 1.0)
        out[f"{v}.step"] = {"fn": train_step(maybe_compile(model), batches, opt)}
    out["d.step"]["note"] = "clip_grad_norm_(1.0)"
    out["e.step"]["note"] = "stochastic depth 0.1, row mode"
    out["f.step"]["note"] = "BatchNorm1d"
    return out


class ClippedStep:
    """An optimizer whose step() first clips the gradients' total norm (clip_grad_norm_: one
    foreach norm over all gradients, one foreach scale), so train_step's loop stays shared."""

    def __init__(self, opt, params, max_norm):
        self.opt, self.params, self.max_norm = opt, params, max_norm

    def zero_grad(self, set_to_none=True):
        self.opt.zero_grad(set_to_none=set_to_none)

    def step(self):
        torch.nn.utils.clip_grad_norm_(self.params, self.max_norm)
        self.opt.step()


def gemm_cases(quick):
    out = {}
    for m, k, n in gemm_shapes(quick):
        a, b = t(seeded_normal((m, k), 1)), t(seeded_normal((k, n), 2))
        c = torch.empty(m, n)
        out[gemm_case(m, k, n)] = {"fn": (lambda a=a, b=b, c=c: torch.mm(a, b, out=c)), "flops": 2 * m * k * n}
    return out


def ctc_cases(quick):
    T, N, C, S = 100, 16, 28, 20
    g = torch.Generator().manual_seed(0)
    lp = torch.randn(T, N, C, generator=g).log_softmax(2).detach().requires_grad_()
    tg = torch.randint(1, C, (N, S), generator=g)
    il, tl = torch.full((N,), T, dtype=torch.long), torch.full((N,), S, dtype=torch.long)

    def fwd_bwd():
        lp.grad = None
        loss = F.ctc_loss(lp, tg, il, tl, blank=0, reduction="mean")
        loss.backward()
        return loss.detach(), lp.grad

    return {"forward_backward": {"fn": fwd_bwd}}


def conv_cases(quick):
    torch.manual_seed(0)
    conv = nn.Conv2d(64, 64, 3, padding=1)
    run = maybe_compile(conv)
    x = t(seeded_normal((32, 64, 32, 32), 3))
    xg = x.clone().requires_grad_()
    gy = t(seeded_normal((32, 64, 32, 32), 5))
    flops = 2 * 32 * 64 * 32 * 32 * 64 * 9

    def fwd():
        with torch.no_grad():
            return run(x)

    def fwd_bwd():
        xg.grad = conv.weight.grad = conv.bias.grad = None
        y = run(xg)
        y.backward(gy)
        return y.detach(), xg.grad, conv.weight.grad, conv.bias.grad

    return {"forward": {"fn": fwd, "flops": flops, "note": "NCHW"},
            "forward_backward": {"fn": fwd_bwd, "flops": 3 * flops, "note": "NCHW"}}


def adam_cases(quick):
    out = {}
    for name, cls, kw in (("adam", torch.optim.Adam, {}), ("adamw", torch.optim.AdamW, {"weight_decay": 0.01})):
        g = torch.Generator().manual_seed(0)
        ps = [torch.randn(100_000, generator=g).requires_grad_() for _ in range(100)]
        for q in ps:
            q.grad = torch.randn(100_000, generator=g)
        opt, kind = adam(ps, cls, **kw)
        out[name] = {"fn": opt.step, "note": kind}
    return out


def norms_cases(quick):
    torch.manual_seed(0)
    out = {}
    for name, mod, shape in (("layernorm", nn.LayerNorm(1024), (4096, 1024)),
                             ("batchnorm2d", nn.BatchNorm2d(64), (32, 64, 32, 32))):
        mod.train()
        run = maybe_compile(mod)
        x = torch.randn(*shape).requires_grad_()
        gy = torch.randn(*shape)

        def fwd_bwd(mod=mod, run=run, x=x, gy=gy):
            x.grad = mod.weight.grad = mod.bias.grad = None
            y = run(x)
            y.backward(gy)
            return y.detach(), x.grad, mod.weight.grad, mod.bias.grad

        out[f"{name}.forward_backward"] = {"fn": fwd_bwd}
    return out


class BasicBlock(nn.Module):
    """torchvision.models.resnet.BasicBlock (torchvision is not importable in every venv)."""

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (self.downsample(x) if self.downsample is not None else x))


def resnet18(num_classes):
    """torchvision.models.resnet18's structure: 7x7/2 stem, max pool 3/2, four stages of two blocks."""
    layers, inplanes = [], 64
    for planes, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        layers += [BasicBlock(inplanes, planes, stride), BasicBlock(planes, planes)]
        inplanes = planes
    return nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1),
                         *layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, num_classes))


def resnet18_cases(quick):
    """Issue #22's row: forward+backward on [32, 3, 64, 64], train mode, cross-entropy, every parameter's grad."""
    torch.manual_seed(0)
    model = resnet18(10).train()
    run = maybe_compile(model)
    x = torch.randn(32, 3, 64, 64)
    labels = torch.randint(0, 10, (32,))

    def forward():
        with torch.no_grad():
            return run(x)

    def fwd_bwd():
        model.zero_grad(set_to_none=True)
        loss = F.cross_entropy(run(x), labels)
        loss.backward()
        return loss.detach()

    return {"forward": {"fn": forward, "note": "NCHW, train mode"}, "forward_backward": {"fn": fwd_bwd, "note": "NCHW"}}


def overhead_cases(quick):
    a, b = torch.randn(8), torch.randn(8)
    ag, bg = torch.randn(8, requires_grad=True), torch.randn(8, requires_grad=True)
    ones = torch.ones(8)

    def chain_fwd():
        return add_chain(ag, bg)

    def chain_fwd_bwd():
        ag.grad = bg.grad = None
        y = chain_fwd()
        y.backward(ones)
        return y.detach(), bg.grad

    return {"add_8": {"fn": lambda: a + b, "unit": "us"},
            "chain1000_forward": {"fn": chain_fwd, "unit": "us", "per_call": 1000},
            "chain1000_forward_backward": {"fn": chain_fwd_bwd, "unit": "us", "per_call": 1000}}


def _faster(fns, tries=5):
    """The key of the fastest of fns (best of `tries` single calls each, after a warm-up call)."""
    best = {key: min(time_ms(fn, tries, warmup=1, min_rep_s=0, warmup_s=0)[0]) for key, fn in fns.items()}
    return min(best, key=best.get)


def convlayers_cases(quick):
    """W12: each pass of ResNet-18's convolutions alone (oneDNN through aten.convolution_backward
    with one output selected), in the faster of NCHW and channels_last for that pass (picked at
    setup: a user would run the model in one layout, so this is the strongest peer per pass)."""
    out = {}
    for i, l in enumerate(resnet18_convs()):
        n, c, h, o, k, s, p = l["n"], l["c"], l["h"], l["o"], l["k"], l["stride"], l["padding"]
        x0 = t(seeded_normal((n, c, h, h), 10 + i))
        w0 = t(seeded_normal((o, c, k, k), 20 + i, (c * k * k) ** -0.5))
        hout = (h + 2 * p - k) // s + 1
        gy0 = t(seeded_normal((n, o, hout, hout), 30 + i))
        for pas in CONV_PASSES:
            if pas == "input_grad" and not l["inputGrad"]:
                continue
            fns = {}
            for layout, fmt in (("NCHW", torch.contiguous_format), ("channels_last", torch.channels_last)):
                x, w, gy = (v.contiguous(memory_format=fmt) for v in (x0, w0, gy0))
                if pas == "forward":
                    def fn(x=x, w=w, s=s, p=p):  # defaults bind this layer's values (closures bind late)
                        with torch.no_grad():
                            return F.conv2d(x, w, None, s, p)
                else:
                    mask = [pas == "input_grad", pas == "weight_grad", False]
                    gi = 0 if pas == "input_grad" else 1

                    def fn(x=x, w=w, gy=gy, mask=mask, gi=gi, s=s, p=p):
                        return torch.ops.aten.convolution_backward(gy, x, w, None, [s, s], [p, p], [1, 1], False, [0, 0], 1, mask)[gi]
                fns[layout] = fn
            layout = _faster(fns)
            out[f"{l['name']} {pas}"] = {"fn": fns[layout], "note": layout}
    return out


MAKERS = {w: globals()[f"{w}_cases"] for w in WORKLOADS}
# torch.compile rows: the model workloads (GEMM, CTC, the optimizers and single adds gain nothing from it).
# W4's 64-layer step is left out: compiling its graph takes minutes, past the run's time budget.
COMPILED = {"mlp", "cnn", "conv", "norms", "resnet18"}


def make_cases(workload, args, quick):
    if args.compile and workload not in COMPILED:
        return {}
    return MAKERS[workload](quick)
