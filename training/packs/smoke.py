"""smoke: every stage of the pack pipeline at toy sizes on synthetic shapes (for tests)."""
import torch

from digit.conv_decoder import ConvDecoderConfig
from digit.encoder import EncoderConfig
from digit.gpt import GPTConfig
from common.adversarial import AdversarialConfig
from stages.codebook import CodebookConfig
from stages.direct import DirectConfig
from common.gpt_training import GPTTrainConfig
from stages.ssl import SSLConfig
from stages.tokenizers import TokenizerStudyConfig
from stages.vq import VQConfig

ID = "smoke"
TITLE = "Smoke test"
DESCRIPTION = "Toy sizes, synthetic data."
LICENSE = "MIT"
DATA = "synthetic shapes"
CLASSES = ["bar", "square", "cross"]
NOTES = "Everything: it trains for three steps."
NOTICE = "# smoke\n\nSynthetic shapes drawn by the recipe; no third-party data.\n"

ENCODER = EncoderConfig(
    input_size=28,
    encoder_size=28,
    patch_size=4,
    conv_stem=True,
    dim=32,
    n_head=2,
    n_registers=1,
    feature_block=1,
    pos_grid=7,
    in_channels=1,
    mean=(0.2,),
    std=(0.3,),
)
SSL = SSLConfig(steps=3, batch=32, warmup=1, proj_dim=16)
TOKENIZERS = TokenizerStudyConfig(candidates=((0, 8), (1, 16)), steps=3, per_class=2, fit_vectors=4000)
CODEBOOK = CodebookConfig(blocks=(0, 1), sizes=(8, 16), probe_images=240, fit_vectors=4000)
PIXEL_DECODER = ConvDecoderConfig(
    z_dim=8, channels=8, channel_mult=(1, 2, 2), num_res_blocks=1, out_channels=1, groups=4
)
VQ = VQConfig(codebook_size=16, steps=4, batch=32, restart_every=2)


def stage1_gpt(vocab: int, n_classes: int, n_tokens: int) -> GPTConfig:
    return GPTConfig(
        vocab_size=vocab,
        embed_rows=vocab + n_classes,
        n_layer=1,
        n_head=2,
        dim=16,
        ffn_dim=32,
        normalize_before=True,
        max_positions=n_tokens + 2,
    )


def stage2_gpt(vocab: int, n_tokens: int) -> GPTConfig:
    return GPTConfig(
        vocab_size=vocab,
        embed_rows=vocab,
        n_layer=1,
        n_head=2,
        dim=16,
        ffn_dim=32,
        normalize_before=True,
        max_positions=2 * n_tokens + 2,
        prefix_len=n_tokens,
    )


STAGE1 = GPTTrainConfig(steps=3, batch=16, warmup=1)
STAGE2 = GPTTrainConfig(steps=3, batch=16, warmup=1, augmented_copies=1)
DIRECT = DirectConfig(steps=3, batch=16, warmup=1)
ADVERSARIAL = AdversarialConfig(steps=2, batch=16)
SAMPLING = {
    "decoder": "direct",
    "stage1": {"temperature": 1.0, "top_k": 0, "top_p": 0.9, "guidance": 1.0},
    "stage2": {"temperature": 1.0, "top_k": 0, "top_p": 0.8},
}
SAMPLING_SWEEP = {"guidance": (1.0, 2.0), "top_p": (0.9,)}
SWEEP_PER_CLASS = 2
JUDGE_STEPS = 20
EVAL_PER_CLASS = 4


def shapes(n: int, seed: int):
    gen = torch.Generator().manual_seed(seed)
    labels = torch.randint(len(CLASSES), (n,), generator=gen)
    images = torch.zeros(n, 1, 28, 28)
    for i, (c, (y, x)) in enumerate(zip(labels.tolist(), torch.randint(4, 16, (n, 2), generator=gen).tolist())):
        if c == 0:
            images[i, 0, y : y + 3, 2:26] = 1
        elif c == 1:
            images[i, 0, y : y + 10, x : x + 10] = 1
        else:
            images[i, 0, y : y + 10, x + 4 : x + 6] = 1
            images[i, 0, y + 4 : y + 6, x : x + 10] = 1
    return images, labels


def load_data():
    return {"classes": CLASSES, "train": shapes(1200, 0), "test": shapes(2000, 1)}
