"""The `stage2` stage: the GPT from DiGIT tokens (a prefix) to VQ tokens, trained until its
validation loss stops improving (at most the recipe's steps)."""
import torch

from digit.gpt import GPT

from common import augment, gpt_training
from common.trainer import Log
from stages import codebook, vq


@torch.no_grad()
def augmented_pairs(run, copies: int, seed: int, log: Log):
    """The training images' (DiGIT codes, VQ codes), then those of `copies` views of every
    training image under a random crop (at least 60% of its area) and flip, tokenized by both
    tokenizers: stage 2 sees ~7,000 pairs on emoji-mini and learns them by heart without more."""
    digit, vq_codes = run.load("codebook")["tokens"]["train"], run.load("vq")["tokens"]["train"]
    if not copies:
        return digit, vq_codes
    images = run.data["train"][0]
    encoder, centroids, vq_model = run.encoder(), run.load("codebook")["centroids"], run.vq_model()
    gen = torch.Generator().manual_seed(seed)
    digit_parts, vq_parts = [digit], [vq_codes]
    for _ in range(copies):
        views = augment.random_resized_crop(images, scale=(0.6, 1.0), ratio=(0.85, 1.18), gen=gen)
        digit_parts.append(codebook.tokenize(encoder, centroids, views))
        vq_parts.append(vq.tokenize(vq_model, views))
    log(f"{copies} augmented copies of the {len(images)} training images tokenized")
    return torch.cat(digit_parts), torch.cat(vq_parts)


def run_stage(run, log: Log):
    r, ids = run.recipe, run.ids()
    codes, vq_codes = augmented_pairs(run, r.STAGE2.augmented_copies, r.STAGE2.seed, log)
    test_codes, test_vq = run.load("codebook")["tokens"]["test"], run.load("vq")["tokens"]["test"]
    cfg = r.stage2_gpt(ids.stage2_vocab, codes.shape[1])

    def sequences(idx, gen):
        return gpt_training.stage2_sequences(codes[idx], vq_codes[idx], ids)

    held_out = gpt_training.stage2_sequences(*gpt_training.validation_part(test_codes, test_vq), ids)
    gpt, report = gpt_training.train(
        GPT(cfg), sequences, len(codes), r.STAGE2, run.ckpt("stage2"), log, validation=held_out
    )
    run.save("stage2", log, model=gpt.state_dict(), config=cfg, report=report)
