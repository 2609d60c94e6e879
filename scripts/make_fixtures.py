#!/usr/bin/python3
"""Reference values from PyTorch for hvd4j's layer, loss, optimizer and model tests.

How to run (from the repository root):

    /usr/bin/python3 scripts/make_fixtures.py            # writes nn/src/test/resources/fixtures/*.json
    /usr/bin/python3 scripts/make_fixtures.py OUT_DIR    # writes somewhere else

Needs PyTorch and numpy for the system Python: on Debian `apt-get install python3-torch
python3-numpy` (PyTorch 1.13, CPU only). Use /usr/bin/python3 if another python3 (pyenv, venv)
comes first on PATH. Nothing is downloaded.

The output is deterministic: every case seeds torch's RNG with its own fixed seed, torch runs on
one thread, and a rerun with the same PyTorch rewrites every file byte for byte (check with
`git diff --stat nn/src/test/resources/fixtures` after a rerun).

File layout (one JSON object per case, read by org.hvd4j.nn.fixtures.Fixture):

    {"case": name, "torch_version": "...",
     "params":  {hyper-parameter: number | bool | string},
     "tensors": {name: {"shape": [...], "data": [flat row-major values]}},
     "ints":    {name: {"shape": [...], "data": [flat row-major ints]}},
     "state_dict": [...]}                        # model cases only, see model_case()

Tensor values are the float32 values PyTorch computed, written as the exact double of that
float32 (float(np.float32(v)) printed with repr), so `(float) Double.parseDouble(s)` gives back
the same bits. A tensor of shape [] holds one value. A few values are genuinely float64 (learning
rate schedules, gradient sums of the model cases); they say so where they are written.

Forward/backward cases compute y, then (y * gy).sum().backward() for a stored random upstream
gradient gy, and store grad_<input> and grad_<parameter>; loss cases backpropagate the scalar loss
itself (upstream gradient 1).
"""
import json
import math
import os
import sys
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "nn", "src", "test",
                           "resources", "fixtures")
MAX_FILE_BYTES = 200 * 1024
MAX_TOTAL_BYTES = 2 * 1024 * 1024


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------

def f32_list(t):
    """Flat row-major list of exact doubles of the float32 values of a tensor or array."""
    a = t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    return [float(np.float32(v)) for v in a.astype(np.float32).ravel()]


class Case:
    """Collects one fixture file."""

    def __init__(self, name, seed_torch=True):
        self.name = name
        self.params = {}
        self.tensors = {}
        self.ints = {}
        self.state_dict = None
        if seed_torch:
            torch.manual_seed(zlib.crc32(name.encode()) & 0x7FFFFFFF)

    def param(self, **kv):
        self.params.update(kv)

    def t(self, name, tensor):
        """A float32 tensor."""
        self.tensors[name] = {"shape": list(tensor.shape), "data": f32_list(tensor)}

    def t64(self, name, values, shape=None):
        """Values that are float64 in PyTorch (or computed in float64 here): written unrounded."""
        values = [float(v) for v in np.asarray(values, dtype=np.float64).ravel()]
        self.tensors[name] = {"shape": list(shape) if shape is not None else [len(values)],
                              "data": values}

    def i(self, name, tensor):
        a = tensor.numpy() if isinstance(tensor, torch.Tensor) else np.asarray(tensor)
        self.ints[name] = {"shape": list(a.shape), "data": [int(v) for v in a.ravel()]}

    def write(self, out_dir):
        dump = lambda o: json.dumps(o, allow_nan=False)
        lines = ['{', f' "case": {dump(self.name)},', f' "torch_version": {dump(torch.__version__)},',
                 f' "params": {dump(self.params)},']

        def section(key, entries, last):
            body = ",\n".join(f"  {dump(k)}: {dump(v)}" for k, v in entries.items())
            lines.append(f' "{key}": {{' + ("\n" + body + "\n " if entries else "") + "}" +
                         ("" if last else ","))

        section("tensors", self.tensors, False)
        section("ints", self.ints, self.state_dict is None)
        if self.state_dict is not None:
            body = ",\n".join(f"  {dump(e)}" for e in self.state_dict)
            lines.append(' "state_dict": [\n' + body + "\n ]")
        lines.append("}")
        text = "\n".join(lines) + "\n"
        if len(text.encode()) > MAX_FILE_BYTES:
            raise SystemExit(f"fixture {self.name} is {len(text)} bytes, over {MAX_FILE_BYTES}")
        path = os.path.join(out_dir, self.name + ".json")
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        return path


def randn(*shape, scale=1.0):
    return torch.randn(*shape, dtype=torch.float32) * scale


def forward_backward(case, y, inputs, gy=None):
    """Stores y, a random upstream gradient gy and grad_<name> for every named leaf in inputs."""
    if gy is None:
        gy = randn(*y.shape)
    (y * gy).sum().backward()
    case.t("y", y)
    case.t("gy", gy)
    for name, leaf in inputs.items():
        case.t("grad_" + name, leaf.grad)


def leaf(t):
    return t.clone().requires_grad_(True)


# ---------------------------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------------------------

def linear_case():
    c = Case("linear")
    c.param(in_features=5, out_features=3)
    x, w, b = leaf(randn(4, 5)), leaf(randn(3, 5, scale=0.5)), leaf(randn(3, scale=0.5))
    c.t("x", x); c.t("weight", w); c.t("bias", b)
    forward_backward(c, F.linear(x, w, b), {"x": x, "weight": w, "bias": b})
    return [c]


def conv2d_case(name, n, cin, cout, h, w, kh, kw, stride, pad):
    c = Case(name)
    c.param(in_channels=cin, out_channels=cout, kernel_h=kh, kernel_w=kw, stride_h=stride,
            stride_w=stride, pad_h=pad, pad_w=pad)
    x = leaf(randn(n, cin, h, w))
    wt = leaf(randn(cout, cin, kh, kw, scale=0.5))
    b = leaf(randn(cout, scale=0.5))
    c.t("x", x); c.t("weight", wt); c.t("bias", b)
    y = F.conv2d(x, wt, b, stride=stride, padding=pad)
    forward_backward(c, y, {"x": x, "weight": wt, "bias": b})
    return c


def conv2d_cases():
    return [conv2d_case("conv2d_a", n=2, cin=2, cout=3, h=6, w=5, kh=3, kw=3, stride=1, pad=1),
            conv2d_case("conv2d_b", n=2, cin=2, cout=3, h=7, w=7, kh=3, kw=2, stride=2, pad=0),
            conv2d_case("conv2d_c", n=2, cin=1, cout=4, h=8, w=8, kh=5, kw=5, stride=1, pad=2)]


def pool_case(name, kind, shape, k, s, p):
    c = Case(name)
    c.param(kernel=k, stride=s, padding=p)
    x = leaf(randn(*shape))
    c.t("x", x)
    if kind == "max":
        y, idx = F.max_pool2d(x, k, s, p, return_indices=True)
        c.i("indices", idx)  # flat index h*W+w of the max inside its (n, c) plane, as PyTorch
    else:
        c.param(count_include_pad=True)
        y = F.avg_pool2d(x, k, s, p, count_include_pad=True)
    forward_backward(c, y, {"x": x})
    return c


def pool_cases():
    return [pool_case("maxpool2d_k2s2", "max", (1, 2, 4, 6), 2, 2, 0),
            pool_case("maxpool2d_k3s2p1", "max", (1, 2, 5, 7), 3, 2, 1),
            pool_case("avgpool2d_k2s2", "avg", (1, 2, 4, 6), 2, 2, 0),
            pool_case("avgpool2d_k3s2p1", "avg", (1, 2, 5, 7), 3, 2, 1)]


def batchnorm_train_case(name, x_shape):
    c = Case(name)
    ch = x_shape[1]
    c.param(momentum=0.1, eps=1e-5, training=True)
    x = leaf(randn(*x_shape, scale=2.0) + 0.5)
    gamma, beta = leaf(1.0 + randn(ch, scale=0.3)), leaf(randn(ch, scale=0.3))
    rm, rv = randn(ch, scale=0.2), 1.0 + torch.rand(ch)
    c.t("x", x); c.t("weight", gamma); c.t("bias", beta)
    c.t("running_mean_in", rm); c.t("running_var_in", rv)
    rm_out, rv_out = rm.clone(), rv.clone()
    y = F.batch_norm(x, rm_out, rv_out, gamma, beta, training=True, momentum=0.1, eps=1e-5)
    forward_backward(c, y, {"x": x, "weight": gamma, "bias": beta})
    # running stats after one forward: (1-m)*old + m*batch, with the unbiased batch variance
    c.t("running_mean_out", rm_out); c.t("running_var_out", rv_out)
    return c


def batchnorm_cases():
    out = [batchnorm_train_case("batchnorm2d_train", (3, 2, 4, 3)),
           batchnorm_train_case("batchnorm1d_train", (5, 4))]
    c = Case("batchnorm2d_eval")
    c.param(momentum=0.1, eps=1e-5, training=False)
    x = leaf(randn(3, 2, 4, 3, scale=2.0) + 0.5)
    gamma, beta = leaf(1.0 + randn(2, scale=0.3)), leaf(randn(2, scale=0.3))
    rm, rv = randn(2, scale=0.5), 0.5 + torch.rand(2)
    c.t("x", x); c.t("weight", gamma); c.t("bias", beta)
    c.t("running_mean", rm); c.t("running_var", rv)
    y = F.batch_norm(x, rm, rv, gamma, beta, training=False, momentum=0.1, eps=1e-5)
    forward_backward(c, y, {"x": x, "weight": gamma, "bias": beta})
    out.append(c)
    return out


def embedding_case():
    c = Case("embedding")
    c.param(num_embeddings=7, embedding_dim=3)
    w = leaf(randn(7, 3))
    idx = torch.tensor([[1, 4, 1, 6], [0, 4, 4, 2]], dtype=torch.int64)  # repeats: 1 x2, 4 x3
    c.t("weight", w); c.i("indices", idx)
    forward_backward(c, F.embedding(idx, w), {"weight": w})
    return [c]


# ---------------------------------------------------------------------------------------------
# Activations, softmax
# ---------------------------------------------------------------------------------------------

ACT_X = [-3.0, -1.5, -0.5, -1e-3, 0.0, 1e-3, 0.25, 0.5, 1.0, 2.0, 4.0]


def activation_cases():
    out = []
    for name, fn, extra in [("relu", F.relu, {}),
                            ("gelu", lambda t: F.gelu(t, approximate="none"),
                             {"approximate": "none"}),
                            ("tanh", torch.tanh, {}),
                            ("sigmoid", torch.sigmoid, {})]:
        c = Case(name)
        c.param(**extra)
        values = [v for v in ACT_X if not (name == "relu" and v == 0.0)]  # relu'(0) is ambiguous
        x = leaf(torch.cat([torch.tensor(values, dtype=torch.float32), randn(5)]))
        c.t("x", x)
        forward_backward(c, fn(x), {"x": x})
        out.append(c)
    return out


def softmax_cases():
    out = []
    for name, fn in [("softmax", F.softmax), ("log_softmax", F.log_softmax)]:
        c = Case(name)
        c.param(dim=1)
        x = leaf(randn(3, 5, scale=2.0))
        c.t("x", x)
        forward_backward(c, fn(x, dim=1), {"x": x})
        out.append(c)
    return out


# ---------------------------------------------------------------------------------------------
# Losses (scalar loss, backward with upstream gradient 1)
# ---------------------------------------------------------------------------------------------

def loss_cases():
    out = []
    for name, ls in [("cross_entropy", 0.0), ("cross_entropy_label_smoothing", 0.1)]:
        c = Case(name)
        c.param(reduction="mean", label_smoothing=ls)
        logits = leaf(randn(4, 5, scale=2.0))
        labels = torch.tensor([2, 0, 4, 2], dtype=torch.int64)
        loss = F.cross_entropy(logits, labels, reduction="mean", label_smoothing=ls)
        loss.backward()
        c.t("logits", logits); c.i("labels", labels); c.t("loss", loss); c.t("grad_logits", logits.grad)
        out.append(c)

    c = Case("mse_loss")
    c.param(reduction="mean")
    inp, target = leaf(randn(4, 3)), randn(4, 3)
    loss = F.mse_loss(inp, target, reduction="mean")
    loss.backward()
    c.t("input", inp); c.t("target", target); c.t("loss", loss); c.t("grad_input", inp.grad)
    out.append(c)

    c = Case("bce_with_logits")
    c.param(reduction="mean")
    logits = leaf(randn(4, 3, scale=2.0))
    target = torch.tensor([[1, 0, 1], [0, 0, 1], [0.25, 0.5, 0.9], [1, 1, 0]], dtype=torch.float32)
    loss = F.binary_cross_entropy_with_logits(logits, target, reduction="mean")
    loss.backward()
    c.t("logits", logits); c.t("target", target); c.t("loss", loss); c.t("grad_logits", logits.grad)
    out.append(c)
    return out


# ---------------------------------------------------------------------------------------------
# Optimizers, clipping, schedules
# ---------------------------------------------------------------------------------------------

OPTIMIZERS = [
    # name, class, kwargs, state keys stored after each step as <key><step>
    ("sgd", torch.optim.SGD, dict(lr=0.1), []),
    ("sgd_momentum", torch.optim.SGD, dict(lr=0.1, momentum=0.9), ["momentum_buffer"]),
    ("sgd_momentum_dampening", torch.optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.1),
     ["momentum_buffer"]),
    ("sgd_nesterov", torch.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True), ["momentum_buffer"]),
    ("sgd_momentum_wd", torch.optim.SGD, dict(lr=0.1, momentum=0.9, weight_decay=0.01),
     ["momentum_buffer"]),
    ("adam", torch.optim.Adam, dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8), ["exp_avg", "exp_avg_sq"]),
    ("adam_wd", torch.optim.Adam, dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01),
     ["exp_avg", "exp_avg_sq"]),
    ("adamw", torch.optim.AdamW, dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01),
     ["exp_avg", "exp_avg_sq"]),
]


def optimizer_cases():
    out = []
    for name, cls, kwargs, state_keys in OPTIMIZERS:
        c = Case("optim_" + name)
        params = {"lr": kwargs["lr"], "weight_decay": kwargs.get("weight_decay", 0.0)}
        if cls is torch.optim.SGD:
            params.update(momentum=kwargs.get("momentum", 0.0), dampening=kwargs.get("dampening", 0.0),
                          nesterov=kwargs.get("nesterov", False))
        else:
            params.update(beta1=kwargs["betas"][0], beta2=kwargs["betas"][1], eps=kwargs["eps"])
        c.param(optimizer=cls.__name__, **params)
        p = nn.Parameter(randn(6))
        grads = [randn(6), randn(6, scale=0.5), randn(6, scale=2.0)]
        c.t("p0", p)
        opt = cls([p], **kwargs)
        for step, g in enumerate(grads, 1):
            c.t(f"g{step}", g)
            p.grad = g.clone()
            opt.step()
            c.t(f"p{step}", p)
            for key in state_keys:
                c.t(f"{key}{step}", opt.state[p][key])
        out.append(c)
    return out


def clip_cases():
    out = []
    for name, max_norm, scale in [("clip_grad_norm", 1.0, 1.0), ("clip_grad_norm_noclip", 100.0, 1.0)]:
        c = Case(name)
        c.param(max_norm=max_norm, norm_type=2.0)
        a, b = nn.Parameter(torch.zeros(2, 3)), nn.Parameter(torch.zeros(4))
        a.grad, b.grad = randn(2, 3, scale=scale), randn(4, scale=scale)
        c.t("grad_a", a.grad); c.t("grad_b", b.grad)
        total = torch.nn.utils.clip_grad_norm_([a, b], max_norm, norm_type=2.0)
        # PyTorch scales by min(1, max_norm / (total_norm + 1e-6))
        c.t("total_norm", total); c.t("clipped_a", a.grad); c.t("clipped_b", b.grad)
        out.append(c)
    return out


def schedule_cases():
    out = []
    for name, make, extra in [
            ("step_lr", lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5),
             dict(step_size=2, gamma=0.5)),
            ("cosine_annealing_lr",
             lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.0),
             dict(T_max=10, eta_min=0.0))]:
        c = Case(name)
        c.param(lr=0.1, epochs=12, **extra)
        opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.1)
        sched = make(opt)
        lrs = []
        for _ in range(12):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        # float64: lrs[e] is the lr used during epoch e (scheduler.step() called after each epoch).
        # CosineAnnealingLR uses PyTorch's recursive form, equal to the closed form to ~1e-17.
        c.t64("lrs", lrs)
        out.append(c)
    return out


# ---------------------------------------------------------------------------------------------
# The project's three models, with formula-generated weights
# ---------------------------------------------------------------------------------------------
#
# Value of flat (row-major) element i of a generated tensor with rule (freq, phase, scale, offset):
#
#     t    = (i * i) mod 10007                                   exact integer arithmetic
#     v[i] = float32(offset + scale * sin(freq * t + phase))     evaluated in float64, in that order
#
# (The squared index makes the pattern irregular: with sin(freq * i + phase) every weight matrix
# would have rank 2 and every row of a layer's output would be a phase-shifted copy.)
# Java: long t = ((long) i * i) % 10007; (float) (offset + scale * StrictMath.sin(freq * t + phase))
# with the stored doubles; this matches Python's math.sin (glibc) bit for bit (numpy's vectorised
# np.sin does not always, hence math.sin here). Rules, for parameter number k (0-based,
# named_parameters() order):
#     weight with >= 2 dims (Linear, Conv2d): freq 0.37, phase k, scale 2/sqrt(fan_in), offset 0,
#                                              fan_in = product of shape[1:]
#     bias of Linear / Conv2d:                 freq 0.37, phase k, scale 0.1, offset 0
#     BatchNorm weight (gamma):                freq 0.37, phase k, scale 0.1, offset 1
#     BatchNorm bias (beta):                   freq 0.37, phase k, scale 0.1, offset 0
#     buffers keep PyTorch's initial values: running_mean 0, running_var 1, num_batches_tracked 0
#     input x ([2,784] for mlp, [2,1,28,28] for the cnns): freq 0.11, phase 0.5, scale 0.5, offset 0.5
# Each rule is also stored in the fixture with "bits_sum" = sum over i of the int32 bit pattern of
# v[i] (Float.floatToRawIntBits, summed as a long), so Java can check its weights exactly.

GEN_MODULUS = 10007
MODEL_LABELS = [3, 7]
INPUT_RULE = {"freq": 0.11, "phase": 0.5, "scale": 0.5, "offset": 0.5}


def generate(n, rule):
    s, o, f, p = rule["scale"], rule["offset"], rule["freq"], rule["phase"]
    return np.array([o + s * math.sin(f * ((i * i) % GEN_MODULUS) + p) for i in range(n)],
                    dtype=np.float64).astype(np.float32)


def bits_sum(values):
    return int(values.view(np.int32).astype(np.int64).sum())


from torch_models import CNN, MLP  # noqa: E402  (same folder)


def param_rule(k, name, shape, is_bn):
    rule = {"freq": 0.37, "phase": float(k), "offset": 0.0}
    if len(shape) >= 2:
        rule["scale"] = 2.0 / math.sqrt(math.prod(shape[1:]))
    else:
        rule["scale"] = 0.1
        if is_bn and name.endswith(".weight"):
            rule["offset"] = 1.0
    return rule


def model_case(name, model, input_shape):
    c = Case(name, seed_torch=False)  # nothing random here
    model.train()
    c.param(train_mode=True, reduction="mean")
    param_names = [n for n, _ in model.named_parameters()]
    bn_modules = {n for n, m in model.named_modules() if isinstance(m, nn.BatchNorm2d)}
    c.state_dict = []
    with torch.no_grad():
        for key, value in model.state_dict().items():
            entry = {"name": key, "shape": list(value.shape)}
            if key in param_names:
                k = param_names.index(key)
                rule = param_rule(k, key, value.shape, key.rsplit(".", 1)[0] in bn_modules)
                values = generate(value.numel(), rule)
                dict(model.named_parameters())[key].copy_(torch.from_numpy(values).view(value.shape))
                entry.update(kind="parameter", k=k, rule=rule, bits_sum=bits_sum(values))
            else:
                entry.update(kind="buffer", init=value.flatten()[0].item() if value.numel() else None)
            c.state_dict.append(entry)

    x_values = generate(math.prod(input_shape), INPUT_RULE)
    x = torch.from_numpy(x_values).view(*input_shape)
    labels = torch.tensor(MODEL_LABELS, dtype=torch.int64)
    c.param(gen_modulus=GEN_MODULUS, **{"input_" + key: value for key, value in INPUT_RULE.items()},
            input_bits_sum=bits_sum(x_values))
    c.t("x", x)
    c.i("labels", labels)
    logits = model(x)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    c.t("logits", logits)
    c.t("loss", loss)
    for pname, p in model.named_parameters():
        g = p.grad.detach().numpy().astype(np.float32).ravel()
        c.t(pname + ".grad_head", torch.from_numpy(g[:8].copy()))
        # float64 sums of the float32 gradient (compare with a relative tolerance)
        c.t64(pname + ".grad_sum", [np.sum(g.astype(np.float64))], shape=[])
        c.t64(pname + ".grad_sumsq", [np.sum(np.square(g.astype(np.float64)))], shape=[])
    for bname, b in model.named_buffers():
        if b.dtype.is_floating_point:
            c.t(bname, b)  # running stats after the one train-mode forward
        else:
            c.i(bname, b.view(-1) if b.dim() == 0 else b)
    return c


def model_cases():
    return [model_case("mlp", MLP(), (2, 784)),
            model_case("cnn", CNN(batch_norm=False), (2, 1, 28, 28)),
            model_case("cnn-bn", CNN(batch_norm=True), (2, 1, 28, 28))]


# ---------------------------------------------------------------------------------------------

ALL = [linear_case, conv2d_cases, pool_cases, batchnorm_cases, embedding_case, activation_cases,
       softmax_cases, loss_cases, optimizer_cases, clip_cases, schedule_cases, model_cases]


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    total = 0
    for make in ALL:
        for case in make():
            path = case.write(out_dir)
            size = os.path.getsize(path)
            total += size
            print(f"{size:8d}  {os.path.relpath(path)}")
    if total > MAX_TOTAL_BYTES:
        raise SystemExit(f"fixtures total {total} bytes, over {MAX_TOTAL_BYTES}")
    print(f"{total:8d}  total")


if __name__ == "__main__":
    main()
