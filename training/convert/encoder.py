"""The DINOv2 encoder embedded in an official checkpoint (`pretrained_encoder.*`) as our Encoder,
cut after DiGIT's feature block, and the checkpoint's k-means centroids as our Quantizer.

Widths, patch size, registers and the position grid come from the weight shapes. The feature
block comes from the stored config (`pretrained_enc_config.layer` counts blocks from the end:
3 -> block depth - 3). The head count is not stored anywhere: it comes from the preset for the
width (ViT-B 768 -> 12, ViT-L 1024 -> 16) unless given.
"""
import re
from typing import Optional

from convert.weights import KeyLedger, load_exactly
from digit.encoder import Encoder, EncoderConfig
from digit.quantizer import Quantizer

PREFIX = "pretrained_encoder."
HEADS_BY_WIDTH = {384: 6, 768: 12, 1024: 16, 1536: 24}


def layers_from_end(ckpt: dict) -> Optional[int]:
    """`pretrained_enc_config.layer` of the stored config, if the file has one."""
    for source in (ckpt.get("cfg"), ckpt.get("args")):
        section = source.get("model", source) if isinstance(source, dict) else None
        enc = section.get("pretrained_enc_config") if isinstance(section, dict) else None
        if isinstance(enc, dict) and isinstance(enc.get("layer"), int):
            return enc["layer"]
    return None


def encoder_from_checkpoint(
    model: dict,
    feature_block: Optional[int] = None,
    heads: Optional[int] = None,
    layers_from_end: Optional[int] = None,
    input_size: int = 256,
    encoder_size: int = 224,
    ledger: KeyLedger = None,
) -> Encoder:
    """input_size / encoder_size: DiGIT resizes its 256-pixel input to 224 for DINOv2.
    feature_block (an override) wins over layers_from_end (the stored config's)."""
    w = {k[len(PREFIX) :]: v for k, v in model.items() if k.startswith(PREFIX)}
    if "cls_token" not in w:
        raise ValueError(f"no DINOv2 encoder under '{PREFIX}' in this checkpoint")
    dim = w["cls_token"].shape[-1]
    depth = len({int(m.group(1)) for k in w if (m := re.match(r"blocks\.(\d+)\.", k))})
    if heads is None and dim not in HEADS_BY_WIDTH:
        raise ValueError(f"the DINOv2 is {dim} wide, which has no preset head count: pass --encoder-heads")
    if feature_block is None and layers_from_end is None:
        raise ValueError("the checkpoint's config does not say which encoder block DiGIT reads: pass --feature-block")
    if feature_block is None:
        feature_block = depth - layers_from_end
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
        feature_block=feature_block,
        mlp_ratio=w["blocks.0.mlp.fc1.weight"].shape[0] / dim,
        in_channels=w["patch_embed.proj.weight"].shape[1],
    )
    kept = {
        k: v
        for k, v in w.items()
        if not (m := re.match(r"blocks\.(\d+)\.", k)) or int(m.group(1)) <= cfg.feature_block
    }
    encoder = load_exactly(Encoder(cfg), kept, "the DINOv2 encoder", PREFIX, ledger)
    if ledger is not None:
        ledger.take([PREFIX + k for k in w if k not in kept], "skipped: blocks after the feature block")
    return encoder


def quantizer_from_checkpoint(model: dict, ledger: KeyLedger = None) -> Quantizer:
    """Centroids are stored [D, K]; the stored centroid_norm [1, K] is used as is (it is not
    exactly the centroids' squared norm, and the official tokenizer reads the stored one)."""
    if "centroids" not in model:
        raise ValueError("no k-means centroids ('centroids') in this checkpoint")
    centroids = model["centroids"].t().float().contiguous()
    norm = model.get("centroid_norm")
    if ledger is not None:
        ledger.take([k for k in ("centroids", "centroid_norm") if k in model], "the k-means quantizer")
    return Quantizer(centroids, norm.reshape(-1).float() if norm is not None else None)
