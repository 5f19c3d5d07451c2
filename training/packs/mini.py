"""What the two mini packs share: model sizes and training budgets sized for a 2-core CPU
(fashion-mini: about 2 h 20 min from its SSL encoder, two stages side by side)."""
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

# What a mini recipe takes as it is (`from packs.mini import *`); it may then override some.
__all__ = [
    "SSL",
    "TOKENIZERS",
    "CODEBOOK",
    "VQ",
    "STAGE1",
    "STAGE2",
    "DIRECT",
    "ADVERSARIAL",
    "SAMPLING",
    "SAMPLING_SWEEP",
    "SWEEP_PER_CLASS",
    "EVAL_PER_CLASS",
    "JUDGE_STEPS",
    "stage1_gpt",
    "stage2_gpt",
]

SSL = SSLConfig(steps=750, batch=128, lr=1e-3, warmup=50)
TOKENIZERS = TokenizerStudyConfig(
    candidates=((1, 256), (2, 256), (3, 128), (3, 256), (3, 512)), steps=600, per_class=20
)
CODEBOOK = CodebookConfig(blocks=(1, 2, 3), sizes=(128, 256, 512))
VQ = VQConfig(codebook_size=256, steps=600, batch=128)


def encoder(size: int, channels: int, **normalisation) -> EncoderConfig:
    """The mini packs' SSL ViT: 4-pixel patches behind a conv stem, 64 wide, 2 heads, no
    registers, DiGIT's tokens read after block 3."""
    return EncoderConfig(
        input_size=size,
        encoder_size=size,
        patch_size=4,
        conv_stem=True,
        dim=64,
        n_head=2,
        n_registers=0,
        feature_block=3,
        pos_grid=size // 4,
        in_channels=channels,
        **normalisation,
    )


def stage1_gpt(vocab: int, n_classes: int, n_tokens: int) -> GPTConfig:
    return GPTConfig(
        vocab_size=vocab,
        embed_rows=vocab + n_classes,
        n_layer=4,
        n_head=4,
        dim=128,
        ffn_dim=512,
        normalize_before=True,
        max_positions=n_tokens + 2,
    )


def stage2_gpt(vocab: int, n_tokens: int) -> GPTConfig:
    return GPTConfig(
        vocab_size=vocab,
        embed_rows=vocab,
        n_layer=4,
        n_head=4,
        dim=128,
        ffn_dim=512,
        normalize_before=True,
        max_positions=2 * n_tokens + 2,
        prefix_len=n_tokens,
    )


STAGE1 = GPTTrainConfig(steps=1200, batch=64, lr=2e-3, class_dropout=0.1)
# stage 2 runs until its validation loss has not improved for 4 evaluations (1000 steps)
STAGE2 = GPTTrainConfig(steps=6000, batch=64, lr=2e-3, eval_every=250, patience=4)
DIRECT = DirectConfig(steps=600, batch=128, feature_weight=0.1)
ADVERSARIAL = AdversarialConfig(steps=0)
SAMPLING = {
    "decoder": "direct",
    "stage1": {"temperature": 1.0, "top_k": 0, "top_p": 0.9, "guidance": 1.0},
    "stage2": {"temperature": 1.0, "top_k": 0, "top_p": 0.8},
}
# the pack's default guidance and top-p are the best CAS of this sweep (evaluate.sampling_sweep)
SAMPLING_SWEEP = {"guidance": (1.0, 1.5, 2.0, 3.0), "top_p": (0.9, 1.0)}
SWEEP_PER_CLASS = 30
JUDGE_STEPS = 800
EVAL_PER_CLASS = 100


def pixel_decoder(channels: int) -> ConvDecoderConfig:
    """The conv decoder of both pixel paths: a token grid upsampled by 4."""
    return ConvDecoderConfig(
        z_dim=32, channels=32, channel_mult=(1, 2, 2), num_res_blocks=1, out_channels=channels, groups=8
    )
