"""Image -> VQ codes: the VQ autoencoder's encoder and codebook, the tokenizer of the paper's
baseline (a GPT over VQ tokens) and of the stage-2 targets. A pack's optional `vq_encoder`."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .conv_decoder import ConvDecoderConfig, ResBlock


class ConvEncoder(nn.Module):
    """Image -> latent grid, downsampling by 2 per level (mirror of the conv decoder)."""

    def __init__(self, cfg: ConvDecoderConfig, in_channels: int):
        super().__init__()
        widths = [cfg.channels * m for m in cfg.channel_mult]
        self.conv_in = nn.Conv2d(in_channels, widths[0], 3, padding=1)
        layers = []
        for i, width in enumerate(widths):
            c_in = widths[max(0, i - 1)]
            layers.append(ResBlock(cfg, c_in, width))
            if i + 1 < len(widths):
                layers.append(nn.Conv2d(width, width, 3, stride=2, padding=1))
        self.body = nn.Sequential(*layers)
        self.norm_out = nn.GroupNorm(min(cfg.groups, widths[-1]), widths[-1], eps=1e-6)
        self.conv_out = nn.Conv2d(widths[-1], cfg.z_dim, 1)

    def forward(self, x):
        return self.conv_out(F.silu(self.norm_out(self.body(self.conv_in(x)))))


def nearest_code(z, codebook):
    """Latents [B, N, z] -> (l2-normalised latents, ids [B, N] of the codebook rows of highest
    cosine similarity)."""
    z = F.normalize(z, dim=-1)
    return z, (z @ F.normalize(codebook, dim=-1).t()).argmax(-1)


class VQEncoder(nn.Module):
    def __init__(self, cfg: ConvDecoderConfig, codebook_size: int, in_channels: int):
        super().__init__()
        self.encoder = ConvEncoder(cfg, in_channels)
        self.register_buffer("codebook", torch.zeros(codebook_size, cfg.z_dim))

    def forward(self, image):
        """image [B, C, H, W] in [0, 1] -> VQ codes [B, N]."""
        return nearest_code(self.encoder(image).flatten(2).transpose(1, 2), self.codebook)[1]
