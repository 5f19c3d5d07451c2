"""Synthetic checkpoints with the official fairseq layout, at toy sizes, for the converter's tests
(the real ones cannot be downloaded here). The config is stored the three ways real files do:
a plain nested dict (`cfg`), omegaconf objects (a re-saved file), or an argparse Namespace
(`args`, older fairseq). omegaconf is not installed, so stand-in classes with its module and
class names and its pickled state (`_content`, `_val`) are pickled in its place."""
import argparse
import os
import sys
import types
from collections import OrderedDict
from dataclasses import dataclass, field

import torch
import torch.nn as nn

from digit.conv_decoder import ConvDecoderConfig
from digit.encoder import Encoder, EncoderConfig
from digit.gpt import GPT, GPTConfig
from digit.pipeline import TokenIds
from digit.token_decoder import TokenDecoder


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


def stage1_checkpoint(gpt: GPT, centroids: torch.Tensor, config_style: str = "dict", encoder: Encoder = None) -> dict:
    """A stage-1 checkpoint dict: `model` holds centroids, centroid_norm, decoder.* and, given an
    encoder, its weights as pretrained_encoder.* (the official files embed the whole DINOv2)."""
    model = OrderedDict()
    model["centroids"] = centroids.t().contiguous()  # [D, K] as the official files store them
    model["centroid_norm"] = (centroids**2).sum(1, keepdim=True).t() + 1e-3  # stored, not recomputed
    for key, value in gpt.state_dict().items():
        model["decoder." + key] = value.clone()
    model["decoder.version"] = torch.tensor([3.0])
    for key, value in (encoder.state_dict() if encoder else {}).items():
        model["pretrained_encoder." + key] = value.clone()
    model_cfg = {
        "decoder_attention_heads": gpt.cfg.n_head,
        "decoder_layers": gpt.cfg.n_layer,
        "decoder_embed_dim": gpt.cfg.dim,
        "decoder_normalize_before": gpt.cfg.normalize_before,
    }
    ckpt = {
        "args": None,
        "cfg": {"model": model_cfg, "task": {"_name": "image_generation"}},
        "model": model,
        "criterion": None,
        "optimizer_history": [{"criterion_name": "CrossEntropyCriterion"}],
        "task_state": {},
        "extra_state": {"epoch": 200},
    }
    if config_style == "namespace":
        ckpt["args"], ckpt["cfg"] = argparse.Namespace(**model_cfg), None
    elif config_style == "omegaconf":
        ckpt["cfg"] = ("omegaconf", ckpt["cfg"])
    elif config_style != "dict":
        raise ValueError(config_style)
    return ckpt


def save(ckpt: dict, path: str):
    """torch.save, with omegaconf stand-ins importable while pickling when the config asks."""
    cfg = ckpt.get("cfg")
    if isinstance(cfg, tuple) and cfg[0] == "omegaconf":
        modules, dict_config = _omegaconf_standins()
        added = {name: m for name, m in modules.items() if name not in sys.modules}
        sys.modules.update(added)
        try:
            torch.save({**ckpt, "cfg": dict_config(cfg[1])}, path)
        finally:
            for name in added:
                del sys.modules[name]
    else:
        torch.save(ckpt, path)


def stage2_checkpoint(gpt: GPT, vq_decoder: TokenDecoder, centroids: torch.Tensor, encoder: Encoder) -> dict:
    """A stage-2 checkpoint: the stage-2 GPT under decoder.*, the MAGE VQGAN under vqgan.* (its
    encoder too, which conversion ignores), centroids and the DINOv2 as in stage 1."""
    ckpt = stage1_checkpoint(gpt, centroids, "dict", encoder)
    model = ckpt["model"]
    model["vqgan.encoder.conv_in.weight"] = torch.zeros(4, 3, 3, 3)
    model["vqgan.quantize.embedding.weight"] = vq_decoder.codebook.weight.detach().clone()
    for key, value in vq_decoder.decoder.state_dict().items():
        model["vqgan.decoder." + key] = value.clone()
    return ckpt


@dataclass
class TinyOfficial:
    """Toy models in the official structure, and the converter options their files need."""

    ids: TokenIds
    grid: int
    encoder: Encoder
    stage1: GPT
    stage2: GPT
    vq_decoder: TokenDecoder
    centroids: torch.Tensor
    classes: tuple = ("class a", "class b", "class c")
    convert_options: dict = field(
        default_factory=lambda: {"input_size": 32, "encoder_size": 28, "encoder_heads": 2, "feature_block": 1}
    )

    def write(self, folder: str):
        """Write the stage-1 (omegaconf config) and stage-2 checkpoints; returns their paths."""
        s1, s2 = os.path.join(folder, "stage1.pt"), os.path.join(folder, "stage2.pt")
        save(stage1_checkpoint(self.stage1, self.centroids, "omegaconf", self.encoder), s1)
        save(stage2_checkpoint(self.stage2, self.vq_decoder, self.centroids, self.encoder), s2)
        return s1, s2


def fp16_representable(module: nn.Module) -> nn.Module:
    """Round every weight to float16 and back, as the official files are (trained in fp16)."""
    with torch.no_grad():
        for p in module.state_dict().values():
            if p.is_floating_point():
                p.copy_(p.half().float())
    return module.eval()


def tiny_official(seed: int = 2, conditional: bool = True) -> TinyOfficial:
    """conditional=False: an unconditional stage 1 (no class rows), like base_8k_stage1."""
    torch.manual_seed(seed)
    ids, grid = TokenIds(codebook_size=16, vq_codebook_size=8), 2
    classes = ("class a", "class b", "class c") if conditional else ()
    encoder = Encoder(
        EncoderConfig(
            input_size=32, encoder_size=28, patch_size=14, dim=16, n_head=2, n_registers=1, feature_block=1, pos_grid=2
        )
    )
    stage1 = GPT(
        GPTConfig(
            vocab_size=ids.stage1_vocab,
            embed_rows=ids.stage1_vocab + len(classes),
            n_layer=2,
            n_head=2,
            dim=16,
            ffn_dim=32,
            max_positions=1024,
        )
    )
    stage2 = GPT(
        GPTConfig(
            vocab_size=ids.stage2_vocab,
            embed_rows=ids.stage2_vocab,
            n_layer=1,
            n_head=2,
            dim=16,
            ffn_dim=32,
            normalize_before=True,
            max_positions=1024,
            prefix_len=grid * grid,
        )
    )
    vq = TokenDecoder(
        ConvDecoderConfig(z_dim=4, channels=8, channel_mult=(1, 1, 1, 1, 2), num_res_blocks=1, groups=32), 8, grid
    )  # 16x upsampling, as MAGE's: 2x2 tokens -> 32x32 pixels
    centroids = torch.randn(16, 16).half().float()
    return TinyOfficial(ids, grid, *(fp16_representable(m) for m in (encoder, stage1, stage2, vq)), centroids, classes)
