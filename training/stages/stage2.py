"""The `stage2` stage: the GPT from DiGIT tokens (a prefix) to VQ tokens, trained until its
validation loss stops improving (at most the recipe's steps)."""
from digit.gpt import GPT

from common import gpt_training
from common.trainer import Log


def run_stage(run, log: Log):
    r, ids = run.recipe, run.ids()
    codes, vq_codes = run.load("codebook")["tokens"], run.load("vq")["tokens"]
    cfg = r.stage2_gpt(ids.stage2_vocab, codes["train"].shape[1])

    def sequences(idx, gen):
        return gpt_training.stage2_sequences(codes["train"][idx], vq_codes["train"][idx], ids)

    held_out = gpt_training.stage2_sequences(*gpt_training.validation_part(codes["test"], vq_codes["test"]), ids)
    gpt, report = gpt_training.train(
        GPT(cfg), sequences, len(codes["train"]), r.STAGE2, run.ckpt("stage2"), log, validation=held_out
    )
    run.save("stage2", log, model=gpt.state_dict(), config=cfg, report=report)
