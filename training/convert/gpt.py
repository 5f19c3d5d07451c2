"""An official DiGIT GPT (fairseq `TransformerDecoder` weights under `decoder.`) as our GPT.

Every dimension comes from the weight shapes; the head count, which no weight shape shows,
comes from the checkpoint's stored config. Key names match ours once the prefix is stripped;
anything left over on either side is an error that lists the keys.
"""
import re

from convert.weights import KeyLedger, load_exactly
from digit.gpt import GPT, POSITION_OFFSET, GPTConfig


def attention_heads(ckpt: dict) -> int:
    for source in (ckpt.get("cfg"), ckpt.get("args")):
        section = source.get("model", source) if isinstance(source, dict) else None
        if isinstance(section, dict) and "decoder_attention_heads" in section:
            return int(section["decoder_attention_heads"])
    raise ValueError("the checkpoint's config does not say decoder_attention_heads; pass it explicitly")


def gpt_config(model: dict, prefix: str, heads: int, prefix_len: int = 0) -> GPTConfig:
    """prefix_len: stage 2's DiGIT-token prefix (read with its own position table)."""
    w = {k[len(prefix) :]: v for k, v in model.items() if k.startswith(prefix)}
    if "embed_tokens.weight" not in w or "output_projection.weight" not in w:
        raise ValueError(
            f"no GPT under '{prefix}': expected {prefix}embed_tokens.weight and " f"{prefix}output_projection.weight"
        )
    if prefix_len and "embed_positions_1.weight" not in w:
        raise ValueError(f"a stage-2 GPT needs {prefix}embed_positions_1.weight for its prefix")
    layers = {int(m.group(1)) for k in w if (m := re.match(r"layers\.(\d+)\.", k))}
    vocab, dim = w["output_projection.weight"].shape
    if dim % heads:
        raise ValueError(f"width {dim} does not split into {heads} heads")
    return GPTConfig(
        vocab_size=vocab,
        embed_rows=w["embed_tokens.weight"].shape[0],
        n_layer=len(layers),
        n_head=heads,
        dim=dim,
        ffn_dim=w["layers.0.fc1.weight"].shape[0],
        normalize_before="layer_norm.weight" in w,
        max_positions=w["embed_positions.weight"].shape[0] - POSITION_OFFSET,
        prefix_len=prefix_len,
    )


def load_gpt(model: dict, prefix: str, heads: int, prefix_len: int = 0, ledger: KeyLedger = None) -> GPT:
    """Stage 2's head (`output_projection`) has only the target dictionary's rows (specials and
    VQ codes), while its input embedding also holds the DiGIT-token prefix: they are not tied."""
    weights = {k[len(prefix) :]: v for k, v in model.items() if k.startswith(prefix) and k != prefix + "version"}
    gpt = GPT(gpt_config(model, prefix, heads, prefix_len))
    gpt = load_exactly(gpt, weights, f"the GPT under '{prefix}'", prefix, ledger)
    if ledger is not None:
        ledger.take([k for k in model if k == prefix + "version"], "skipped: fairseq's format version")
    return gpt


def n_classes(cfg: GPTConfig) -> int:
    """Class-conditional stage 1 has one extra embedding row per class."""
    return cfg.embed_rows - cfg.vocab_size
