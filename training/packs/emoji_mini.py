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
    "- Direct decoder: target met by the judge, not by eye. At the default settings (guidance 3, top-p 0.9, chosen "
    "by the sweep) the class-balanced judge labels 0.40 of the direct decoder's samples as their class, against 0.45 "
    "of real held-out emoji: a ratio of 0.90 (target 0.8; 0.69 with the previous stage 1). By eye, faces, clocks, "
    "flags, keycap boxes and purple zodiac squares read as their class, people, hands, mammals, plants and fruit as "
    "figures in their class's colours; hearts are pink smears and most objects blobs. The judge is a small CNN that "
    "reads colour and layout, so it is kinder than a person: fashion-mini stays the default.\n"
    "- Stage 2 + VQ decoder (the paper's path): 0.22 (ratio 0.50, target 0.7). Stage 2 is the limit, not the VQ "
    "decoder: the judge recognises real test emoji rebuilt through stage 2 from their own DiGIT tokens only 0.16 of "
    "the time (ratio 0.36; direct decoder 0.34, VQ autoencoder 0.38, real 0.45). Stage 2 learns its ~6,900 training "
    "pairs by heart (2.34 nats per VQ token on 704 training pairs, 3.08 on the 704 held out). Tried and not kept: "
    "stage 2 on 8 augmented copies of the training images as well (crops of at least 60% of the area and flips, "
    "tokenized afresh by both tokenizers; `STAGE2.augmented_copies`), 2000 steps (the first 1350 on a 3000-step "
    "schedule): the gap closed (2.96 on training pairs, 2.9987 held out, against 3.0842) but the samples got less "
    "recognisable: CAS 0.22 -> 0.18, FD 7.76 -> 8.37, reconstructions through stage 2 0.16 -> 0.13, PSNR 11.0 -> "
    "10.7 dB (measured by `make_pack.py emoji-mini --only export --remeasure stage2`, same judge): a lower loss per "
    "token did not make sharper pictures. By eye both look alike (blobs in the class's colours). The pack keeps the "
    "unaugmented stage 2.\n"
    "- What changed this time: dropout 0.2 instead of 0.1 and 6000 steps instead of 4000 in both stage-1 GPTs (DiGIT "
    "tokens and the VQ-token baseline, same schedule): held-out loss 1.6009 -> 1.5316 nats per token (VQ-token GPT "
    "3.1872 -> 3.0016). CAS 0.32 -> 0.40 (direct), 0.29 -> 0.35 (VQ-token GPT). Stage 2 is the one retrained with "
    "dropout 0.1 last time (held-out loss 3.2962 -> 3.0842), first shipped now: CAS 0.19 -> 0.22.\n"
    "- The paper's claim holds here: the GPT over DiGIT tokens (direct decoder) scores 0.40 against 0.35 for the "
    "same GPT over VQ tokens, past two standard errors (0.028); as classifiers of held-out grids 0.39 against 0.30. "
    "Through the paper's own path (stage 2) DiGIT scores lower (0.22), and the probe of the GPTs' hidden states "
    "favours the VQ-token GPT (0.75 against 0.72 at the last layer).\n"
    "- Per class (table below): real held-out accuracy is itself low for the classes whose members look least alike, "
    "so the judge is weak there too.\n"
    "- Token stability: DiGIT tokens change less than VQ tokens only at mild noise (30-20 dB: 0.08 vs 0.14 at 30 dB); "
    "from 15 dB down both change at the same rate.\n"
    "- Next: a finer token grid for sharper pictures; classes that look alike within (emoji.json's sub-categories)."
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
# Stage 2 over 64 + 64 tokens; 3000 steps (the cosine schedule's length, early stopping still on)
# keeps the whole pack inside its time budget. Augmented copies (STAGE2.augmented_copies) lowered
# its held-out loss but made its samples less recognisable (the card's notes), so it trains on the
# real pairs alone.
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
