#!/usr/bin/python3
"""Loads an hvd4j checkpoint into the PyTorch model of the same architecture and compares logits.

    /usr/bin/python3 scripts/check_torch_interchange.py MODEL CHECKPOINT.h5 EXPECTED.h5

MODEL is mlp, cnn or cnn-bn (scripts/torch_models.py). CHECKPOINT.h5 is what hvd4j wrote (a
`train --checkpoint-dir` checkpoint or a `--save` file); its root datasets are the state_dict,
loaded with load_state_dict(strict=True) (the groups optimizer/ and rng/ are hvd4j's own and are
skipped). EXPECTED.h5 holds x (a batch), y (labels), logits and loss (float32 scalar) as hvd4j
computed them in eval mode. Prints "ok: ..." and exits 0 when logits and loss agree within 1e-5
relative (max |difference| / max |expected|); exits 1 otherwise. Run by
org.hvd4j.nn.io.TorchInterchangeTest.
"""
import os
import sys

import h5py
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_models import MODELS  # noqa: E402

RTOL = 1e-5


def load_hdf5_state_dict(path):
    """The recipe for users: every dataset at the root of the file is one state_dict entry."""
    with h5py.File(path, "r") as f:
        return {k: torch.as_tensor(np.asarray(f[k][()])) for k in f.keys() if isinstance(f[k], h5py.Dataset)}


def main():
    name, ckpt, expected = sys.argv[1:4]
    torch.set_num_threads(1)
    model = MODELS[name]()
    model.load_state_dict(load_hdf5_state_dict(ckpt), strict=True)
    model.eval()
    with h5py.File(expected, "r") as e:
        x = torch.from_numpy(e["x"][()])
        y = torch.from_numpy(e["y"][()].astype(np.int64))
        want = e["logits"][()]
        want_loss = float(e["loss"][()])
    with torch.no_grad():
        logits = model(x)
        loss = F.cross_entropy(logits, y).item()
    got = logits.numpy()
    rel = float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30))
    rel_loss = abs(loss - want_loss) / max(abs(want_loss), 1e-30)
    if rel <= RTOL and rel_loss <= RTOL:
        print(f"ok: {name} from {ckpt} loaded with strict=True; logits max relative difference {rel:.2e}, "
              f"loss {loss:.6f} vs {want_loss:.6f}")
        return 0
    print(f"MISMATCH: {name} from {ckpt}: logits max relative difference {rel:.2e}, loss {loss} vs {want_loss}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
