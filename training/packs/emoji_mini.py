"""emoji-mini: DiGIT on Google + Twitter emoji (32x32 RGB on white, 24 classes), 2-core CPU."""
from dataclasses import replace

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
    "- Not recognisable yet, and not the default pack (fashion-mini is): at the default settings "
    "(guidance 2, top-p 1.0, chosen by the sweep) the class-balanced judge labels 0.18 of the direct "
    "decoder's samples as their class, against 0.44 of real held-out emoji: a ratio of 0.41, under "
    "the target of 0.8. Stage 2 + VQ decoder: 0.14 (ratio 0.33, target 0.7). By eye, faces, hands, "
    "flags, keycap boxes and purple zodiac squares read as their class; hearts, clocks, shapes and "
    "most objects are blobs in roughly the right colours.\n"
    "- What was tried this time: 24 classes grouped by look (faces, hearts, flags, keycaps, clocks...) "
    "instead of 14 broad ones, the judge made class-balanced (people with their skin tones are half "
    "of all images), stage 1 and the VQ-token GPT trained until their validation loss on held-out "
    "emoji concepts stopped improving. Both GPTs overfit fast: stage 1's best held-out loss came at "
    "step 1000 of 2000 (1.7385 nats per token, while the training loss fell to 0.97 by step 2000), "
    "the VQ-token GPT's at 750, stage 2's at 1250 (of 3000 scheduled). About 6,900 training images "
    "are too few for these GPTs.\n"
    "- Per class (table below): real held-out accuracy is itself low for the classes whose members "
    "look least alike (0.0 for birds, fruit, sky, sport, marks), so the judge is weak there too.\n"
    "- At this scale the paper's claim does not show on emoji: the VQ-token GPT's samples score "
    "0.17, the GPT over DiGIT tokens 0.18 (direct) and 0.14 (stage 2); as classifiers of held-out "
    "grids the VQ-token GPT does better (0.36 vs 0.29).\n"
    "- Token stability: DiGIT tokens change less than VQ tokens only at mild noise (30-20 dB: 0.08 "
    "vs 0.14 at 30 dB); from 15 dB down both change at the same rate.\n"
    "- Next: more data per class (augmentation, or fewer, larger classes among the legible ones), "
    "dropout in the GPTs, a finer token grid for sharper pictures."
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
STAGE1 = replace(STAGE1, steps=4000, eval_every=250, patience=4)
ADVERSARIAL = replace(ADVERSARIAL, steps=400)
# Stage 2 over 64 + 64 tokens runs about 34 steps a minute on one core; 3000 steps (the cosine
# schedule's length, early stopping still on) keeps the whole pack inside its time budget.
STAGE2 = replace(STAGE2, steps=3000)

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
