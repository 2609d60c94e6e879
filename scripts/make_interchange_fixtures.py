#!/usr/bin/python3
"""PyTorch <-> hvd4j weight interchange fixtures (HDF5, written with h5py).

How to run (from the repository root; Debian: apt-get install python3-torch python3-h5py):

    /usr/bin/python3 scripts/make_interchange_fixtures.py          # writes nn/src/test/resources/interchange/
    /usr/bin/python3 scripts/make_interchange_fixtures.py OUT_DIR

For each model (mlp, cnn-bn; scripts/torch_models.py, the same names and layouts as hvd4j):

  <model>_state_dict.h5  model.state_dict() exactly as a PyTorch user writes it with h5py: one
                         dataset per key at the root (num_batches_tracked included), nothing else.
                         org.hvd4j.nn.io.Checkpoint must load it unchanged, strictly.
  <model>_case.h5        x (a fixed batch), y (int64 labels); logits_eval and loss_eval (eval
                         mode: batch norm uses the running statistics); logits_train and loss_train
                         (training mode) followed by ONE step of torch.optim.SGD(lr=LR,
                         momentum=MOMENTUM, weight_decay=WEIGHT_DECAY) on that batch; the state
                         after the step: after/<key> in full for tensors of at most FULL_MAX
                         elements, else after_sampled/<key> = the flat elements 0, STRIDE,
                         2*STRIDE, ... plus update_sums/<key> = float64 [sum, sum |d|, sum d^2] of
                         d = after - before over all elements. Attributes on /: lr, momentum,
                         weight_decay, stride, torch_version, seed.

Size: the weights are rounded to bfloat16-representable float32 values (still ordinary float32
tensors to PyTorch and to hvd4j) and the datasets are written with h5py's shuffle + gzip filters,
so that the files stay small; cnn-bn's fc1.weight (3.2 M values) keeps only every 32nd output row
non-zero for the same reason (its layout is the mlp's Linear layout, checked in full there). The
batch-norm running statistics are set to non-trivial values and num_batches_tracked to 7 so that
eval-mode logits depend on them. The output is deterministic (fixed seeds, one thread).

The reverse direction (an hvd4j checkpoint loaded into PyTorch with strict=True) is
scripts/check_torch_interchange.py, run by org.hvd4j.nn.io.TorchInterchangeTest.
"""
import os
import sys

import h5py
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_models import MODELS  # noqa: E402

DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "nn", "src", "test",
                           "resources", "interchange")
LR, MOMENTUM, WEIGHT_DECAY = 0.1, 0.9, 1e-3
STRIDE = 127
FULL_MAX = 16384
SEED = 20261204
BATCH = 8


def bf16_exact(t):
    return t.to(torch.bfloat16).to(torch.float32)


def write(f, name, value):
    a = np.asarray(value)
    if a.ndim == 0:
        f.create_dataset(name, data=a)  # scalars cannot be chunked
    else:
        # one chunk per dataset: h5py's automatic small chunks cost an index entry and a gzip
        # stream each, most of the file for cnn-bn's mostly-zero fc1.weight
        f.create_dataset(name, data=a, chunks=a.shape, compression="gzip", compression_opts=9, shuffle=True)


def make(name, out_dir):
    torch.manual_seed(SEED)
    model = MODELS[name]()
    with torch.no_grad():
        for key, p in model.named_parameters():
            p.copy_(bf16_exact(p))
        if name == "cnn-bn":
            mask = torch.zeros(1024, 1)
            mask[::32] = 1
            # where, not a product: w * 0 is -0.0 for negative w, and random sign bits do not compress
            model.fc1.weight.copy_(torch.where(mask.bool(), model.fc1.weight, torch.zeros_like(model.fc1.weight)))
            for bn in (model.bn1, model.bn2):
                bn.running_mean.copy_(bf16_exact(torch.randn_like(bn.running_mean) * 0.1))
                bn.running_var.copy_(bf16_exact(torch.rand_like(bn.running_var) + 0.5))
                bn.num_batches_tracked.fill_(7)
                bn.weight.copy_(bf16_exact(torch.rand_like(bn.weight) + 0.5))
                bn.bias.copy_(bf16_exact(torch.randn_like(bn.bias) * 0.1))
    before = {k: v.detach().clone() for k, v in model.state_dict().items()}
    with h5py.File(os.path.join(out_dir, name + "_state_dict.h5"), "w") as f:
        for k, v in model.state_dict().items():
            write(f, k, v.numpy())

    x = bf16_exact(torch.randn(BATCH, 1, 28, 28))
    y = torch.randint(0, 10, (BATCH,))
    model.eval()
    with torch.no_grad():
        logits_eval = model(x)
        loss_eval = F.cross_entropy(logits_eval, y)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
    opt.zero_grad()
    logits_train = model(x)
    loss_train = F.cross_entropy(logits_train, y)
    loss_train.backward()
    opt.step()

    with h5py.File(os.path.join(out_dir, name + "_case.h5"), "w") as f:
        f.attrs["lr"] = LR
        f.attrs["momentum"] = MOMENTUM
        f.attrs["weight_decay"] = WEIGHT_DECAY
        f.attrs["stride"] = STRIDE
        f.attrs["seed"] = SEED
        f.attrs["torch_version"] = "" + torch.__version__  # a plain str (TorchVersion is a subclass h5py refuses)
        write(f, "x", x.numpy())
        write(f, "y", y.numpy().astype(np.int64))
        write(f, "logits_eval", logits_eval.numpy())
        write(f, "loss_eval", np.float32(loss_eval.item()))
        write(f, "logits_train", logits_train.detach().numpy())
        write(f, "loss_train", np.float32(loss_train.item()))
        for k, v in model.state_dict().items():
            if k.endswith("num_batches_tracked"):
                continue
            a = v.detach().numpy().astype(np.float32)
            if a.size <= FULL_MAX:
                write(f, "after/" + k, a)
            else:
                write(f, "after_sampled/" + k, a.ravel()[::STRIDE].copy())
                d = a.astype(np.float64) - before[k].numpy().astype(np.float64)
                write(f, "update_sums/" + k, np.array([d.sum(), np.abs(d).sum(), (d * d).sum()]))


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    for name in ("mlp", "cnn-bn"):
        make(name, out_dir)
    for fn in sorted(os.listdir(out_dir)):
        print(fn, os.path.getsize(os.path.join(out_dir, fn)))


if __name__ == "__main__":
    main()
