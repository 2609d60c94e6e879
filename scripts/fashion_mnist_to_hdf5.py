#!/usr/bin/python3
"""Converts Fashion-MNIST's IDX files to one HDF5 file with h5py.

Usage: fashion_mnist_to_hdf5.py OUT.h5 [--data-dir DIR] [--chunk-rows N] [--gzip LEVEL]

Writes /train/images uint8 [60000, 28, 28], /train/labels int64 [60000], /test/images and
/test/labels (10000), contiguous unless --chunk-rows is given (chunks of N images, optionally
gzip-compressed). Train on it with
  scripts/hvdrun train --dataset hdf5:OUT.h5 --x /train/images --y /train/labels \\
      --test-x /test/images --test-y /test/labels
which gives the same weights as training from the IDX files with the same seed.
"""
import argparse
import gzip
import os

import h5py
import numpy as np


def idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    if magic not in (0x801, 0x803):
        raise SystemExit(f"{path}: not an IDX label or image file (magic {magic:#x})")
    ndim = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(directory, name):
    for candidate in (name + ".gz", name):
        p = os.path.join(directory, candidate)
        if os.path.exists(p):
            return p
    raise SystemExit(f"{directory}: no {name}[.gz] (Debian: apt-get install dataset-fashion-mnist)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--chunk-rows", type=int, default=0)
    ap.add_argument("--gzip", type=int, default=0)
    a = ap.parse_args()
    if a.gzip and not a.chunk_rows:
        ap.error("--gzip needs --chunk-rows")
    counts = {}
    with h5py.File(a.out, "w") as f:
        for split, prefix in (("train", "train"), ("test", "t10k")):
            x = idx(find(a.data_dir, f"{prefix}-images-idx3-ubyte"))
            y = idx(find(a.data_dir, f"{prefix}-labels-idx1-ubyte")).astype(np.int64)
            opts = {}
            if a.chunk_rows:
                opts["chunks"] = (min(a.chunk_rows, len(x)),) + x.shape[1:]
                if a.gzip:
                    opts.update(compression="gzip", compression_opts=a.gzip)
            f.create_dataset(f"{split}/images", data=x, **opts)
            f.create_dataset(f"{split}/labels", data=y)
            counts[split] = len(x)
    print(f"{a.out}: {counts['train']} training and {counts['test']} test images from {a.data_dir}")


if __name__ == "__main__":
    main()
