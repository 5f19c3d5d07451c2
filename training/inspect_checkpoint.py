"""Report what an official DiGIT checkpoint holds, read safely (no fairseq, no pickled code):

    /usr/bin/python3 training/inspect_checkpoint.py path/to/checkpoint.pt

The first step of the converter: the stage-1/stage-2 GPT shapes, classes, k-means centroids,
and whether the DINOv2 encoder and the VQGAN are inside.
"""
import argparse
import sys


from convert.checkpoint import UnsafeCheckpoint, load_checkpoint
from convert.gpt import attention_heads, gpt_config, n_classes


def describe(path: str) -> str:
    ckpt = load_checkpoint(path)
    model = ckpt["model"]
    groups = {}
    for key in model:
        groups.setdefault(key.split(".")[0], []).append(key)
    lines = [
        f"{path}",
        f"  top-level keys: {', '.join(ckpt)}",
        "  model: " + ", ".join(f"{g} ({len(keys)} tensors)" for g, keys in groups.items()),
    ]
    if "centroids" in model:
        d, k = model["centroids"].shape
        lines.append(f"  k-means: {k} centroids of dimension {d}; stored centroid_norm: {'centroid_norm' in model}")
    heads = attention_heads(ckpt)
    cfg = gpt_config(model, "decoder.", heads)
    shape = (
        f"{cfg.n_layer} layers x {cfg.dim}, {heads} heads, FFN {cfg.ffn_dim}, "
        f"{'pre' if cfg.normalize_before else 'post'}-LN"
    )
    if "decoder.embed_positions_1.weight" in model:  # stage 2: its input rows also hold the DiGIT-token prefix
        lines.append(
            f"  GPT (stage 2, DiGIT tokens -> VQ tokens): {shape}, outputs {cfg.vocab_size} "
            f"(5 specials + {cfg.vocab_size - 5} VQ codes), prefix vocabulary {cfg.embed_rows - cfg.vocab_size}, "
            f"{cfg.max_positions} positions"
        )
    else:
        lines.append(
            f"  GPT (stage 1): {shape}, vocabulary {cfg.vocab_size}, {n_classes(cfg)} classes, "
            f"{cfg.max_positions} positions"
        )
    lines.append(f"  DINOv2 encoder inside: {'pretrained_encoder' in groups}; VQGAN inside: {'vqgan' in groups}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkpoint")
    try:
        print(describe(ap.parse_args().checkpoint))
    except (ValueError, OSError, UnsafeCheckpoint) as e:
        sys.exit(f"inspect_checkpoint.py: {e}")


if __name__ == "__main__":
    main()
