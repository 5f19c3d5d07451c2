"""Example images a pack ships for the token map (held-out images, one per chosen class), with
the tokens the PyTorch tokenizer gives them: the app offers them to click, and the parity tests
require the engine to tokenize them the same way."""
import hashlib
import os

import torch
from PIL import Image


def pick(labels, n_classes: int, count: int = 4) -> list:
    """Index of the first image of `count` classes spread over the class list."""
    classes = sorted({round(i * (n_classes - 1) / max(1, count - 1)) for i in range(count)})
    return [int((labels == c).nonzero()[0]) for c in classes if (labels == c).any()]


@torch.no_grad()
def write_examples(out_dir: str, pipe, images, labels, n_classes: int):
    """-> (pack.json entries, reference tokenize cases). images float [N, C, H, W], k/255 exactly."""
    entries, cases = [], []
    for i, index in enumerate(pick(labels, n_classes)):
        pixels = (images[index] * 255).round().to(torch.uint8)
        array = pixels.permute(1, 2, 0).squeeze(-1).numpy()
        name = f"example-{i}.png"
        path = os.path.join(out_dir, name)
        Image.fromarray(array).save(path)
        with open(path, "rb") as f:
            data = f.read()
        entries.append(
            {
                "file": name,
                "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "class_id": int(labels[index]),
            }
        )
        tokens, _ = pipe.tokenize(pixels.float().unsqueeze(0) / 255)
        cases.append({"file": name, "tokens": tokens[0].tolist()})
    return entries, cases
