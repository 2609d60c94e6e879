#!/usr/bin/env python3
"""PyTorch's figures on this GPU, for scripts/gpu-check.sh to set beside hvd4j's:

  - float32 matmul 4096^3 in TFLOP/s, with TF32 allowed and not
    (torch.backends.cuda.matmul.allow_tf32 = True / False);
  - one training step (zero_grad, forward, cross_entropy, backward, SGD lr 0.01 momentum 0.9) of
    hvd4j's mlp (784-512-256-10, ReLU) and cnn (conv 1->32 5x5 pad 2, ReLU, maxpool 2, conv 32->64
    5x5 pad 2, ReLU, maxpool 2, fc 3136->1024, ReLU, fc 1024->10) at batch 128 and 512, on a random
    batch held on the GPU: the median of 50 steps after 20 warm-up steps, each step timed between
    torch.cuda.synchronize() calls, with TF32 allowed (PyTorch's default for convolutions; matmul
    as set by --tf32).

Usage: torch_gpu_bench.py [--device cuda:0] [--tf32 on|off] [--json FILE]
Prints one line per figure; --json also writes them as one JSON object.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from torch_models import MODELS  # noqa: E402


def matmul_tflops(device, allow_tf32, n=4096, reps=20):
    torch.backends.cuda.matmul.allow_tf32 = allow_tf32
    a = torch.rand(n, n, device=device, dtype=torch.float32)
    b = torch.rand(n, n, device=device, dtype=torch.float32)
    for _ in range(3):
        torch.matmul(a, b)
    torch.cuda.synchronize(device)
    t0 = time.perf_counter()
    for _ in range(reps):
        torch.matmul(a, b)
    torch.cuda.synchronize(device)
    dt = (time.perf_counter() - t0) / reps
    return 2.0 * n * n * n / dt / 1e12


def step_ms(device, model_name, batch, warmup=20, steps=50):
    torch.manual_seed(42)
    model = MODELS[model_name]().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.rand(batch, 1, 28, 28, device=device) * 2 - 1
    y = torch.randint(0, 10, (batch,), device=device)
    times = []
    for i in range(warmup + steps):
        torch.cuda.synchronize(device)
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        torch.cuda.synchronize(device)
        if i >= warmup:
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--device", default="cuda:0")
    p.add_argument("--tf32", choices=["on", "off"], default="on",
                   help="allow TF32 in the training steps' matmuls (default: on)")
    p.add_argument("--json")
    a = p.parse_args()
    if not torch.cuda.is_available():
        print("torch_gpu_bench: torch.cuda.is_available() is False", file=sys.stderr)
        return 2
    device = torch.device(a.device)
    name = torch.cuda.get_device_name(device)
    out = {"torch": torch.__version__, "cuda": torch.version.cuda, "gpu": name}
    print(f"torch {torch.__version__} (CUDA {torch.version.cuda}) on {name}")
    for allow in (False, True):
        key = "matmul4096_tflops_" + ("tf32" if allow else "fp32")
        out[key] = matmul_tflops(device, allow)
        print(f"matmul 4096^3 float32, allow_tf32={allow}: {out[key]:.1f} TFLOP/s")
    torch.backends.cuda.matmul.allow_tf32 = a.tf32 == "on"
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cudnn.benchmark = True
    for model in ("mlp", "cnn"):
        for batch in (128, 512):
            key = f"{model}_b{batch}_step_ms"
            out[key] = step_ms(device, model, batch)
            print(f"{model} training step, batch {batch}: {out[key]:.3f} ms median "
                  f"({batch / out[key] * 1e3:.0f} samples/s)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
