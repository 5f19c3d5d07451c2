"""Fashion-MNIST from Debian's dataset-fashion-mnist (MIT): 60k train / 10k test, 28x28 gray."""
import gzip
import os

import numpy as np
import torch

ROOT = "/usr/share/datasets/fashion-mnist"
CLASSES = ["t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"]


def _read(name: str, offset: int) -> np.ndarray:
    path = os.path.join(ROOT, name)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} is missing: install Debian's dataset-fashion-mnist")
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load(split: str):
    """split 'train' or 'test' -> images float [N, 1, 28, 28] in [0, 1], labels int64 [N]."""
    prefix = "train" if split == "train" else "t10k"
    images = _read(f"{prefix}-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28)
    labels = _read(f"{prefix}-labels-idx1-ubyte.gz", 8)
    return torch.from_numpy(images.astype(np.float32) / 255), torch.from_numpy(labels.astype(np.int64))
