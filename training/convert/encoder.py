"""The DINOv2 encoder embedded in an official checkpoint (`pretrained_encoder.*`) as our Encoder,
cut after DiGIT's feature block, and the checkpoint's k-means centroids as our Quantizer.

Widths, patch size, registers and the position grid come from the weight shapes. The head count
is not stored anywhere: it comes from the preset for the width (ViT-B 768 -> 12, ViT-L 1024 -> 16)
unless given.
"""
import re
from typing import Optional

from convert.weights import load_exactly
from digit.encoder import Encoder, EncoderConfig
from digit.quantizer import Quantizer

PREFIX = "pretrained_encoder."
HEADS_BY_WIDTH = {384: 6, 768: 12, 1024: 16, 1536: 24}
FEATURE_BLOCK_BY_DEPTH = {12: 9, 24: 21}  # DiGIT base and large


def encoder_from_checkpoint(
    model: dict,
    feature_block: Optional[int] = None,
    heads: Optional[int] = None,
    input_size: int = 256,
    encoder_size: int = 224,
) -> Encoder:
    """input_size / encoder_size: DiGIT resizes its 256-pixel input to 224 for DINOv2."""
    w = {k[len(PREFIX) :]: v for k, v in model.items() if k.startswith(PREFIX)}
    if "cls_token" not in w:
        raise ValueError(f"no DINOv2 encoder under '{PREFIX}' in this checkpoint")
    dim = w["cls_token"].shape[-1]
    depth = len({int(m.group(1)) for k in w if (m := re.match(r"blocks\.(\d+)\.", k))})
    if heads is None and dim not in HEADS_BY_WIDTH:
        raise ValueError(f"no preset head count for width {dim}: pass heads")
    if feature_block is None and depth not in FEATURE_BLOCK_BY_DEPTH:
        raise ValueError(f"no preset feature block for a {depth}-block encoder: pass feature_block")
    patch = w["patch_embed.proj.weight"].shape[-1]
    grid = round((w["pos_embed"].shape[1] - 1) ** 0.5)
    cfg = EncoderConfig(
        input_size=input_size,
        encoder_size=encoder_size,
        dim=dim,
        n_head=heads or HEADS_BY_WIDTH[dim],
        patch_size=patch,
        pos_grid=grid,
        n_registers=w["register_tokens"].shape[1] if "register_tokens" in w else 0,
        feature_block=FEATURE_BLOCK_BY_DEPTH.get(depth) if feature_block is None else feature_block,
        mlp_ratio=w["blocks.0.mlp.fc1.weight"].shape[0] / dim,
        in_channels=w["patch_embed.proj.weight"].shape[1],
    )
    kept = {
        k: v
        for k, v in w.items()
        if not (m := re.match(r"blocks\.(\d+)\.", k)) or int(m.group(1)) <= cfg.feature_block
    }
    return load_exactly(Encoder(cfg), kept, "the DINOv2 encoder", PREFIX)


def quantizer_from_checkpoint(model: dict) -> Quantizer:
    """Centroids are stored [D, K]; the stored centroid_norm [1, K] is used as is (it is not
    exactly the centroids' squared norm, and the official tokenizer reads the stored one)."""
    if "centroids" not in model:
        raise ValueError("no k-means centroids ('centroids') in this checkpoint")
    centroids = model["centroids"].t().float().contiguous()
    norm = model.get("centroid_norm")
    return Quantizer(centroids, norm.reshape(-1).float() if norm is not None else None)
