"""What a token stands for: the training patches nearest each centroid, as one PNG atlas.

Row k of the atlas holds up to `per_token` tiles for token k, each the token's cell with one
cell of context around it (so a tile is 3 cells wide and the token's own cell is the middle
one), taken from different images, nearest to the centroid first. The app shows them when a
token is clicked in the token map.
"""
import hashlib
import io
import os

import torch
import torch.nn.functional as F
from PIL import Image

CONTEXT = 1  # cells of context on each side of the token's cell


def nearest_cells(tokens, distances, codebook_size: int, per_token: int):
    """tokens, distances [N, P] -> for each code, up to per_token (image, cell) pairs, the
    nearest to the centroid first, at most one per image."""
    picks = []
    for k in range(codebook_size):
        images, cells = (tokens == k).nonzero(as_tuple=True)
        order = distances[images, cells].argsort()
        chosen, seen = [], set()
        for i in order.tolist():
            if int(images[i]) not in seen:
                seen.add(int(images[i]))
                chosen.append((int(images[i]), int(cells[i])))
            if len(chosen) == per_token:
                break
        picks.append(chosen)
    return picks


def atlas(images, picks, grid: int, per_token: int):
    """images [N, C, H, W] in [0, 1] -> uint8 RGB atlas [K * tile, per_token * tile, 3]; tiles
    without an exemplar stay white."""
    cell = images.shape[-1] // grid
    pad = CONTEXT * cell
    tile = cell + 2 * pad
    padded = F.pad(images, (pad, pad, pad, pad), mode="replicate")
    if padded.shape[1] == 1:
        padded = padded.expand(-1, 3, -1, -1)
    out = torch.ones(3, len(picks) * tile, per_token * tile)
    for k, chosen in enumerate(picks):
        for j, (i, c) in enumerate(chosen):
            y, x = (c // grid) * cell, (c % grid) * cell  # top-left of the tile in padded pixels
            out[:, k * tile : (k + 1) * tile, j * tile : (j + 1) * tile] = padded[i, :, y : y + tile, x : x + tile]
    return (out.clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).numpy(), tile, cell


def write_atlas(out_dir: str, images, tokens, distances, grid: int, codebook_size: int, per_token: int = 8) -> dict:
    """Write exemplars.png into out_dir; returns its pack.json entry."""
    picks = nearest_cells(tokens, distances, codebook_size, per_token)
    pixels, tile, cell = atlas(images, picks, grid, per_token)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", optimize=True)
    data = buffer.getvalue()
    with open(os.path.join(out_dir, "exemplars.png"), "wb") as f:
        f.write(data)
    return {
        "file": "exemplars.png",
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "per_token": per_token,
        "tile": tile,
        "cell": cell,
        "counts": [len(p) for p in picks],
    }
