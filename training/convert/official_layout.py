"""The official checkpoints' state-dict layout (official_layout.json, read from the official
sources it cites) as ordered lists of (key, shape) for any sizes."""
import json
import os
from typing import Dict, List, Tuple

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "official_layout.json")) as f:
    LAYOUT = json.load(f)

KINDS = tuple(LAYOUT["checkpoints"])
BASE = LAYOUT["sizes"]["base"]
LARGE = LAYOUT["sizes"]["large"]  # partly inferred: see large_sizes in the JSON
HEADS = LAYOUT["heads"]  # attention heads per size: not in the weights


def size_of(expr, sizes: Dict[str, int]) -> int:
    """A number, or an expression over `sizes` with + and * ("specials+vq_codes", "3*enc_dim")."""
    if isinstance(expr, int):
        return expr
    total = 0
    for term in expr.split("+"):
        value = 1
        for factor in term.split("*"):
            factor = factor.strip()
            value *= int(factor) if factor.isdigit() else sizes[factor]
        total += value
    return total


def official_keys(kind: str, sizes: Dict[str, int] = BASE) -> List[Tuple[str, Tuple[int, ...]]]:
    """Every key of a checkpoint kind's `model`, in the order the official code saves them."""
    spec = LAYOUT["checkpoints"][kind]
    sizes = dict(sizes)
    for name, expr in spec["sizes"].items():
        sizes[name] = size_of(expr, sizes)
    keys = []
    for part in spec["parts"]:
        for entry in LAYOUT["parts"][part]:
            group = entry["keys"] if isinstance(entry, dict) else [entry]
            for i in range(sizes[entry["repeat"]] if isinstance(entry, dict) else 1):
                keys += [(key.format(i=i), tuple(size_of(d, sizes) for d in shape)) for key, shape in group]
    return keys
