"""Write random-weight checkpoints at the official base shapes, in the official fairseq layout:
the size, shape and timing check of the converter and the engine on a real-size pack (the real
files cannot be downloaded here). About 1.3 GB (stage 1) and 1.6 GB (stage 2); not for CI.

    /usr/bin/python3 training/make_base_checkpoints.py --out ../digit-base
    /usr/bin/python3 training/convert_official.py ../digit-base/stage1.pt --stage2 ../digit-base/stage2.pt \\
        --weights fp16 --out ../digit-base/pack
    npm run bench -- --pack ../digit-base/pack --pack-only --batches 1 --repeats 1

Shapes of the official base model (docs/official-models.md): DINOv2 ViT-B/14 with 4 registers
(12 blocks, the tokenizer keeps 0-9); K = 8192 centroids of width 768; class-conditional
stage-1 GPT of 16 layers x 1024, 16 heads, FFN 4096, post-LN, 1000 classes; stage-2 GPT
16 x 1024, pre-LN, 256-token prefix; MAGE VQGAN decoder (codebook 1024 x 256, channels
128 x (1, 1, 2, 2, 4), two resblocks per level).
"""
import argparse
import os
import time

import torch


from convert.synthetic import fp16_representable, save, stage1_checkpoint, stage2_checkpoint
from digit.conv_decoder import ConvDecoderConfig
from digit.encoder import Encoder, EncoderConfig, init_weights
from digit.gpt import GPT, GPTConfig
from digit.pipeline import TokenIds
from digit.token_decoder import TokenDecoder

HERE = os.path.dirname(os.path.abspath(__file__))

CLASSES = 1000


def fp16_exact(module: torch.nn.Module) -> torch.nn.Module:
    """Random weights, rounded to fp16 like the official (fp16-trained) files."""
    return fp16_representable(init_weights(module))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    out = ap.parse_args().out
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    start = time.time()
    ids = TokenIds(codebook_size=8192, vq_codebook_size=1024)
    encoder = fp16_exact(Encoder(EncoderConfig(feature_block=11)))  # the files hold all 12 blocks
    centroids = torch.randn(ids.codebook_size, 768).half().float()
    stage1 = fp16_exact(GPT(GPTConfig(vocab_size=ids.stage1_vocab, embed_rows=ids.stage1_vocab + CLASSES)))
    save(stage1_checkpoint(stage1, centroids, "dict", encoder), os.path.join(out, "stage1.pt"))
    del stage1
    stage2 = fp16_exact(
        GPT(GPTConfig(vocab_size=ids.stage2_vocab, embed_rows=ids.stage2_vocab, normalize_before=True, prefix_len=256))
    )
    vqgan = fp16_exact(TokenDecoder(ConvDecoderConfig(), ids.vq_codebook_size, 16))
    save(stage2_checkpoint(stage2, vqgan, centroids, encoder), os.path.join(out, "stage2.pt"))
    sizes = ", ".join(
        f"{f} {os.path.getsize(os.path.join(out, f)) / 2 ** 20:.0f} MB" for f in ("stage1.pt", "stage2.pt")
    )
    print(f"wrote {out}: {sizes} in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
