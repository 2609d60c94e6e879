"""The torch.distributed (gloo) side of scripts/compare-allreduce.sh: all_reduce of a float32 CPU
tensor (SUM, in place) over the same sizes as hvd4j's allreduce-bench, printed in the same columns.
Time per call = mean over ITERS calls after 5 warm-up calls, the slowest rank's.

    RANK=r WORLD_SIZE=n MASTER_PORT=p python3 gloo_allreduce.py 4096 67108864 20
"""
import os
import sys
import time

import torch
import torch.distributed as dist


def main():
    rank, size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    port = os.environ.get("MASTER_PORT", "29600")
    lo = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
    hi = int(sys.argv[2]) if len(sys.argv) > 2 else 64 << 20
    iters = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    torch.set_num_threads(1)
    addr = os.environ.get("MASTER_ADDR", "127.0.0.1")
    dist.init_process_group("gloo", init_method=f"tcp://{addr}:{port}", rank=rank, world_size=size)
    if rank == 0:
        print(f"# gloo: {size} ranks, torch {torch.__version__} all_reduce float sum, 5 warm-up + {iters} timed calls")
    nbytes = lo
    while nbytes <= hi:
        n = nbytes // 4
        t = torch.full((n,), float(rank + 1))
        for _ in range(5):
            dist.all_reduce(t)
        dist.barrier()
        t0 = time.perf_counter()
        for _ in range(iters):
            dist.all_reduce(t)
        elapsed = torch.tensor([(time.perf_counter() - t0) / iters], dtype=torch.float64)
        dist.all_reduce(elapsed, op=dist.ReduceOp.MAX)
        sec = elapsed.item()
        if rank == 0:
            algbw = nbytes / sec / 1e9
            print(f"  {nbytes:9d} {n:12d} {'gloo':>6s} {'sum':>6s} {sec * 1e6:10.1f} {algbw:8.2f} "
                  f"{algbw * 2 * (size - 1) / size:8.2f} {'N/A':>7s}", flush=True)
        nbytes *= 4
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
