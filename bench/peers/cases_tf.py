"""TensorFlow 2.x cases for bench/peers/worker.py (tensorflow-cpu from the bench venv: oneDNN).

Graphs run under `tf.function` (the way TF is fast), images in NHWC (TF's CPU convolutions are
NHWC), intra-op threads = N and inter-op threads = 1. Every function returns what Lattice's side
computes -- the output together with the gradients, the loss -- because tf.function prunes
work whose result is not returned (a conv "forward+backward" that returns only the gradients
skips the forward). W9 runs eagerly (an op call, as the other peers' per-op overhead).
"""

import os

import tensorflow as tf

from _common import WORKLOADS, CONV_PASSES, add_chain, Cycle, fashion_batches, gemm_case, gemm_shapes, resnet18_convs, seeded_normal


def info(args):
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default (on for x86 builds)")
    return {"peer": f"tensorflow-{'.'.join(tf.__version__.split('.')[:2])}", "library": "TensorFlow",
            "version": tf.__version__, "family": "tensorflow", "onednn": onednn,
            "intra_op": args.threads, "inter_op": 1}


def var(shape, fan_in, seed):
    bound = 1.0 / fan_in ** 0.5
    return tf.Variable(tf.random.uniform(shape, -bound, bound, seed=seed))


def adam_apply(variables, cls=None, **kw):
    """Keras' Adam (the optimizer a TF user calls), applied inside the caller's tf.function."""
    opt = (cls or tf.keras.optimizers.Adam)(learning_rate=1e-3, **kw)
    opt.build(variables)
    return opt


def train_step(forward, variables, batches, opt):
    @tf.function(jit_compile=False)
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=forward(x)))
        grads = tape.gradient(loss, variables)
        opt.apply_gradients(zip(grads, variables))
        return loss

    nxt = Cycle(batches)
    return lambda: step(*nxt())


def mlp_cases(quick):
    x, y = fashion_batches(128)
    w1, b1 = var([784, 256], 784, 1), var([256], 784, 2)
    w2, b2 = var([256, 256], 256, 3), var([256], 256, 4)
    w3, b3 = var([256, 10], 256, 5), var([10], 256, 6)
    vs = [w1, b1, w2, b2, w3, b3]

    def forward(v):
        h = tf.nn.relu(v @ w1 + b1)
        h = tf.nn.relu(h @ w2 + b2)
        return h @ w3 + b3

    batches = [(tf.constant(a), tf.constant(b)) for a, b in zip(x, y)]
    return {"step": {"fn": train_step(forward, vs, batches, adam_apply(vs)), "note": "tf.function, Keras Adam"}}


def cnn_vars():
    return [var([3, 3, 1, 32], 9, 1), var([32], 9, 2), var([3, 3, 32, 64], 288, 3), var([64], 288, 4),
            var([1600, 128], 1600, 5), var([128], 1600, 6), var([128, 10], 128, 7), var([10], 128, 8)]


def cnn_forward(vs):
    c1, c1b, c2, c2b, f1, f1b, f2, f2b = vs

    def forward(x):
        h = tf.nn.max_pool2d(tf.nn.relu(tf.nn.conv2d(x, c1, 1, "VALID") + c1b), 2, 2, "VALID")
        h = tf.nn.max_pool2d(tf.nn.relu(tf.nn.conv2d(h, c2, 1, "VALID") + c2b), 2, 2, "VALID")
        h = tf.reshape(h, [-1, 1600])
        return tf.nn.relu(h @ f1 + f1b) @ f2 + f2b

    return forward


def cnn_cases(quick):
    x, y = fashion_batches(64)
    vs = cnn_vars()
    forward = cnn_forward(vs)
    batches = [(tf.constant(a.reshape(64, 28, 28, 1)), tf.constant(b)) for a, b in zip(x, y)]
    fwd = tf.function(forward)
    x0 = batches[0][0]
    return {"forward": {"fn": lambda: fwd(x0), "note": "NHWC"},
            "step": {"fn": train_step(forward, vs, batches, adam_apply(vs)), "note": "NHWC, tf.function, Keras Adam"}}


def deep_variant(batches, norm="layer", drop=0.0, clip=None):
    """One W4 residual net (bench/peers/cases_torch.py deep_cases): norm "layer" normalises each
    row over its 256 features (tf.nn.moments over axis 1); "batch" each feature over the batch
    (axis 0) in training mode, updating running mean and unbiased variance with momentum 0.1 as
    BatchNorm1d does. drop > 0: stochastic depth per sample; clip: tf.clip_by_global_norm."""
    stem_w, stem_b = var([784, 256], 784, 1), var([256], 784, 2)
    blocks = [(tf.Variable(tf.ones([256])), tf.Variable(tf.zeros([256])), var([256, 256], 256, 10 + i), var([256], 256, 100 + i))
              for i in range(62)]
    fg, fb = tf.Variable(tf.ones([256])), tf.Variable(tf.zeros([256]))
    head_w, head_b = var([256, 10], 256, 3), var([10], 256, 4)
    vs = [stem_w, stem_b, fg, fb, head_w, head_b] + [v for blk in blocks for v in blk]
    running = [(tf.Variable(tf.zeros([256]), trainable=False), tf.Variable(tf.ones([256]), trainable=False))
               for _ in range(63)] if norm == "batch" else None

    def normalise(h, g, b, i):
        if norm == "layer":
            mean, variance = tf.nn.moments(h, axes=[1], keepdims=True)
        else:
            mean, variance = tf.nn.moments(h, axes=[0])
            n = tf.cast(tf.shape(h)[0], h.dtype)
            rm, rv = running[i]
            rm.assign(0.9 * rm + 0.1 * tf.stop_gradient(mean))
            rv.assign(0.9 * rv + 0.1 * tf.stop_gradient(variance) * n / (n - 1))
        return tf.nn.batch_normalization(h, mean, variance, b, g, 1e-5)

    def forward(v):
        h = v @ stem_w + stem_b
        for i, (g, b, w, bias) in enumerate(blocks):
            branch = tf.nn.relu(normalise(h, g, b, i)) @ w + bias
            if drop > 0:
                keep = tf.cast(tf.random.uniform([tf.shape(h)[0], 1]) >= drop, h.dtype) / (1 - drop)
                branch = branch * keep
            h = h + branch
        return normalise(h, fg, fb, 62) @ head_w + head_b

    opt = tf.keras.optimizers.SGD(learning_rate=0.05, momentum=0.9, global_clipnorm=clip)
    opt.build(vs)
    return train_step(forward, vs, batches, opt)


def deep_cases(quick):
    x, y = fashion_batches(128)
    batches = [(tf.constant(a), tf.constant(b)) for a, b in zip(x, y)]
    return {"c.step": {"fn": deep_variant(batches), "note": "LayerNorm by tf.nn.moments"},
            "d.step": {"fn": deep_variant(batches, clip=1.0), "note": "Keras global_clipnorm=1.0"},
            "e.step": {"fn": deep_variant(batches, drop=0.1), "note": "stochastic depth 0.1, row mode"},
            "f.step": {"fn": deep_variant(batches, norm="batch"), "note": "batch moments, running stats assigned"}}


def gemm_cases(quick):
    mm = tf.function(lambda a, b: tf.linalg.matmul(a, b))
    out = {}
    for m, k, n in gemm_shapes(quick):
        a, b = tf.constant(seeded_normal((m, k), 1)), tf.constant(seeded_normal((k, n), 2))
        out[gemm_case(m, k, n)] = {"fn": (lambda a=a, b=b: mm(a, b)), "flops": 2 * m * k * n}
    return out


def ctc_cases(quick):
    T, N, C, S = 100, 16, 28, 20
    lp = tf.nn.log_softmax(tf.constant(seeded_normal((T, N, C), 0)), axis=2)
    labels = tf.constant((seeded_normal((N, S), 1) * 1000).astype("int64") % (C - 1) + 1, dtype=tf.int32)
    il, tl = tf.fill([N], T), tf.fill([N], S)

    @tf.function
    def fwd_bwd(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_mean(tf.nn.ctc_loss(labels, x, tl, il, logits_time_major=True, blank_index=0) / tf.cast(tl, tf.float32))
        return loss, tape.gradient(loss, x)

    return {"forward_backward": {"fn": lambda: fwd_bwd(lp), "note": "tf.nn.ctc_loss (mean over target length, as PyTorch)"}}


def conv_cases(quick):
    x = tf.constant(seeded_normal((32, 32, 32, 64), 3))
    gy = tf.constant(seeded_normal((32, 32, 32, 64), 5))
    w = tf.Variable(seeded_normal((3, 3, 64, 64), 4, 1 / 24))
    b = tf.Variable(tf.zeros([64]))
    flops = 2 * 32 * 64 * 32 * 32 * 64 * 9

    @tf.function
    def fwd(x):
        return tf.nn.conv2d(x, w, 1, "SAME") + b

    @tf.function
    def fwd_bwd(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.conv2d(x, w, 1, "SAME") + b
        gx, gw, gb = tape.gradient(y, [x, w, b], output_gradients=gy)
        return y, gx, gw, gb  # y returned too: otherwise the forward is pruned

    return {"forward": {"fn": lambda: fwd(x), "flops": flops, "note": "NHWC"},
            "forward_backward": {"fn": lambda: fwd_bwd(x), "flops": 3 * flops, "note": "NHWC, output returned"}}


def adam_cases(quick):
    out = {}
    for name, cls, kw in (("adam", tf.keras.optimizers.Adam, {}), ("adamw", tf.keras.optimizers.AdamW, {"weight_decay": 0.01})):
        vs = [tf.Variable(seeded_normal((100_000,), i)) for i in range(100)]
        gs = [tf.constant(seeded_normal((100_000,), 1000 + i)) for i in range(100)]
        opt = adam_apply(vs, cls, **kw)

        @tf.function
        def step(opt=opt, vs=vs, gs=gs):
            opt.apply_gradients(zip(gs, vs))
            return opt.iterations

        out[name] = {"fn": step, "note": "Keras optimizer in tf.function"}
    return out


def norms_cases(quick):
    out = {}
    # LayerNorm over the last dim of [4096, 1024]; BatchNorm2d as TF's fused batch norm, NHWC [32,32,32,64].
    for name, shape, axes in (("layernorm", (4096, 1024), [1]), ("batchnorm2d", (32, 32, 32, 64), [0, 1, 2])):
        x = tf.constant(seeded_normal(shape, 1))
        gy = tf.constant(seeded_normal(shape, 2))
        c = shape[-1]
        g, b = tf.Variable(tf.ones([c])), tf.Variable(tf.zeros([c]))
        if name == "layernorm":
            def f(x, g=g, b=b):
                mean, variance = tf.nn.moments(x, axes=[1], keepdims=True)
                return tf.nn.batch_normalization(x, mean, variance, b, g, 1e-5)
        else:
            def f(x, g=g, b=b):
                return tf.compat.v1.nn.fused_batch_norm(x, g, b, epsilon=1e-5, is_training=True)[0]

        @tf.function
        def fwd_bwd(x, f=f, g=g, b=b, gy=gy):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = f(x)
            return (y,) + tuple(tape.gradient(y, [x, g, b], output_gradients=gy))

        out[f"{name}.forward_backward"] = {"fn": (lambda fn=fwd_bwd, x=x: fn(x)),
                                           "note": "moments + batch_normalization" if name == "layernorm" else "fused_batch_norm NHWC"}
    return out


def overhead_cases(quick):
    a, b = tf.constant(seeded_normal((8,), 1)), tf.constant(seeded_normal((8,), 2))
    ag, bg = tf.Variable(a), tf.Variable(b)

    def chain_fwd():
        return add_chain(ag, bg)

    def chain_fwd_bwd():
        with tf.GradientTape() as tape:
            y = chain_fwd()
        return y, tape.gradient(y, [ag, bg])

    return {"add_8": {"fn": lambda: a + b, "unit": "us", "note": "eager"},
            "chain1000_forward": {"fn": chain_fwd, "unit": "us", "per_call": 1000, "note": "eager, no tape"},
            "chain1000_forward_backward": {"fn": chain_fwd_bwd, "unit": "us", "per_call": 1000, "note": "eager GradientTape"}}


def _conv_pass_fns(x, w, gy, strides, x_shape, w_shape):
    """The three passes of one convolution, each a tf.function called with its tensors as
    arguments (captured constants could be folded away by Grappler; and lambdas in the caller's
    loop would all see its last layer)."""
    conv = tf.function(lambda x, w: tf.raw_ops.Conv2D(input=x, filter=w, strides=strides, padding="SAME"))
    dx = tf.function(lambda w, gy: tf.raw_ops.Conv2DBackpropInput(
        input_sizes=x_shape, filter=w, out_backprop=gy, strides=strides, padding="SAME"))
    dw = tf.function(lambda x, gy: tf.raw_ops.Conv2DBackpropFilter(
        input=x, filter_sizes=w_shape, out_backprop=gy, strides=strides, padding="SAME"))
    return {"forward": lambda: conv(x, w), "input_grad": lambda: dx(w, gy), "weight_grad": lambda: dw(x, gy)}


def convlayers_cases(quick):
    """W12: each pass of ResNet-18's convolutions alone, NHWC, as the ops TF's own gradient runs
    (Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter, which oneDNN serves) under tf.function.
    Padding 'SAME': the same output sizes and work as PyTorch's symmetric padding (for a stride-2
    layer TF pads one row at the bottom instead of one at each side)."""
    out = {}
    for i, l in enumerate(resnet18_convs()):
        n, c, h, o, k, s = l["n"], l["c"], l["h"], l["o"], l["k"], l["stride"]
        x = tf.constant(seeded_normal((n, h, h, c), 10 + i))
        w = tf.constant(seeded_normal((k, k, c, o), 20 + i, (c * k * k) ** -0.5))
        hout = -(-h // s)
        gy = tf.constant(seeded_normal((n, hout, hout, o), 30 + i))
        strides = [1, s, s, 1]
        fns = _conv_pass_fns(x, w, gy, strides, [n, h, h, c], [k, k, c, o])
        for pas in CONV_PASSES:
            if pas == "input_grad" and not l["inputGrad"]:
                continue
            out[f"{l['name']} {pas}"] = {"fn": fns[pas], "note": "NHWC"}
    return out


# Workloads without a TensorFlow side (resnet18: no ResNet-18 in Keras) are left out of its rows.
MAKERS = {w: globals()[f"{w}_cases"] for w in WORKLOADS if f"{w}_cases" in globals()}


def make_cases(workload, args, quick):
    return MAKERS[workload](quick) if workload in MAKERS else {}
