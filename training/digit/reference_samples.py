"""Seeded generations from the PyTorch pipeline: the answers the engine's parity tests check.

Each case records every sampled token's margin (digit.sampling.draw_token): tokens are compared
exactly only up to the first one whose margin is below the logit tolerance, since past that
point another correct implementation may pick differently (and then the rest of the row).
"""
import argparse
from typing import Optional, Sequence

import torch

from digit.pipeline import Pipeline
from digit.sampling import SamplingSettings


def generation_case(
    pipe: Pipeline,
    class_id: Optional[int],
    seed: int,
    batch: int,
    stage1: SamplingSettings,
    stage2: SamplingSettings,
    decoder: str,
    prefix: Sequence[int] = (),
) -> dict:
    tokens, rngs, margins = pipe.sample_tokens(class_id, seed, batch, stage1, prefix)
    images, vq, vq_margins = pipe.decode(tokens, decoder, rngs, stage2)
    return {
        "class_id": class_id,
        "seed": seed,
        "batch": batch,
        "decoder": decoder,
        "prefix": list(prefix),
        "stage1": stage1.__dict__,
        "stage2": stage2.__dict__,
        "tokens": tokens.tolist(),
        "margins": rounded(margins),
        "vq_tokens": vq.tolist() if vq is not None else None,
        "vq_margins": rounded(vq_margins) if vq_margins is not None else None,
        "pixels": images.reshape(-1).tolist(),
    }


def rounded(margins):
    """Margins to 3 significant digits, at most 1e9 (JSON has no infinity): they are compared
    with a tolerance, not reproduced."""
    return [[float(f"{min(m, 1e9):.3g}") for m in row] for row in margins]


def pack_cases(pipe: Pipeline, stage1: SamplingSettings, stage2: SamplingSettings, n_classes: int) -> list:
    """A few generations of a trained pack at its default settings: each decoder, guidance,
    a prefix taken from the first case, and the baseline GPT where the pack has one."""
    first = generation_case(pipe, 0, 1, 2, stage1, stage2, "direct")
    guided = SamplingSettings(stage1.temperature, stage1.top_k, stage1.top_p, 2.0)
    cases = [
        first,
        generation_case(pipe, n_classes - 1, 2, 2, stage1, stage2, "ar-vq"),
        generation_case(
            pipe, 1 % n_classes, 3, 1, guided, stage2, "direct", prefix=first["tokens"][0][: pipe.n_tokens // 3]
        ),
    ]
    if pipe.vq_stage1 is not None:  # the paper's baseline, last
        cases.append(generation_case(pipe.baseline(), n_classes // 2, 4, 2, stage1, stage2, "vq-gpt"))
    return cases


def writer_options(description: str, default_out: str) -> str:
    """The command line of a script that writes test references: --out (returned) and
    --threads (set here; the committed files are written with 1, the tests rerun with 2)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--out", default=default_out)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    return args.out
