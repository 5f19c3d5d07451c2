"""Emoji from the npm packages emoji-datasource-google (images Apache-2.0) and
emoji-datasource-twitter (images CC-BY-4.0), 64x64 PNGs composited on white.

The packages are fetched from the npm registry with `npm pack` into training/.cache/ on first
use (raw data is not committed). Classes group emoji.json's categories and subcategories into
visually coherent sets; the validation split holds out whole emoji *concepts* (both vendors
and all skin tones of a held-out emoji), not single images. Skin-tone variants share one
concept's weight, so a face with five tones does not count six times.
"""
import hashlib
import io
import json
import os
import subprocess
import tarfile
from dataclasses import dataclass
from typing import List, Optional

import numpy as np
import torch
from PIL import Image

CACHE = os.path.join(os.path.dirname(__file__), "..", ".cache")
VERSION = "16.0.0"
VENDORS = {"google": "Apache-2.0", "twitter": "CC-BY-4.0"}

# (class name, [(category, subcategory prefix or None for the whole category)]); the first class
# whose rule matches wins. Classes are emoji.json subcategories grouped by how they look at 32 px
# (yellow faces, coloured hearts, flags, blue keycap boxes, clock faces...), not by meaning: a
# class is only recognisable in a sample if its members look alike. Every emoji but the skin-tone
# swatches has a class, so the odd ones out join the class they look most like.
CLASSES = [
    ("faces", [("Smileys & Emotion", "face-"), ("Smileys & Emotion", "cat-face")]),
    ("hearts", [("Smileys & Emotion", "heart")]),
    ("hands & body", [("People & Body", "hand"), ("People & Body", "body-parts")]),
    ("people", [("People & Body", "person"), ("People & Body", "family")]),
    ("mammals", [("Animals & Nature", "animal-mammal"), ("Smileys & Emotion", "monkey-face")]),
    ("birds, sea life & bugs", [("Animals & Nature", "animal-")]),
    ("flowers & plants", [("Animals & Nature", "plant-")]),
    ("fruit & vegetables", [("Food & Drink", "food-fruit"), ("Food & Drink", "food-vegetable")]),
    ("meals & sweets", [("Food & Drink", "food-")]),
    ("drinks & tableware", [("Food & Drink", None)]),
    (
        "buildings",
        [("Travel & Places", "place-building"), ("Travel & Places", "place-religious"), ("Travel & Places", "hotel")],
    ),
    ("landscapes & maps", [("Travel & Places", "place-")]),
    ("vehicles", [("Travel & Places", "transport-")]),
    ("sky & weather", [("Travel & Places", "sky & weather")]),
    ("clocks & time", [("Travel & Places", "time")]),
    ("sport & games", [("Activities", "sport"), ("Activities", "game"), ("Activities", "award-medal")]),
    ("celebrations & crafts", [("Activities", None)]),
    ("clothing", [("Objects", "clothing")]),
    ("objects", [("Objects", None)]),
    ("flags", [("Flags", None)]),
    (
        "keycaps, arrows & buttons",
        [("Symbols", "keycap"), ("Symbols", "arrow"), ("Symbols", "av-symbol"), ("Symbols", "alphanum")],
    ),
    (
        "signs & zodiac",
        [("Symbols", "zodiac"), ("Symbols", "religion"), ("Symbols", "transport-sign"), ("Symbols", "warning")],
    ),
    ("shapes", [("Symbols", "geometric")]),
    ("marks", [("Symbols", None), ("Smileys & Emotion", "emotion")]),
]


def class_of(category: str, subcategory: str) -> Optional[int]:
    for index, (_, rules) in enumerate(CLASSES):
        for cat, prefix in rules:
            if category == cat and (prefix is None or subcategory.startswith(prefix)):
                return index
    return None


def is_validation(concept: str, fraction: float = 0.1) -> bool:
    """A stable hash of the concept decides, so the split never depends on ordering."""
    return int(hashlib.sha256(concept.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < fraction


@dataclass
class Item:
    concept: str  # the base emoji's code points: one concept, every vendor and skin tone
    image: str  # file name in img/<vendor>/64/
    vendor: str
    label: int
    weight: float


def items(emoji_json: list, vendor: str) -> List[Item]:
    out = []
    for e in emoji_json:
        label = class_of(e["category"], e["subcategory"])
        if label is None or not e.get(f"has_img_{vendor}"):
            continue
        variants = [v for v in (e.get("skin_variations") or {}).values() if v.get(f"has_img_{vendor}")]
        weight = 1.0 / (1 + len(variants))
        out.append(Item(e["unified"], e["image"], vendor, label, weight))
        out.extend(Item(e["unified"], v["image"], vendor, label, weight) for v in variants)
    return out


def fetch(vendor: str) -> str:
    """The package tarball in the cache, fetched from the npm registry when missing."""
    os.makedirs(CACHE, exist_ok=True)
    name = f"emoji-datasource-{vendor}-{VERSION}.tgz"
    path = os.path.join(CACHE, name)
    if not os.path.exists(path):
        subprocess.run(
            ["npm", "pack", f"emoji-datasource-{vendor}@{VERSION}", "--silent"],
            cwd=CACHE,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return path


def on_white(png: bytes) -> np.ndarray:
    rgba = Image.open(io.BytesIO(png)).convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return np.asarray(Image.alpha_composite(white, rgba).convert("RGB"))


def load_cached(size: int):
    """load(size), decoded once and kept in the cache folder (decoding takes a minute); the file
    name holds a hash of CLASSES, so relabelled classes are never read from a stale cache."""
    classes = hashlib.sha256(json.dumps(CLASSES).encode()).hexdigest()[:8]
    path = os.path.join(CACHE, f"emoji-{VERSION}-{size}-{classes}.pt")
    if not os.path.exists(path):
        os.makedirs(CACHE, exist_ok=True)
        torch.save(load(size), path)
    return torch.load(path)


def load(size: int = 64):
    """-> {"classes", "train": (images, labels, weights, vendors), "val": (...)}; images float
    [N, 3, size, size] in [0, 1]; vendors index into list(VENDORS)."""
    splits = {"train": [], "val": []}
    for v_index, vendor in enumerate(VENDORS):
        with tarfile.open(fetch(vendor)) as tar:
            emoji_json = json.load(tar.extractfile("package/emoji.json"))
            for item in items(emoji_json, vendor):
                member = f"package/img/{vendor}/64/{item.image}"
                try:
                    png = tar.extractfile(member).read()
                except KeyError:
                    continue
                img = on_white(png)
                if size != img.shape[0]:
                    img = np.asarray(Image.fromarray(img).resize((size, size), Image.BICUBIC))
                split = "val" if is_validation(item.concept) else "train"
                splits[split].append((img, item.label, item.weight, v_index))
    out = {"classes": [name for name, _ in CLASSES]}
    for split, rows in splits.items():
        images = torch.from_numpy(np.stack([r[0] for r in rows])).permute(0, 3, 1, 2).float() / 255
        out[split] = (
            images,
            torch.tensor([r[1] for r in rows]),
            torch.tensor([r[2] for r in rows]),
            torch.tensor([r[3] for r in rows]),
        )
    return out
