"""The MAGE VQGAN inside an official stage-2 checkpoint (`vqgan.*`) as our VQ token decoder:
its codebook (`vqgan.quantize.embedding.weight`) and conv decoder (`vqgan.decoder.*`, the same
layout as digit/conv_decoder.py). The config is not stored: it is read off the weight shapes."""
import re

from convert.weights import load_exactly
from digit.conv_decoder import ConvDecoderConfig
from digit.token_decoder import TokenDecoder

PREFIX = "vqgan."


def decoder_config(w: dict, groups: int = 32) -> ConvDecoderConfig:
    """w: the decoder's weights without the 'vqgan.decoder.' prefix."""
    levels = sorted({int(m.group(1)) for k in w if (m := re.match(r"up\.(\d+)\.", k))})
    blocks = {int(m.group(1)) for k in w if (m := re.match(r"up\.0\.block\.(\d+)\.", k))}
    widths = [w[f"up.{i}.block.0.conv1.weight"].shape[0] for i in levels]
    base = widths[0]
    if any(c % base for c in widths):
        raise ValueError(f"level widths {widths} are not multiples of the first level's {base}")
    return ConvDecoderConfig(
        z_dim=w["conv_in.weight"].shape[1],
        channels=base,
        channel_mult=tuple(c // base for c in widths),
        num_res_blocks=len(blocks),
        out_channels=w["conv_out.weight"].shape[0],
        groups=groups,
    )


def vq_decoder_from_checkpoint(model: dict, grid: int, groups: int = 32) -> TokenDecoder:
    codebook = model.get(PREFIX + "quantize.embedding.weight")
    if codebook is None:
        raise ValueError("no VQGAN codebook (vqgan.quantize.embedding.weight) in this checkpoint")
    w = {k[len(PREFIX + "decoder.") :]: v for k, v in model.items() if k.startswith(PREFIX + "decoder.")}
    cfg = decoder_config(w, groups)
    weights = {"codebook.weight": codebook, **{"decoder." + k: v for k, v in w.items()}}
    return load_exactly(TokenDecoder(cfg, codebook.shape[0], grid), weights, "the VQGAN decoder", PREFIX)
