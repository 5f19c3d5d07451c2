"""A tiny random-weight pipeline with the official structure at toy sizes, for tests.

32x32 RGB images are resized to 28 and cut into 7x7 patches (a 4x4 grid), mirroring the
official 256 -> 224 / patch 14; the stored position table is 5x5 so that interpolation runs;
the decoders upsample the 4x4 grid by 8.
"""
from dataclasses import replace

import torch

from .conv_decoder import ConvDecoderConfig
from .encoder import Encoder, EncoderConfig, init_weights
from .gpt import GPT, GPTConfig
from .pipeline import Pipeline, TokenIds
from .quantizer import Quantizer
from .token_decoder import TokenDecoder
from .vq_encoder import VQEncoder

CLASSES = ["circle", "square", "triangle"]


def randomize(module: torch.nn.Module, std: float):
    """Random weights everywhere (LayerNorm/GroupNorm too), so no path is an identity."""
    for p in module.parameters():
        torch.nn.init.normal_(p, std=std)
    return module


def tiny_pipeline(seed: int = 0) -> Pipeline:
    torch.manual_seed(seed)
    ids = TokenIds(codebook_size=16, vq_codebook_size=32)
    enc_cfg = EncoderConfig(
        input_size=32, encoder_size=28, patch_size=7, dim=32, n_head=2, n_registers=2, feature_block=1, pos_grid=5
    )
    encoder = init_weights(Encoder(enc_cfg), std=0.2).eval()
    with torch.no_grad():
        for block in encoder.blocks:
            block.ls1.gamma.fill_(0.5)
            block.ls2.gamma.fill_(0.5)
    centroids = torch.randn(ids.codebook_size, enc_cfg.dim)
    quantizer = Quantizer(centroids, (centroids**2).sum(1) + 0.01 * torch.randn(ids.codebook_size))
    n = enc_cfg.grid**2
    stage1 = GPT(
        GPTConfig(
            vocab_size=ids.stage1_vocab,
            embed_rows=ids.stage1_vocab + len(CLASSES),
            n_layer=2,
            n_head=2,
            dim=16,
            ffn_dim=32,
            normalize_before=False,
            max_positions=n + 2,
        )
    )
    stage2 = GPT(
        GPTConfig(
            vocab_size=ids.stage2_vocab,
            embed_rows=ids.stage2_vocab,
            n_layer=2,
            n_head=2,
            dim=16,
            ffn_dim=32,
            normalize_before=True,
            max_positions=2 * n + 2,
            prefix_len=n,
        )
    )
    dec_cfg = ConvDecoderConfig(z_dim=8, channels=8, channel_mult=(1, 1, 2, 2), num_res_blocks=1, groups=4)
    vq_decoder = TokenDecoder(dec_cfg, ids.vq_codebook_size, enc_cfg.grid)
    direct_decoder = TokenDecoder(dec_cfg, ids.codebook_size, enc_cfg.grid)
    for gpt in (stage1, stage2):
        randomize(gpt, 0.3)
    for dec in (vq_decoder, direct_decoder):
        randomize(dec, 0.3)
        with torch.no_grad():
            dec.decoder.conv_out.bias.fill_(0.5)
    # the baseline's graphs come last, so the RNG gives the others the weights they had before
    vq_encoder = randomize(VQEncoder(dec_cfg, ids.vq_codebook_size, enc_cfg.in_channels), 0.3)
    with torch.no_grad():
        vq_encoder.codebook.normal_()
    vq_ids = TokenIds(codebook_size=ids.vq_codebook_size)
    vq_stage1 = GPT(replace(stage1.cfg, vocab_size=vq_ids.stage1_vocab, embed_rows=vq_ids.stage1_vocab + len(CLASSES)))
    randomize(vq_stage1, 0.3)
    return Pipeline(
        ids=ids,
        grid=enc_cfg.grid,
        encoder=encoder,
        quantizer=quantizer,
        stage1=stage1.eval(),
        stage2=stage2.eval(),
        vq_decoder=vq_decoder.eval(),
        direct_decoder=direct_decoder.eval(),
        vq_encoder=vq_encoder.eval(),
        vq_stage1=vq_stage1.eval(),
    )


def example_image() -> torch.Tensor:
    """A deterministic 32x32 RGB test picture [1, 3, 32, 32] with values k/255."""
    y, x = torch.meshgrid(torch.arange(32), torch.arange(32), indexing="ij")
    r = (x * 8) % 256
    g = (y * 8) % 256
    b = ((x - 16) ** 2 + (y - 16) ** 2 < 100).long() * 255
    return torch.stack([r, g, b]).unsqueeze(0).float() / 255
