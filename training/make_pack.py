"""Train one embedded default pack end to end, every stage resumable:

    /usr/bin/python3 training/make_pack.py fashion-mini [--until STAGE | --only STAGE]
    torchrun --nproc_per_node 2 training/make_pack.py fashion-mini     (the same, on 2 processes)

Stages, in order; each writes runs/<pack>/<stage>.pt (with its wall time) and is skipped once
that file exists; an interrupted stage resumes from runs/<pack>/<stage>.pt.ckpt.
  ssl         self-supervised encoder (no labels)
  vq          VQ autoencoder (stage-2 targets, VQ-token baseline), VQ tokens of every image
  tokenizers  which feature block and K: each candidate's short stage-1 GPT run, its samples'
              CAS and validation loss, token-class alignment
  codebook    the k-means centroids of that choice (probe and NMI measured beside it), DiGIT
              tokens of every image
  stage1      class-conditional GPT over DiGIT tokens (with class dropout)
  vq_gpt      the paper's baseline: the same GPT over the VQ autoencoder's tokens
  stage2      GPT from DiGIT tokens to VQ tokens, until its validation loss stops improving
  direct      direct pixel decoder from DiGIT tokens (then, if the recipe asks, adversarial
              fine-tuning against a patch critic)
  export      evaluation, the pack in public/models/<pack>/ and its model card in docs/models/
"""
import argparse
import importlib
import os

from common import threads  # first: it sets the BLAS thread count before torch loads

import torch

from common import distributed
from common.trainer import Checkpoint, Log
from digit.encoder import Encoder
from digit.gpt import GPT
from digit.pipeline import TokenIds
from stages import codebook, direct, export, ssl, stage1, stage2, tokenizers, vq, vq_gpt

HERE = os.path.dirname(os.path.abspath(__file__))

# Each stage, in order: its module's run_stage(run, log) writes runs/<pack>/<stage>.pt.
STAGE_RUNNERS = {
    "ssl": ssl.run_stage,
    "vq": vq.run_stage,
    "tokenizers": tokenizers.run_stage,
    "codebook": codebook.run_stage,
    "stage1": stage1.run_stage,
    "vq_gpt": vq_gpt.run_stage,
    "stage2": stage2.run_stage,
    "direct": direct.run_stage,
    "export": export.run_stage,
}
STAGES = list(STAGE_RUNNERS)


class Run:
    """A pack's recipe, data and stage outputs (runs/<pack>/<stage>.pt)."""

    def __init__(self, recipe, root: str = None):
        """root: where runs/, the pack and its card go (default: this repository's folders)."""
        self.recipe = recipe
        self.data = recipe.load_data()
        repo = os.path.join(HERE, "..")
        self.dir = os.path.join(root or HERE, "runs", recipe.ID)
        self.pack_dir = os.path.join(root or os.path.join(repo, "public"), "models", recipe.ID)
        self.docs_dir = os.path.join(root or os.path.join(repo, "docs"), "models")
        for d in (self.dir, self.docs_dir):
            os.makedirs(d, exist_ok=True)

    def path(self, stage: str) -> str:
        return os.path.join(self.dir, f"{stage}.pt")

    def load(self, stage: str) -> dict:
        state = torch.load(self.path(stage), map_location="cpu")
        if "tokens" in state:
            state["tokens"] = {split: codes.long() for split, codes in state["tokens"].items()}
        return state

    def save(self, stage: str, log: Log, **outputs):
        """Token ids (under `tokens`) are stored as int16, a quarter of the bytes: finished stages
        are committed so that a long run continues from them. Rank 0 writes; the others wait."""
        if "tokens" in outputs:
            outputs["tokens"] = {split: codes.to(torch.int16) for split, codes in outputs["tokens"].items()}
        if distributed.is_main():
            torch.save({**outputs, "minutes": round(log.elapsed / 60, 2)}, self.path(stage))
        distributed.barrier()

    def ckpt(self, stage: str) -> Checkpoint:
        return Checkpoint(self.path(stage) + ".ckpt")

    def encoder(self, cut: bool = True) -> Encoder:
        enc = Encoder(self.recipe.ENCODER)
        enc.load_state_dict(self.load("ssl")["encoder"])
        return enc.truncated(self.load("codebook")["block"]) if cut else enc.eval()

    def ids(self) -> TokenIds:
        k = self.load("codebook")["centroids"].shape[0]
        return TokenIds(codebook_size=k, vq_codebook_size=self.recipe.VQ.codebook_size)

    def gpt(self, stage: str) -> GPT:
        state = self.load(stage)
        gpt = GPT(state["config"])
        gpt.load_state_dict(state["model"])
        return gpt.eval()

    def vq_model(self):
        r = self.recipe
        model = vq.VQAutoencoder(r.PIXEL_DECODER, r.VQ.codebook_size, r.ENCODER.in_channels, r.ENCODER.grid)
        model.load_state_dict(self.load("vq")["model"])
        return model.eval()


def make(
    pack: str,
    until: str = STAGES[-1],
    only: str = None,
    root: str = None,
    reuse_metrics: bool = False,
    remeasure: str = None,
) -> Run:
    run = Run(importlib.import_module("packs." + pack.replace("-", "_")), root)
    for stage in [only] if only else STAGES:
        if os.path.exists(run.path(stage)) and stage != "export":
            if distributed.is_main():
                print(f"[{stage}] done already ({run.path(stage)})")
        elif stage == "export":  # evaluation and the pack: rank 0 alone, the others wait
            if distributed.is_main():
                with distributed.alone():
                    export.run_stage(run, Log(stage), reuse_metrics, remeasure)
        else:
            STAGE_RUNNERS[stage](run, Log(stage))
        if stage == until:
            break
    return run


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pack", choices=["fashion-mini", "emoji-mini", "smoke"], help="smoke: every stage at toy sizes")
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--until", choices=STAGES, default=STAGES[-1])
    group.add_argument("--only", choices=STAGES, help="run just this stage (its inputs must exist)")
    ap.add_argument(
        "--reuse-metrics",
        action="store_true",
        help="export again with the last evaluation's numbers instead of re-measuring",
    )
    ap.add_argument(
        "--root",
        help="where runs/, the pack and its card go (default: this repository; for smoke, "
        "training/runs/smoke-root)",
    )
    ap.add_argument(
        "--remeasure",
        choices=["stage2"],
        help="export again with the last evaluation's numbers, measuring anew those that depend on this "
        "stage (after retraining it alone: delete its runs/<pack>/<stage>.pt, run --only STAGE)",
    )
    args = ap.parse_args()
    threads.setup()
    distributed.init()
    root = args.root or (os.path.join(HERE, "runs", "smoke-root") if args.pack == "smoke" else None)
    make(args.pack, args.until, args.only, root, args.reuse_metrics, args.remeasure)
    distributed.barrier()


if __name__ == "__main__":
    main()
