"""PyTorch peer of bench/pinn-burgers.ts: the Burgers PINN of Raissi et al. (2019) -- 8 hidden tanh
layers of 20, N collocation points in [-1, 1] x [0, 1], residual u_t + u u_x - (0.01/pi) u_xx through
torch.autograd.grad(create_graph=True) -- timing one Adam step and one L-BFGS iteration (strong Wolfe,
full batch). Prints one JSON line.

usage: python pinn_burgers_torch.py --threads 1 --points 10000 --dtype float64 --adam 20 --lbfgs 20 --repeats 3
"""
import argparse
import json
import math
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--points', type=int, default=10000)
    ap.add_argument('--dtype', default='float64')
    ap.add_argument('--adam', type=int, default=20)
    ap.add_argument('--lbfgs', type=int, default=20)
    ap.add_argument('--repeats', type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dtype = getattr(torch, a.dtype)
    torch.manual_seed(a.seed)
    widths = [2] + [20] * 8 + [1]
    layers = []
    for i in range(len(widths) - 1):
        fc = torch.nn.Linear(widths[i], widths[i + 1], dtype=dtype)
        torch.nn.init.xavier_normal_(fc.weight)
        torch.nn.init.zeros_(fc.bias)
        layers.append(fc)
        if i + 2 < len(widths):
            layers.append(torch.nn.Tanh())
    net = torch.nn.Sequential(*layers)
    lower = torch.tensor([-1.0, 0.0], dtype=dtype)
    upper = torch.tensor([1.0, 1.0], dtype=dtype)
    center, scale = (lower + upper) / 2, 2 / (upper - lower)
    g = torch.Generator().manual_seed(1)
    x = (torch.rand(a.points, 2, generator=g, dtype=dtype) * (upper - lower) + lower).requires_grad_(True)
    nu = 0.01 / math.pi

    def loss_fn():
        u = net((x - center) * scale)
        du = torch.autograd.grad(u, x, torch.ones_like(u), create_graph=True)[0]
        ux, ut = du[:, 0:1], du[:, 1:2]
        uxx = torch.autograd.grad(ux, x, torch.ones_like(ux), create_graph=True)[0][:, 0:1]
        r = ut + u * ux - nu * uxx
        return (r ** 2).mean()

    adam = torch.optim.Adam(net.parameters(), lr=1e-3)

    def adam_steps(n):
        for _ in range(n):
            adam.zero_grad()
            loss = loss_fn()
            loss.backward()
            adam.step()

    lbfgs = torch.optim.LBFGS(net.parameters(), lr=1, max_iter=a.lbfgs, max_eval=a.lbfgs * 5, history_size=50,
                              tolerance_grad=0, tolerance_change=0, line_search_fn='strong_wolfe')
    evals = [0]

    def closure():
        lbfgs.zero_grad()
        loss = loss_fn()
        loss.backward()
        evals[0] += 1
        return loss

    adam_steps(3)  # warm-up
    adam_ms, adam_cpu_ms, lbfgs_ms, lbfgs_cpu_ms, evals_per_iter = [], [], [], [], []
    for _ in range(a.repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        adam_steps(a.adam)
        adam_ms.append((time.perf_counter() - t0) * 1000 / a.adam)
        adam_cpu_ms.append((time.process_time() - c0) * 1000 / a.adam)
        evals[0] = 0
        before = lbfgs.state[lbfgs._params[0]].get('n_iter', 0)
        t0, c0 = time.perf_counter(), time.process_time()
        lbfgs.step(closure)
        iters = max(lbfgs.state[lbfgs._params[0]]['n_iter'] - before, 1)
        lbfgs_ms.append((time.perf_counter() - t0) * 1000 / iters)
        lbfgs_cpu_ms.append((time.process_time() - c0) * 1000 / iters)
        evals_per_iter.append(evals[0] / iters)
    print(json.dumps({'peer': 'pytorch', 'version': torch.__version__, 'threads': a.threads, 'points': a.points, 'dtype': a.dtype,
                      'adamMs': adam_ms, 'adamCpuMs': adam_cpu_ms, 'lbfgsIterMs': lbfgs_ms, 'lbfgsIterCpuMs': lbfgs_cpu_ms,
                      'evalsPerIter': evals_per_iter}))


if __name__ == '__main__':
    main()
