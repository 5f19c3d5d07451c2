"""emoji-mini: DiGIT on Google + Twitter emoji (32x32 RGB on white, 14 classes), 2-core CPU."""
from digit.conv_decoder import ConvDecoderConfig
from digit.encoder import EncoderConfig
from digit.gpt import GPTConfig
from stages.codebook import CodebookConfig
from stages.direct import DirectConfig
from stages.gpt_train import GPTTrainConfig
from stages.ssl import SSLConfig
from stages.vq import VQConfig

ID = "emoji-mini"
TITLE = "Emoji mini DiGIT"
DESCRIPTION = ("DiGIT trained from scratch on Google and Twitter emoji on a 2-core CPU: a 4-block "
               "SSL ViT, k-means tokens on an 8x8 grid, class-conditional GPT, two pixel decoders.")
LICENSE = ("weights MIT; trained on Noto Emoji images (Apache-2.0, Google) and Twemoji images "
           "(CC-BY-4.0, Twitter, Inc. and contributors) - see training/data/NOTICE.md")
NOTES = "(written after the first full run)"
DATA = ("npm emoji-datasource-google and emoji-datasource-twitter 16.0.0, 64 px PNGs on white "
        "resized to 32 px; validation split held out by emoji concept")

ENCODER = EncoderConfig(input_size=32, encoder_size=32, patch_size=4, conv_stem=True, dim=64,
                        n_head=2, n_registers=0, feature_block=3, pos_grid=8, in_channels=3)
SSL = SSLConfig(steps=750, batch=128, lr=1e-3, warmup=50)
CODEBOOK = CodebookConfig(blocks=(1, 2, 3), sizes=(128, 256, 512))
PIXEL_DECODER = ConvDecoderConfig(z_dim=32, channels=32, channel_mult=(1, 2, 2), num_res_blocks=1,
                                  out_channels=3, groups=8)
VQ = VQConfig(codebook_size=256, steps=600, batch=128)


def stage1_gpt(vocab: int, n_classes: int, n_tokens: int) -> GPTConfig:
    return GPTConfig(vocab_size=vocab, embed_rows=vocab + n_classes, n_layer=4, n_head=4, dim=128,
                     ffn_dim=512, normalize_before=True, max_positions=n_tokens + 2)


def stage2_gpt(vocab: int, n_tokens: int) -> GPTConfig:
    return GPTConfig(vocab_size=vocab, embed_rows=vocab, n_layer=3, n_head=4, dim=128, ffn_dim=512,
                     normalize_before=True, max_positions=2 * n_tokens + 2, prefix_len=n_tokens)


STAGE1 = GPTTrainConfig(steps=1200, batch=64, lr=2e-3, class_dropout=0.1)
STAGE2 = GPTTrainConfig(steps=600, batch=64, lr=2e-3)
DIRECT = DirectConfig(steps=600, batch=128, feature_weight=0.1)
SAMPLING = {"decoder": "direct", "stage1": {"temperature": 1.0, "top_k": 0, "top_p": 0.9, "guidance": 1.0},
            "stage2": {"temperature": 1.0, "top_k": 0, "top_p": 0.8}}
JUDGE_STEPS = 800
EVAL_PER_CLASS = 100


def load_data():
    from data.emoji import load_cached
    data = load_cached(32)
    # skin-tone variants share their emoji's weight in the GPT and decoder batches
    return {"classes": data["classes"], "train": data["train"][:2], "test": data["val"][:2],
            "train_weights": data["train"][2]}
