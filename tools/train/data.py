"""Fashion-MNIST from Debian's dataset-fashion-mnist (idx files, gzip).

The idx format: a big-endian header (magic 0x0000080N with N the number of
dimensions, then one u32 per dimension) followed by the raw uint8 data.
Images become float tensors in [0, 1], shape (N, 1, 28, 28); the network sees
exactly this range, and the importer calibrates its input scale on it.
"""
import gzip
import os
import struct

import numpy as np

DATASET_DIR = os.environ.get("HTA_FMNIST_DIR", "/usr/share/datasets/fashion-mnist")

FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def read_idx(path):
    """Return the array stored in one gzip'ed idx file (uint8 data only)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4:
        raise ValueError(f"{path}: too short for an idx header")
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an idx file of uint8 (magic {raw[:4].hex()})")
    dims = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {data.size} bytes of data, header says {dims}")
    return data.reshape(dims)


def load(split, directory=DATASET_DIR):
    """(images float32 (N,1,28,28) in [0,1], labels int64 (N,)) of 'train' or 'test'."""
    img_name, lab_name = FILES[split]
    images = read_idx(os.path.join(directory, img_name))
    labels = read_idx(os.path.join(directory, lab_name))
    if images.shape[1:] != (28, 28) or images.shape[0] != labels.shape[0]:
        raise ValueError(f"{split}: images {images.shape} and labels {labels.shape} disagree")
    x = images.astype(np.float32)[:, None, :, :] / 255.0
    return x, labels.astype(np.int64)
