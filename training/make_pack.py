"""Train one embedded default pack end to end, every stage resumable:

    /usr/bin/python3 training/make_pack.py fashion-mini [--until STAGE | --only STAGE]

Stages, in order; each writes runs/<pack>/<stage>.pt (with its wall time) and is skipped once
that file exists; an interrupted stage resumes from runs/<pack>/<stage>.pt.ckpt.
  ssl       self-supervised encoder (no labels)
  vq        VQ autoencoder (stage-2 targets, VQ-token baseline), VQ tokens of every image
  codebook  feature block and K chosen by measurement, k-means centroids, DiGIT tokens of
            every image
  stage1    class-conditional GPT over DiGIT tokens (with class dropout)
  stage2    GPT from DiGIT tokens to VQ tokens
  direct    direct pixel decoder from DiGIT tokens (then, if the recipe asks, adversarial
            fine-tuning against a patch critic)
  export    evaluation, the pack in public/models/<pack>/ and its model card in docs/models/
"""
import argparse
import importlib
import os
import sys

if "TRAIN_THREADS" in os.environ:  # BLAS thread pools read these when torch loads
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(var, os.environ["TRAIN_THREADS"])

import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from digit.encoder import Encoder  # noqa: E402
from digit.gpt import GPT  # noqa: E402
from digit.pipeline import TokenIds  # noqa: E402
from stages.common import Checkpoint, Log, setup_threads  # noqa: E402

STAGES = ["ssl", "vq", "codebook", "stage1", "stage2", "direct", "export"]


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
        return torch.load(self.path(stage), map_location="cpu")

    def save(self, stage: str, log: Log, **outputs):
        torch.save({**outputs, "minutes": round(log.elapsed / 60, 2)}, self.path(stage))

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
        from stages.vq import VQAutoencoder

        r = self.recipe
        model = VQAutoencoder(r.PIXEL_DECODER, r.VQ.codebook_size, r.ENCODER.in_channels, r.ENCODER.grid)
        model.load_state_dict(self.load("vq")["model"])
        return model.eval()


def stage_ssl(run: Run, log: Log):
    from stages import ssl

    encoder = ssl.train(run.recipe.ENCODER, run.recipe.SSL, run.data["train"][0], run.ckpt("ssl"), log)
    run.save("ssl", log, encoder=encoder.state_dict())


def stage_vq(run: Run, log: Log):
    from stages import vq

    r = run.recipe
    model = vq.train(r.PIXEL_DECODER, r.VQ, run.data["train"][0], r.ENCODER.grid, run.ckpt("vq"), log)
    tokens = {split: vq.tokenize(model, run.data[split][0]) for split in ("train", "test")}
    run.save("vq", log, model=model.state_dict(), tokens=tokens)


def stage_codebook(run: Run, log: Log):
    from stages import codebook

    images, labels = run.data["train"]
    encoder = run.encoder(cut=False)
    block, centroids, report = codebook.select_and_fit(
        encoder, images, labels, len(run.data["classes"]), run.recipe.CODEBOOK, log
    )
    tokens = {
        split: codebook.tokenize(encoder.truncated(block), centroids, run.data[split][0])
        for split in ("train", "test")
    }
    run.save("codebook", log, block=block, centroids=centroids, report=report, tokens=tokens)


def stage_stage1(run: Run, log: Log):
    from stages import gpt_train

    r, ids = run.recipe, run.ids()
    codes, labels = run.load("codebook")["tokens"]["train"], run.data["train"][1]
    cfg = r.stage1_gpt(ids.stage1_vocab, len(run.data["classes"]), codes.shape[1])
    gpt = gpt_train.train(
        GPT(cfg),
        lambda idx, gen: gpt_train.stage1_sequences(codes[idx], labels[idx], ids, r.STAGE1.class_dropout, gen),
        len(codes),
        r.STAGE1,
        run.ckpt("stage1"),
        log,
        run.data.get("train_weights"),
    )
    run.save("stage1", log, model=gpt.state_dict(), config=cfg)


def stage_stage2(run: Run, log: Log):
    from stages import gpt_train

    r, ids = run.recipe, run.ids()
    codes, vq_codes = run.load("codebook")["tokens"]["train"], run.load("vq")["tokens"]["train"]
    cfg = r.stage2_gpt(ids.stage2_vocab, codes.shape[1])
    gpt = gpt_train.train(
        GPT(cfg),
        lambda idx, gen: gpt_train.stage2_sequences(codes[idx], vq_codes[idx], ids),
        len(codes),
        r.STAGE2,
        run.ckpt("stage2"),
        log,
    )
    run.save("stage2", log, model=gpt.state_dict(), config=cfg)


def stage_direct(run: Run, log: Log):
    from stages import adversarial, direct

    r = run.recipe
    codes, images, weights = (
        run.load("codebook")["tokens"]["train"],
        run.data["train"][0],
        run.data.get("train_weights"),
    )
    model = direct.train(
        r.PIXEL_DECODER,
        run.ids().codebook_size,
        r.ENCODER.grid,
        codes,
        images,
        run.encoder(),
        r.DIRECT,
        run.ckpt("direct"),
        log,
        weights,
    )
    if r.ADVERSARIAL.steps:
        loss = direct.reconstruction_loss(direct.frozen(run.encoder()), r.DIRECT.feature_weight)
        model = adversarial.finetune(
            model, loss, codes, images, r.ADVERSARIAL, run.ckpt("direct_adversarial"), log, weights
        )
    run.save("direct", log, model=model.state_dict())


def stage_export(run: Run, log: Log, reuse_metrics: bool = False):
    from stages import report

    report.evaluate_and_export(run, log, reuse_metrics)


def make(pack: str, until: str = STAGES[-1], only: str = None, root: str = None, reuse_metrics: bool = False) -> Run:
    run = Run(importlib.import_module("packs." + pack.replace("-", "_")), root)
    for stage in [only] if only else STAGES:
        if os.path.exists(run.path(stage)) and stage != "export":
            print(f"[{stage}] done already ({run.path(stage)})")
        else:
            options = {"reuse_metrics": reuse_metrics} if stage == "export" else {}
            globals()[f"stage_{stage}"](run, Log(stage), **options)
        if stage == until:
            break
    return run


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pack", choices=["fashion-mini", "emoji-mini"])
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--until", choices=STAGES, default=STAGES[-1])
    group.add_argument("--only", choices=STAGES, help="run just this stage (its inputs must exist)")
    ap.add_argument(
        "--reuse-metrics",
        action="store_true",
        help="export again with the last evaluation's numbers instead of re-measuring",
    )
    args = ap.parse_args()
    setup_threads()
    make(args.pack, args.until, args.only, reuse_metrics=args.reuse_metrics)


if __name__ == "__main__":
    main()
