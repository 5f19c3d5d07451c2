"""The `stage2` stage: the GPT from DiGIT tokens (a prefix) to VQ tokens."""
from digit.gpt import GPT

from common import gpt_training
from common.trainer import Log


def run_stage(run, log: Log):
    r, ids = run.recipe, run.ids()
    codes, vq_codes = run.load("codebook")["tokens"]["train"], run.load("vq")["tokens"]["train"]
    cfg = r.stage2_gpt(ids.stage2_vocab, codes.shape[1])

    def sequences(idx, gen):
        return gpt_training.stage2_sequences(codes[idx], vq_codes[idx], ids)

    gpt = gpt_training.train(GPT(cfg), sequences, len(codes), r.STAGE2, run.ckpt("stage2"), log)
    run.save("stage2", log, model=gpt.state_dict(), config=cfg)
