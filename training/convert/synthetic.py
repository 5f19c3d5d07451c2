"""Synthetic checkpoints in the official layout, for the converter's tests and size checks (the
real ones cannot be downloaded here). Every key, shape and the order of `model` come from
official_layout.json, never from this project's modules, so a misread of the official layout
shows up as a failed conversion. Weights are random and fp16-representable, as the official
fp16-trained files' are.

The rest of a real file comes along: the top-level records fairseq writes, the config stored the
three ways real files do (a plain nested dict in `cfg`, omegaconf objects in a re-saved file, an
argparse Namespace in `args` from older fairseq), numpy metrics in `extra_state` and a top-level
key the converter has never heard of. omegaconf is not installed, so stand-in classes with its
module and class names and its pickled state (`_content`, `_val`) are pickled in its place."""
import argparse
import sys
import types
from collections import OrderedDict

import numpy as np
import torch

from convert.official_layout import BASE, LAYOUT, official_keys

# The official sizes scaled down: 32x32 images (resized to 28, patch 14: a 2x2 token grid) whose
# position table is 3x3 (so that it is interpolated, as 37x37 is for 16x16), 4 encoder blocks of
# which DiGIT's feature block is 4 - 3 = 1, GroupNorm-friendly VQGAN widths (multiples of 32),
# and every other width small and distinct.
TINY = {
    **BASE,
    "enc_dim": 32,
    "enc_depth": 4,
    "enc_mlp": 64,
    "pos_rows": 10,
    "registers": 1,
    "codes": 16,
    "classes": 3,
    "gpt_dim": 16,
    "gpt_ffn": 24,
    "gpt_layers": 2,
    "positions": 64,
    "vq_codes": 8,
    "vq_dim": 4,
    "ch": 32,
}
TINY_HEADS = {"encoder": 2, "gpt": 2}
TINY_OPTIONS = {"input_size": 32, "encoder_size": 28, "encoder_heads": TINY_HEADS["encoder"]}


def _random_weight(key: str, shape, gen: torch.Generator) -> torch.Tensor:
    if key.endswith(("norm1.weight", "norm2.weight", "norm.weight", "norm_out.weight", "layer_norm.weight")) or (
        key.endswith(".gamma")
    ):
        value = 1 + 0.1 * torch.randn(shape, generator=gen)
    else:
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 16
        value = torch.randn(shape, generator=gen) * min(0.3, 1.5 / fan_in**0.5)
    return value.half().float()


def official_model(kind: str, sizes=TINY, seed: int = 0) -> OrderedDict:
    """A checkpoint's `model`: every official key in order, random fp16-exact weights; the
    stored centroid_norm is close to, not exactly, the centroids' squared norm (as in the real
    files), and decoder.version is fairseq's 3."""
    gen = torch.Generator().manual_seed(seed)
    model = OrderedDict((key, _random_weight(key, shape, gen)) for key, shape in official_keys(kind, sizes))
    model["decoder.version"] = torch.tensor([3.0])
    model["centroids"] = torch.randn(model["centroids"].shape, generator=gen).half().float()
    model["centroid_norm"] = (model["centroids"] ** 2).sum(0, keepdim=True) + 1e-3
    return model


def official_checkpoint(kind: str, sizes=TINY, seed: int = 0, heads=TINY_HEADS, config_style: str = "dict") -> dict:
    """A whole checkpoint file's contents. config_style: 'dict', 'omegaconf' or 'namespace'."""
    stage = "stage2" if kind == "stage2" else "stage1"
    model_cfg = {
        **LAYOUT["cfg_model"][stage],
        "decoder_attention_heads": heads["gpt"],
        "decoder_layers": sizes["gpt_layers"],
        "decoder_embed_dim": sizes["gpt_dim"],
        "decoder_ffn_embed_dim": sizes["gpt_ffn"],
        "class_conditional": kind == "stage1_class_conditional",
    }
    ckpt = {
        "args": None,
        "cfg": {"model": model_cfg, "task": {"_name": f"image_generation_{stage}"}, "common": {"fp16": True}},
        "model": official_model(kind, sizes, seed),
        "criterion": None,
        "optimizer_history": [{"criterion_name": "CrossEntropyCriterion", "num_updates": 125000}],
        "task_state": {},
        "extra_state": {"epoch": 400, "metrics": {"loss": np.float64(2.5), "counts": np.arange(3)}, "seen": {1, 2}},
        "a_key_from_a_newer_fairseq": {"note": "ignored"},
    }
    if config_style == "namespace":
        ckpt["args"], ckpt["cfg"] = argparse.Namespace(**model_cfg), None
    elif config_style == "omegaconf":
        ckpt["cfg"] = ("omegaconf", ckpt["cfg"])
    elif config_style != "dict":
        raise ValueError(config_style)
    return ckpt


def _omegaconf_standins():
    """Classes that pickle as omegaconf.dictconfig.DictConfig / omegaconf.nodes.AnyNode do."""
    modules = {}
    for name in ("omegaconf", "omegaconf.dictconfig", "omegaconf.nodes"):
        modules[name] = sys.modules.get(name) or types.ModuleType(name)

    class DictConfig:
        def __init__(self, content):
            self._content = {k: AnyNode(v) if not isinstance(v, dict) else DictConfig(v) for k, v in content.items()}

        def __getstate__(self):
            return {"_content": self._content, "_metadata": None, "_parent": None}

    class AnyNode:
        def __init__(self, value):
            self._val = value

        def __getstate__(self):
            return {"_val": self._val, "_metadata": None, "_parent": None}

    for cls, module in ((DictConfig, "omegaconf.dictconfig"), (AnyNode, "omegaconf.nodes")):
        cls.__module__ = module
        cls.__qualname__ = cls.__name__
        setattr(modules[module], cls.__name__, cls)
    return modules, DictConfig


def save(ckpt: dict, path: str):
    """torch.save with pickle protocol 2, as fairseq's files are, with omegaconf stand-ins
    importable while pickling when the config asks for them."""
    cfg = ckpt.get("cfg")
    if isinstance(cfg, tuple) and cfg[0] == "omegaconf":
        modules, dict_config = _omegaconf_standins()
        added = {name: m for name, m in modules.items() if name not in sys.modules}
        sys.modules.update(added)
        try:
            torch.save({**ckpt, "cfg": dict_config(cfg[1])}, path, pickle_protocol=2)
        finally:
            for name in added:
                del sys.modules[name]
    else:
        torch.save(ckpt, path, pickle_protocol=2)


def official_pair(
    conditional: bool = True, sizes=TINY, seed: int = 0, config_style: str = "omegaconf", heads=TINY_HEADS
):
    """A stage-1 and a stage-2 checkpoint of one model: the stage-2 file repeats the stage-1
    file's encoder and centroids, as the official ones do."""
    kind = "stage1_class_conditional" if conditional else "stage1_unconditional"
    one = official_checkpoint(kind, sizes, seed, heads, config_style)
    two = official_checkpoint("stage2", sizes, seed + 1, heads)
    for key in two["model"]:
        if key.startswith("pretrained_encoder.") or key.startswith("centroid"):
            two["model"][key] = one["model"][key]
    return one, two
