"""The `stage1` stage: the class-conditional GPT over DiGIT tokens (with class dropout)."""

from common import gpt_training
from common.trainer import Log


def run_stage(run, log: Log):
    gpt, report = gpt_training.train_stage1(run, run.load("codebook")["tokens"], run.ids(), run.ckpt("stage1"), log)
    run.save("stage1", log, model=gpt.state_dict(), config=gpt.cfg, report=report)
