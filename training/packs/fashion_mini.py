"""fashion-mini: DiGIT on Fashion-MNIST (28x28 gray, 10 classes), trained on a 2-core CPU."""
from packs.mini import *  # noqa: F401,F403 (a recipe is a module: it takes the shared settings)
from packs.mini import encoder, pixel_decoder


ID = "fashion-mini"
TITLE = "Fashion-MNIST mini DiGIT"
DESCRIPTION = (
    "DiGIT trained from scratch on Fashion-MNIST on a 2-core CPU: a 4-block SSL ViT, "
    "k-means tokens on a 7x7 grid, class-conditional GPT, two pixel decoders."
)
LICENSE = "MIT (weights trained by this project on Fashion-MNIST, MIT)"
NOTICE = """# fashion-mini: data attributions

The weights in this pack were trained by the DiGIT-in-the-browser project (weights: MIT) on
Fashion-MNIST by Han Xiao, Kashif Rasul and Roland Vollgraf, Zalando Research (2017), MIT licence
(https://github.com/zalandoresearch/fashion-mnist), as packaged by Debian (dataset-fashion-mnist).
"""
NOTES = (
    "- The stage-2 path (`ar-vq`) is undertrained: 600 steps of a 3-layer GPT left its loss at "
    "2.95 nats per VQ token, so its samples are blotchy (CAS 0.46) and its reconstruction from "
    "real DiGIT tokens is poor (11.3 dB). The direct decoder is the default and the better "
    "path here (CAS 0.73).\n"
    "- Probe readouts: on the whole patch-feature map (what the tokenizer quantises) the SSL "
    "encoder beats both a random encoder and raw pixels; mean-pooled to 64 numbers it beats the "
    "random encoder but not raw pixels (0.79 vs 0.84): 750 contrastive steps (1.3 epochs) is "
    "little pre-training.\n"
    "- Samples are blurry (7x7 tokens of a 28x28 image, pixel losses) and lose textures and "
    "prints; sandals and bags are the weakest classes.\n"
    "- Token stability: DiGIT tokens change far less under noise than VQ tokens at every SNR, "
    "as the paper reports, but not as little as with a large pretrained encoder."
)
DATA = "Fashion-MNIST (Zalando Research, MIT) from Debian's dataset-fashion-mnist; train split only"

ENCODER = encoder(28, 1, mean=(0.286,), std=(0.353,))
PIXEL_DECODER = pixel_decoder(1)


def load_data():
    from data.fashion import CLASSES, load

    return {"classes": CLASSES, "train": load("train"), "test": load("test")}
