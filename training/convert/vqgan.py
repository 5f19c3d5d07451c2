"""The MAGE VQGAN inside an official stage-2 checkpoint (`vqgan.*`) as our VQ token decoder:
its codebook (`vqgan.quantize.embedding.weight`) and conv decoder (`vqgan.decoder.*`). The
config is not stored: it is read off the weight shapes. The official decoder's middle blocks are
`mid.block_1` / `mid.block_2` (ours: `mid.0` / `mid.1`); everything else has our names. Its
encoder (`vqgan.encoder.*`) only makes training targets and is not converted."""
import re

from convert.weights import KeyLedger, load_exactly
from digit.conv_decoder import ConvDecoderConfig
from digit.token_decoder import TokenDecoder

PREFIX = "vqgan."
OFFICIAL_MIDDLE = {"mid.0.": "mid.block_1.", "mid.1.": "mid.block_2."}  # our prefix -> the official one


def _ours(key: str) -> str:
    for mine, official in OFFICIAL_MIDDLE.items():
        if key.startswith(official):
            return mine + key[len(official) :]
    return key


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


def vq_decoder_from_checkpoint(model: dict, grid: int, ledger: KeyLedger = None, groups: int = 32) -> TokenDecoder:
    codebook_key = PREFIX + "quantize.embedding.weight"
    if codebook_key not in model:
        raise ValueError(f"no VQGAN codebook ({codebook_key}) in this checkpoint: is it a stage-2 file?")
    decoder = PREFIX + "decoder."
    w = {_ours(k[len(decoder) :]): v for k, v in model.items() if k.startswith(decoder)}
    cfg = decoder_config(w, groups)
    codebook = model[codebook_key]
    names = {"codebook.weight": "quantize.embedding.weight"}
    for key in w:
        official = "decoder." + next((o + key[len(m) :] for m, o in OFFICIAL_MIDDLE.items() if key.startswith(m)), key)
        names["decoder." + key] = official
    weights = {"codebook.weight": codebook, **{"decoder." + k: v for k, v in w.items()}}
    module = load_exactly(
        TokenDecoder(cfg, codebook.shape[0], grid), weights, "the VQGAN decoder", PREFIX, ledger, names
    )
    if ledger is not None:
        ledger.take([k for k in model if k.startswith(PREFIX + "encoder.")], "skipped: the VQGAN encoder")
    return module
