"""The MAGE / MaskGIT VQGAN convolutional decoder: a latent grid -> RGB, no attention.

Resblocks are GroupNorm(32) -> swish -> conv3x3 (no bias), twice; when the width changes, the
1x1 `nin_shortcut` is applied to the block's hidden state (not its input), as MAGE does.
`up[0]` is the full-resolution level; every other level ends with nearest x2 + conv3x3.
"""
from dataclasses import dataclass

import torch.nn as nn
import torch.nn.functional as F


@dataclass
class ConvDecoderConfig:
    z_dim: int = 256
    channels: int = 128
    channel_mult: tuple = (1, 1, 2, 2, 4)
    num_res_blocks: int = 2
    out_channels: int = 3
    groups: int = 32

    @property
    def factor(self) -> int:
        return 2 ** (len(self.channel_mult) - 1)


def norm(cfg: ConvDecoderConfig, channels: int):
    return nn.GroupNorm(min(cfg.groups, channels), channels, eps=1e-6)


class ResBlock(nn.Module):
    def __init__(self, cfg: ConvDecoderConfig, c_in: int, c_out: int):
        super().__init__()
        self.norm1 = norm(cfg, c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)
        self.norm2 = norm(cfg, c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        if c_in != c_out:
            self.nin_shortcut = nn.Conv2d(c_out, c_out, 1, bias=False)

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        if hasattr(self, "nin_shortcut"):
            x = self.nin_shortcut(h)
        return h + x


class Upsample(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class UpLevel(nn.Module):
    def __init__(self, cfg: ConvDecoderConfig, c_in: int, c_out: int, upsample: bool):
        super().__init__()
        self.block = nn.ModuleList(ResBlock(cfg, c_in if j == 0 else c_out, c_out) for j in range(cfg.num_res_blocks))
        if upsample:
            self.upsample = Upsample(c_out)

    def forward(self, x):
        for block in self.block:
            x = block(x)
        return self.upsample(x) if hasattr(self, "upsample") else x


class ConvDecoder(nn.Module):
    def __init__(self, cfg: ConvDecoderConfig):
        super().__init__()
        widths = [cfg.channels * m for m in cfg.channel_mult]
        self.conv_in = nn.Conv2d(cfg.z_dim, widths[-1], 3, padding=1)
        self.mid = nn.ModuleList(ResBlock(cfg, widths[-1], widths[-1]) for _ in range(2))
        levels = []
        for i, width in enumerate(widths):
            c_in = widths[i + 1] if i + 1 < len(widths) else widths[-1]
            levels.append(UpLevel(cfg, c_in, width, upsample=i > 0))
        self.up = nn.ModuleList(levels)
        self.norm_out = norm(cfg, widths[0])
        self.conv_out = nn.Conv2d(widths[0], cfg.out_channels, 3, padding=1)

    def forward(self, z):
        """z [B, z_dim, h, w] -> image [B, out_channels, h * factor, w * factor]."""
        x = self.conv_in(z)
        for block in self.mid:
            x = block(x)
        for level in reversed(self.up):
            x = level(x)
        return self.conv_out(F.silu(self.norm_out(x)))
