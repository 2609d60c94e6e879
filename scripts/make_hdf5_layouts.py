#!/usr/bin/python3
"""Writes one small, learnable image data set in the HDF5 layouts users bring, with h5py.

Usage: make_hdf5_layouts.py OUTDIR

Every file holds the same 28x28 uint8 images (10 classes, a seeded pattern per class plus noise):
512 for training and 128 for testing. The float files hold them normalised exactly as hvd4j
normalises uint8 pixels -- (x / 255 - 0.2860) / 0.3530 in float32, in that order -- so a model
trained from any of the files must end with the same weights (examples' Hdf5TrainTest checks it).

  flat.h5             /x uint8 [N, 784], /y int64 [N]; test split /test_x, /test_y in the same file
  grouped_gzip.h5     /train/images uint8 [N, 28, 28] chunked (64, 28, 28) + gzip 4, /train/labels int32;
                      /test/images, /test/labels
  nchw_f32.h5         /x float32 [N, 1, 28, 28] chunked (100, 1, 28, 28), /y int32 [N, 1];
                      the test split in nchw_f32_test.h5 with the same names
  nhwc_f64.h5         /x float64 [N, 28, 28, 1] (channels last), /y uint8; /test_x, /test_y
  int16.h5            /x int16 [N, 784] (raw 0..255), /y int64; /test_x, /test_y
"""
import os
import sys

import h5py
import numpy as np

TRAIN, TEST, SIDE, CLASSES = 512, 128, 28, 10
MEAN, STD = np.float32(0.2860), np.float32(0.3530)


def images(n, rng):
    """Class k: a bright 4-pixel band at rows 2k..2k+3 and columns shifted by k, on noise."""
    labels = rng.integers(0, CLASSES, size=n)
    x = rng.integers(0, 60, size=(n, SIDE, SIDE))
    for i, k in enumerate(labels):
        x[i, 2 * k + 2:2 * k + 6, k:k + 18] += 180
    return np.clip(x, 0, 255).astype(np.uint8), labels


def normalised(x):
    return (x.astype(np.float32) / np.float32(255) - MEAN) / STD


def main(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(20261204)
    xtr, ytr = images(TRAIN, rng)
    xte, yte = images(TEST, rng)
    with h5py.File(os.path.join(out, "flat.h5"), "w") as f:
        f["x"] = xtr.reshape(TRAIN, -1)
        f["y"] = ytr.astype(np.int64)
        f["test_x"] = xte.reshape(TEST, -1)
        f["test_y"] = yte.astype(np.int64)
    with h5py.File(os.path.join(out, "grouped_gzip.h5"), "w") as f:
        for split, x, y in (("train", xtr, ytr), ("test", xte, yte)):
            g = f.create_group(split)
            g.create_dataset("images", data=x, chunks=(64, SIDE, SIDE), compression="gzip", compression_opts=4)
            g.create_dataset("labels", data=y.astype(np.int32))
    for name, x, y in (("nchw_f32.h5", xtr, ytr), ("nchw_f32_test.h5", xte, yte)):
        with h5py.File(os.path.join(out, name), "w") as f:
            f.create_dataset("x", data=normalised(x)[:, None, :, :], chunks=(min(100, len(x)), 1, SIDE, SIDE))
            f["y"] = y.astype(np.int32)[:, None]
    with h5py.File(os.path.join(out, "nhwc_f64.h5"), "w") as f:
        f["x"] = normalised(xtr)[:, :, :, None].astype(np.float64)
        f["y"] = ytr.astype(np.uint8)
        f["test_x"] = normalised(xte)[:, :, :, None].astype(np.float64)
        f["test_y"] = yte.astype(np.uint8)
    with h5py.File(os.path.join(out, "int16.h5"), "w") as f:
        f["x"] = xtr.reshape(TRAIN, -1).astype(np.int16)
        f["y"] = ytr.astype(np.int64)
        f["test_x"] = xte.reshape(TEST, -1).astype(np.int16)
        f["test_y"] = yte.astype(np.int64)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
