#!/usr/bin/python3
"""PyTorch's side of hvd4j's `synthetic` benchmark: Horovod's pytorch_synthetic_benchmark.py for
hvd4j's built-in models (scripts/torch_models.py), on the CPU, one process.

Usage: torch_synthetic.py --model mlp|cnn|cnn-bn [--batch-size 32] [--warmup 10] [--iters 10]
                          [--batches-per-iter 10] [--threads T] [--json FILE]

One random batch (uniform in [-1, 1), random labels), then per step: zero_grad, forward,
cross_entropy, backward, SGD(lr=0.01).step(). Prints the same lines as hvd4j's synthetic
(Iter #i, Img/sec per worker: mean +-1.96 sigma) and writes the same JSON keys.
"""
import argparse
import json
import os
import sys
import timeit

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from torch_models import MODELS  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="mlp", choices=sorted(MODELS))
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--batches-per-iter", type=int, default=10)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--json")
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    model = MODELS[a.model]()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    g = torch.Generator().manual_seed(1234)
    shape = (a.batch_size, 784) if a.model == "mlp" else (a.batch_size, 1, 28, 28)
    x = torch.rand(shape, generator=g) * 2 - 1
    y = torch.randint(0, 10, (a.batch_size,), generator=g)

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    print(f"Model: {a.model}")
    print(f"Batch size: {a.batch_size}")
    print(f"Number of workers: 1 (CPU, {torch.get_num_threads()} threads, PyTorch {torch.__version__})")
    print("Running warmup...")
    timeit.timeit(step, number=a.warmup)
    print("Running benchmark...")
    rates = []
    for i in range(a.iters):
        t = timeit.timeit(step, number=a.batches_per_iter)
        rates.append(a.batch_size * a.batches_per_iter / t)
        print(f"Iter #{i}: {rates[-1]:.1f} img/sec per worker")
    mean, conf = float(np.mean(rates)), float(1.96 * np.std(rates))
    print(f"Img/sec per worker: {mean:.1f} +-{conf:.1f}")
    print(f"Total img/sec on 1 worker(s): {mean:.1f} +-{conf:.1f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"model": a.model, "batch_size": a.batch_size, "workers": 1, "threads": torch.get_num_threads(),
                       "warmup": a.warmup, "iters": a.iters, "batches_per_iter": a.batches_per_iter,
                       "img_sec_per_worker": round(mean, 2), "img_sec_per_worker_conf": round(conf, 2),
                       "total_img_sec": round(mean, 2), "total_img_sec_conf": round(conf, 2),
                       "iter_img_sec": [round(r, 2) for r in rates]}, f)
            f.write("\n")


if __name__ == "__main__":
    main()
