"""emoji-mini: DiGIT on Google + Twitter emoji (32x32 RGB on white, 24 classes), 2-core CPU."""
from dataclasses import replace

from packs import mini
from packs.mini import *  # noqa: F401,F403 (a recipe is a module: it takes the shared settings)
from packs.mini import ADVERSARIAL, STAGE1, STAGE2, encoder, pixel_decoder


ID = "emoji-mini"
TITLE = "Emoji mini DiGIT"
DESCRIPTION = (
    "DiGIT trained from scratch on Google and Twitter emoji on a 2-core CPU: a 4-block "
    "SSL ViT, k-means tokens on an 8x8 grid, class-conditional GPT over 24 classes of emoji that "
    "look alike, two pixel decoders, and the paper's baseline (the same GPT over VQ tokens)."
)
LICENSE = (
    "weights MIT; trained on Noto Emoji images (Apache-2.0, Google) and Twemoji images "
    "(CC-BY-4.0, Twitter, Inc. and contributors) - see training/data/NOTICE.md"
)
NOTES = (
    "- Closer, not there: at the default settings (guidance 2, top-p 0.9, chosen by the sweep) the class-balanced "
    "judge labels 0.32 of the direct decoder's samples as their class, against 0.46 of real held-out emoji: a ratio "
    "of 0.69, under the target of 0.8 (0.41 before dropout). Stage 2 + VQ decoder: 0.19 (ratio 0.42, target 0.7). "
    "By eye, faces, clocks, flags, keycap boxes, purple zodiac squares and green plants read as their class; hearts "
    "are coloured squares, most objects blobs in roughly the right colours. fashion-mini stays the default.\n"
    "- What changed this time: dropout 0.1 in both stage-1 GPTs (DiGIT tokens and the VQ-token baseline, same "
    "schedule). Without it both overfit the ~6,900 training images within 1,000 steps (stage 1's best held-out loss "
    "1.7385 nats per token at step 1000, the VQ-token GPT's 3.4513 at 750); with it stage 1 reaches 1.6009 at step "
    "3500 and the VQ-token GPT 3.1872 at 2750. That alone took CAS from 0.18 to 0.32 (direct), 0.14 to 0.19 (stage "
    "2) and 0.17 to 0.29 (VQ-token GPT). Stage 2, the decoders and the tokenizer are as before.\n"
    "- Per class (table below): real held-out accuracy is itself low for the classes whose members look least alike, "
    "so the judge is weak there too.\n"
    "- The paper's claim: the GPT over DiGIT tokens (direct decoder) scores 0.32 against 0.29 for the same GPT over "
    "VQ tokens, just past two standard errors; through the paper's own path (stage 2) DiGIT scores lower (0.19), "
    "because stage 2 reconstructs poorly (10.8 dB). As classifiers of held-out grids the two GPTs are even (0.30 vs "
    "0.29), and the probe of their hidden states favours the VQ-token GPT slightly.\n"
    "- Token stability: DiGIT tokens change less than VQ tokens only at mild noise (30-20 dB: 0.08 vs 0.14 at 30 dB); "
    "from 15 dB down both change at the same rate.\n"
    "- Next: stage 2 trained longer (its validation loss stopped at 3.30 nats per VQ token after 1250 steps), more "
    "data per class (augmentation), a finer token grid for sharper pictures."
)
NOTICE = """# emoji-mini: data attributions

The weights in this pack were trained by the DiGIT-in-the-browser project (weights: MIT) on:

- Noto Emoji images, from npm `emoji-datasource-google` 16.0.0. Copyright Google Inc.
  Apache License 2.0 (https://www.apache.org/licenses/LICENSE-2.0).
- Twemoji images, from npm `emoji-datasource-twitter` 16.0.0. Copyright Twitter, Inc. and other
  contributors. CC-BY 4.0 (https://creativecommons.org/licenses/by/4.0/).
- Category and skin-tone metadata from emoji-data (`emoji.json`) by Cal Henderson, MIT.

Images generated with this pack are derived from these works.
"""
DATA = (
    "npm emoji-datasource-google and emoji-datasource-twitter 16.0.0, 64 px PNGs on white "
    "resized to 32 px; validation split held out by emoji concept"
)

# 24 classes over ~1,900 emoji concepts: stage 1 (and the VQ-token baseline, which shares its
# schedule) trains until its validation loss on held-out concepts stops improving
STAGE1 = replace(STAGE1, steps=6000, eval_every=250, patience=4)
ADVERSARIAL = replace(ADVERSARIAL, steps=400)
# Stage 2 over 64 + 64 tokens runs about 34 steps a minute on one core; 3000 steps (the cosine
# schedule's length, early stopping still on) keeps the whole pack inside its time budget.
STAGE2 = replace(STAGE2, steps=3000)


def stage1_gpt(vocab: int, n_classes: int, n_tokens: int):
    """The mini stage-1 GPT (and so the VQ-token baseline) with dropout 0.2: without dropout, both
    overfit the ~6,900 training emoji within 1,000 steps."""
    return replace(mini.stage1_gpt(vocab, n_classes, n_tokens), dropout=0.2)


def stage2_gpt(vocab: int, n_tokens: int):
    """The mini stage-2 GPT with dropout 0.1, for the same reason (without it, its held-out loss
    stopped improving after 1,250 steps)."""
    return replace(mini.stage2_gpt(vocab, n_tokens), dropout=0.1)


ENCODER = encoder(32, 3)
PIXEL_DECODER = pixel_decoder(3)


def load_data():
    from data.emoji import load_cached

    data = load_cached(32)
    # skin-tone variants share their emoji's weight in the GPT and decoder batches
    return {
        "classes": data["classes"],
        "train": data["train"][:2],
        "test": data["val"][:2],
        "train_weights": data["train"][2],
        "test_weights": data["val"][2],
    }
