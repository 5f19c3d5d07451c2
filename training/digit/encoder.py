"""A DINOv2-style ViT that returns the patch features of one block after the final LayerNorm.

DiGIT tokenises with the features of block `feature_block` (9 of 12 for the official base
model); the blocks after it are never run, so they are not even built here.
"""
from dataclasses import dataclass, replace

import torch
import torch.nn as nn
import torch.nn.functional as F

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass
class EncoderConfig:
    input_size: int = 256  # the pack's image size, pixels in [0, 1]
    encoder_size: int = 224  # bicubic resize (no antialias) to this before patchifying
    patch_size: int = 14
    dim: int = 768
    n_head: int = 12
    mlp_ratio: float = 4.0
    n_registers: int = 4
    feature_block: int = 9  # blocks 0..feature_block run
    pos_grid: int = 37  # side of the stored position table (518 / 14)
    interpolate_offset: float = 0.1
    layerscale: bool = True
    in_channels: int = 3
    conv_stem: bool = False  # small packs: two strided 3x3 convs instead of one patchify conv
    mean: tuple = IMAGENET_MEAN
    std: tuple = IMAGENET_STD

    @property
    def grid(self) -> int:
        return self.encoder_size // self.patch_size


class Attention(nn.Module):
    def __init__(self, dim: int, n_head: int):
        super().__init__()
        self.n_head = n_head
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.n_head, c // self.n_head).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = (q * (c // self.n_head) ** -0.5) @ k.transpose(-2, -1)
        y = att.softmax(dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, n, c))


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class LayerScale(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.gamma = nn.Parameter(torch.full((dim,), 1e-5))

    def forward(self, x):
        return x * self.gamma


class Block(nn.Module):
    def __init__(self, cfg: EncoderConfig):
        super().__init__()
        self.norm1 = nn.LayerNorm(cfg.dim, eps=1e-6)
        self.attn = Attention(cfg.dim, cfg.n_head)
        self.ls1 = LayerScale(cfg.dim) if cfg.layerscale else nn.Identity()
        self.norm2 = nn.LayerNorm(cfg.dim, eps=1e-6)
        self.mlp = Mlp(cfg.dim, int(cfg.dim * cfg.mlp_ratio))
        self.ls2 = LayerScale(cfg.dim) if cfg.layerscale else nn.Identity()

    def forward(self, x):
        x = x + self.ls1(self.attn(self.norm1(x)))
        return x + self.ls2(self.mlp(self.norm2(x)))


class PatchEmbed(nn.Module):
    def __init__(self, cfg: EncoderConfig):
        super().__init__()
        self.proj = nn.Conv2d(cfg.in_channels, cfg.dim, cfg.patch_size, stride=cfg.patch_size)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class ConvStem(nn.Module):
    """Patch size 4 as two stride-2 3x3 convs: a locality prior that small data needs."""

    def __init__(self, cfg: EncoderConfig):
        super().__init__()
        assert cfg.patch_size == 4, "the conv stem downsamples by 4"
        self.conv1 = nn.Conv2d(cfg.in_channels, cfg.dim // 2, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(cfg.dim // 2, cfg.dim, 3, stride=2, padding=1)

    def forward(self, x):
        return self.conv2(F.gelu(self.conv1(x))).flatten(2).transpose(1, 2)


class Encoder(nn.Module):
    def __init__(self, cfg: EncoderConfig):
        super().__init__()
        self.cfg = cfg
        self.patch_embed = ConvStem(cfg) if cfg.conv_stem else PatchEmbed(cfg)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, cfg.dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + cfg.pos_grid**2, cfg.dim))
        self.register_tokens = nn.Parameter(torch.zeros(1, cfg.n_registers, cfg.dim))
        self.mask_token = nn.Parameter(torch.zeros(1, cfg.dim))
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.feature_block + 1))
        self.norm = nn.LayerNorm(cfg.dim, eps=1e-6)
        self.register_buffer("mean", torch.tensor(cfg.mean).view(1, -1, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(cfg.std).view(1, -1, 1, 1), persistent=False)

    def positions(self):
        """The position table for this grid, interpolated the way DINOv2 does it."""
        grid, stored = self.cfg.grid, self.cfg.pos_grid
        if grid == stored:
            return self.pos_embed
        cls_pos, patch_pos = self.pos_embed[:, :1], self.pos_embed[:, 1:]
        dim = patch_pos.shape[-1]
        scale = (grid + self.cfg.interpolate_offset) / stored
        patch_pos = F.interpolate(
            patch_pos.reshape(1, stored, stored, dim).permute(0, 3, 1, 2),
            scale_factor=(scale, scale),
            mode="bicubic",
            antialias=False,
        )
        assert patch_pos.shape[-2:] == (grid, grid), patch_pos.shape
        return torch.cat([cls_pos, patch_pos.permute(0, 2, 3, 1).reshape(1, grid * grid, dim)], 1)

    def with_positions_baked(self) -> "Encoder":
        """A copy whose stored position table is already interpolated to this grid, so the
        exported graph does not resize it on every run."""
        cfg = replace(self.cfg, pos_grid=self.cfg.grid)
        baked = Encoder(cfg)
        state = dict(self.state_dict())
        state["pos_embed"] = self.positions().detach()
        baked.load_state_dict(state)
        return baked.eval()

    def tokens(self, image, patch_mask=None):
        """image [B, C, input_size, input_size] in [0, 1] -> every token (CLS, registers,
        patches) after the last block and the final LayerNorm. `patch_mask` [B, N] (bool)
        replaces those patches by the mask token, for masked-image self-distillation."""
        x = (image - self.mean) / self.std
        if self.cfg.encoder_size != self.cfg.input_size:
            x = F.interpolate(
                x, size=(self.cfg.encoder_size,) * 2, mode="bicubic", align_corners=False, antialias=False
            )
        x = self.patch_embed(x)
        if patch_mask is not None:
            x = torch.where(patch_mask.unsqueeze(-1), self.mask_token.to(x.dtype), x)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], 1) + self.positions()
        x = torch.cat([x[:, :1], self.register_tokens.expand(x.shape[0], -1, -1), x[:, 1:]], 1)
        for block in self.blocks:
            x = block(x)
        return self.norm(x)

    def forward(self, image):
        """image [B, C, input_size, input_size] in [0, 1] -> patch features [B, grid*grid, dim]."""
        return self.tokens(image)[:, 1 + self.cfg.n_registers :]

    def truncated(self, feature_block: int) -> "Encoder":
        """A copy that keeps blocks 0..feature_block: DiGIT's tokenizer reads that block."""
        cut = Encoder(replace(self.cfg, feature_block=feature_block))
        cut.load_state_dict(self.state_dict(), strict=False)
        return cut.eval()


def init_weights(module: nn.Module, std: float = 0.02):
    """Truncated-normal init for a freshly built model (official weights replace it)."""
    for name, p in module.named_parameters():
        if p.dim() > 1 or name.endswith(("cls_token", "pos_embed", "register_tokens", "mask_token")):
            nn.init.trunc_normal_(p, std=std)
    return module
