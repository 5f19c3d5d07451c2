"""The `stage1` stage: the class-conditional GPT over DiGIT tokens (with class dropout)."""
from digit.gpt import GPT

from common import gpt_training
from common.trainer import Log


def run_stage(run, log: Log):
    r, ids = run.recipe, run.ids()
    codes, labels = run.load("codebook")["tokens"]["train"], run.data["train"][1]
    cfg = r.stage1_gpt(ids.stage1_vocab, len(run.data["classes"]), codes.shape[1])

    def sequences(idx, gen):
        return gpt_training.stage1_sequences(codes[idx], labels[idx], ids, r.STAGE1.class_dropout, gen)

    weights = run.data.get("train_weights")
    gpt = gpt_training.train(GPT(cfg), sequences, len(codes), r.STAGE1, run.ckpt("stage1"), log, weights)
    run.save("stage1", log, model=gpt.state_dict(), config=cfg)
