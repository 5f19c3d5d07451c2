"""Images a pack ships: examples for the token map (held-out images, one per chosen class), with
the tokens the PyTorch tokenizer gives them (the app offers them to click, and the parity tests
require the engine to tokenize them the same way), and one image of every class for the class
picker."""
import hashlib
import os

import torch
from PIL import Image


def pick(labels, n_classes: int, count: int = 4) -> list:
    """Index of the first image of `count` classes spread over the class list."""
    classes = sorted({round(i * (n_classes - 1) / max(1, count - 1)) for i in range(count)})
    return [int((labels == c).nonzero()[0]) for c in classes if (labels == c).any()]


def png_entry(out_dir: str, name: str, array) -> dict:
    """Save a uint8 [H, W] or [H, W, 3] array as out_dir/name; -> its file, bytes and sha256."""
    path = os.path.join(out_dir, name)
    Image.fromarray(array).save(path)
    with open(path, "rb") as f:
        data = f.read()
    return {"file": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def write_class_images(out_dir: str, images, labels, n_classes: int) -> dict:
    """classes.png: the first held-out image of each class side by side, class 0 first (tile =
    image size). images float [N, C, H, W] in [0, 1]; every class must have one."""
    first = []
    for c in range(n_classes):
        found = (labels == c).nonzero()
        if len(found) == 0:
            raise ValueError(f"class {c} has no held-out image for the class picker")
        first.append(int(found[0]))
    row = torch.cat([images[i] for i in first], dim=2)  # [C, H, n_classes * W]
    array = (row * 255).round().to(torch.uint8).permute(1, 2, 0).squeeze(-1).numpy()
    return {**png_entry(out_dir, "classes.png", array), "tile": int(images.shape[-1])}


@torch.no_grad()
def write_examples(out_dir: str, pipe, images, labels, n_classes: int):
    """-> (pack.json entries, reference tokenize cases). images float [N, C, H, W], k/255 exactly."""
    entries, cases = [], []
    for i, index in enumerate(pick(labels, n_classes)):
        pixels = (images[index] * 255).round().to(torch.uint8)
        array = pixels.permute(1, 2, 0).squeeze(-1).numpy()
        name = f"example-{i}.png"
        entries.append({**png_entry(out_dir, name, array), "class_id": int(labels[index])})
        tokens, _ = pipe.tokenize(pixels.float().unsqueeze(0) / 255)
        cases.append({"file": name, "tokens": tokens[0].tolist()})
    return entries, cases
