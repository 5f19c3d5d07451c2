"""The `vq_gpt` stage, the paper's baseline: the same class-conditional GPT as stage 1 (size,
steps, data, class dropout) trained on the VQ autoencoder's tokens instead of DiGIT's."""
from digit.pipeline import TokenIds

from common import gpt_training
from common.trainer import Log


def run_stage(run, log: Log):
    ids = TokenIds(codebook_size=run.recipe.VQ.codebook_size)
    gpt, report = gpt_training.train_stage1(run, run.load("vq")["tokens"], ids, run.ckpt("vq_gpt"), log)
    run.save("vq_gpt", log, model=gpt.state_dict(), config=gpt.cfg, report=report)
