"""An independent reference for converted packs: the official models' forward passes computed
in float64 straight from a checkpoint's weights, written from the official code's semantics
(fairseq's TransformerDecoder, DINOv2's DinoVisionTransformer, the MAGE VQGAN decoder) rather
than from this project's modules, and without a KV cache.

GPT (`decoder.*`): token embedding x sqrt(dim); learned positions from row 2 (row 1 is padding);
stage 2 reads the prefix's positions from `embed_positions_1` and restarts `embed_positions` at
the separator; post-LN layers unless `decoder.layer_norm` exists (then pre-LN + final LN);
GELU (erf); LayerNorm eps 1e-5; q scaled by head_dim^-0.5; output projection without bias.

Tokenizer (`pretrained_encoder.*`, `centroids`, `centroid_norm`): ImageNet mean/std, bicubic
resize by scale factor encoder_size / input_size (no antialias); patches; CLS prepended; the
37x37 (here any square) position table resized bicubically by scale factor (grid + 0.1) / 37 and
added; registers inserted after CLS; blocks x + ls1 * attn(norm1(x)), x + ls2 * mlp(norm2(x))
(LayerNorm eps 1e-6); the output of block depth - layers_from_end through the final norm, CLS
and registers dropped; token = argmin |f|^2 - 2 f.c + stored centroid_norm.

VQ decoder (`vqgan.decoder.*`, `vqgan.quantize.embedding.weight`): codes -> codebook rows as a
grid; conv_in; mid.block_1, mid.block_2; levels from the coarsest: res blocks then nearest 2x
upsampling + conv; GroupNorm(32, eps 1e-6), swish, conv_out. A res block is norm1, swish,
conv1, norm2, swish, conv2 (no biases), plus the input, or nin_shortcut of the *hidden state*
where the width changes.
"""
import math
import re

import torch
import torch.nn.functional as F

PADDING_ROWS = 2


class FairseqDecoder:
    """Logits of the official decoder for whole sequences; `step`/`empty_cache` let the
    pipeline's sampler drive it one token at a time (it re-reads the whole history each step)."""

    def __init__(self, model: dict, heads: int, prefix_len: int = 0, prefix: str = "decoder."):
        self.w = {k[len(prefix) :]: v.double() for k, v in model.items() if k.startswith(prefix)}
        self.heads, self.prefix_len = heads, prefix_len
        self.n_layer = len({k.split(".")[1] for k in self.w if k.startswith("layers.")})
        self.pre_ln = "layer_norm.weight" in self.w
        self.dim = self.w["embed_tokens.weight"].shape[1]

    def _norm(self, x, name):
        return F.layer_norm(x, (self.dim,), self.w[name + ".weight"], self.w[name + ".bias"], 1e-5)

    def _linear(self, x, name):
        return F.linear(x, self.w[name + ".weight"], self.w.get(name + ".bias"))

    def _positions(self, length: int):
        prefix = min(self.prefix_len, length)
        first = self.w["embed_positions_1.weight"][PADDING_ROWS : PADDING_ROWS + prefix] if prefix else None
        rest = self.w["embed_positions.weight"][PADDING_ROWS : PADDING_ROWS + length - prefix]
        return rest if first is None else torch.cat([first, rest])

    def _attention(self, x, layer: str):
        b, t, d = x.shape
        hd = d // self.heads

        def split(name):
            return self._linear(x, f"{layer}.self_attn.{name}").view(b, t, self.heads, hd).transpose(1, 2)

        q, k, v = split("q_proj") * hd**-0.5, split("k_proj"), split("v_proj")
        scores = q @ k.transpose(-1, -2)
        scores = scores.masked_fill(torch.ones(t, t, dtype=torch.bool).triu(1), float("-inf"))
        y = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d)
        return self._linear(y, f"{layer}.self_attn.out_proj")

    def _feed_forward(self, x, layer: str):
        return self._linear(F.gelu(self._linear(x, f"{layer}.fc1")), f"{layer}.fc2")

    def logits(self, tokens):
        """tokens [B, T] -> logits [B, T, vocab]."""
        x = self.w["embed_tokens.weight"][tokens] * math.sqrt(self.dim) + self._positions(tokens.shape[1])
        for i in range(self.n_layer):
            layer = f"layers.{i}"
            for sublayer, norm in (
                (self._attention, "self_attn_layer_norm"),
                (self._feed_forward, "final_layer_norm"),
            ):
                if self.pre_ln:
                    x = x + sublayer(self._norm(x, f"{layer}.{norm}"), layer)
                else:
                    x = self._norm(x + sublayer(x, layer), f"{layer}.{norm}")
        if self.pre_ln:
            x = self._norm(x, "layer_norm")
        return F.linear(x, self.w["output_projection.weight"])

    def empty_cache(self, batch: int, capacity: int):
        return torch.zeros(batch, 0, dtype=torch.long), None

    @torch.no_grad()
    def step(self, tokens, position, history, _unused):
        history = torch.cat([history, tokens], 1)
        return self.logits(history)[:, -1], history, None


def _weights(model: dict, prefix: str) -> dict:
    return {k[len(prefix) :]: v.double() for k, v in model.items() if k.startswith(prefix)}


class DinoV2Tokenizer:
    """Image [B, C, H, W] in [0, 1] -> DiGIT features [B, N, D] and tokens [B, N], float64."""

    def __init__(self, model: dict, heads: int, layers_from_end: int, input_size: int, encoder_size: int):
        self.w = _weights(model, "pretrained_encoder.")
        self.heads, self.scale = heads, encoder_size / input_size
        depth = len({int(m.group(1)) for k in self.w if (m := re.match(r"blocks\.(\d+)\.", k))})
        self.block = depth - layers_from_end
        self.centroids = model["centroids"].double()  # [D, K]
        self.centroid_norm = model["centroid_norm"].double()  # [1, K]

    def _norm(self, x, name):
        return F.layer_norm(x, x.shape[-1:], self.w[name + ".weight"], self.w[name + ".bias"], 1e-6)

    def _linear(self, x, name):
        return F.linear(x, self.w[name + ".weight"], self.w[name + ".bias"])

    def _positions(self, grid: int):
        table = self.w["pos_embed"][0]
        side = math.isqrt(table.shape[0] - 1)
        patches = table[1:].reshape(1, side, side, -1).permute(0, 3, 1, 2)
        factor = (grid + 0.1) / side
        patches = F.interpolate(patches, scale_factor=(factor, factor), mode="bicubic", antialias=False)
        return torch.cat([table[:1], patches.permute(0, 2, 3, 1).reshape(grid * grid, -1)])

    def _attention(self, x, block):
        b, n, d = x.shape
        qkv = self._linear(x, block + ".attn.qkv").reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * (d // self.heads) ** -0.5, qkv[1], qkv[2]
        y = ((q @ k.transpose(-2, -1)).softmax(-1) @ v).transpose(1, 2).reshape(b, n, d)
        return self._linear(y, block + ".attn.proj")

    def features(self, images):
        mean = torch.tensor([0.485, 0.456, 0.406], dtype=torch.float64).view(1, 3, 1, 1)
        std = torch.tensor([0.229, 0.224, 0.225], dtype=torch.float64).view(1, 3, 1, 1)
        x = F.interpolate((images.double() - mean) / std, scale_factor=self.scale, mode="bicubic")
        w = self.w
        x = F.conv2d(
            x, w["patch_embed.proj.weight"], w["patch_embed.proj.bias"], stride=w["patch_embed.proj.weight"].shape[-1]
        )
        grid = x.shape[-1]
        x = x.flatten(2).transpose(1, 2)
        x = torch.cat([w["cls_token"].expand(len(x), -1, -1), x], 1) + self._positions(grid)
        registers = w.get("register_tokens")
        if registers is not None:
            x = torch.cat([x[:, :1], registers.expand(len(x), -1, -1), x[:, 1:]], 1)
        for i in range(self.block + 1):
            block = f"blocks.{i}"
            x = x + w[block + ".ls1.gamma"] * self._attention(self._norm(x, block + ".norm1"), block)
            h = self._linear(
                F.gelu(self._linear(self._norm(x, block + ".norm2"), block + ".mlp.fc1")), block + ".mlp.fc2"
            )
            x = x + w[block + ".ls2.gamma"] * h
        n_skip = 1 + (0 if registers is None else registers.shape[1])
        return self._norm(x, "norm")[:, n_skip:]

    def tokens(self, features):
        flat = features.reshape(-1, features.shape[-1])
        dist = (flat**2).sum(1, keepdim=True) - 2 * flat @ self.centroids + self.centroid_norm
        return dist.argmin(1).reshape(features.shape[:2])


class MageVQDecoder:
    """VQ codes [B, N] (row-major square grid) -> images [B, 3, H, W], float64."""

    def __init__(self, model: dict):
        self.w = _weights(model, "vqgan.decoder.")
        self.codebook = model["vqgan.quantize.embedding.weight"].double()
        self.levels = 1 + max(int(m.group(1)) for k in self.w if (m := re.match(r"up\.(\d+)\.", k)))

    def _norm(self, x, name):
        return F.group_norm(x, 32, self.w[name + ".weight"], self.w[name + ".bias"], 1e-6)

    def _conv(self, x, name):
        weight = self.w[name + ".weight"]
        return F.conv2d(x, weight, self.w.get(name + ".bias"), padding=weight.shape[-1] // 2)

    def _res_block(self, x, name):
        h = self._conv(F.silu(self._norm(x, name + ".norm1")), name + ".conv1")
        h = self._conv(F.silu(self._norm(h, name + ".norm2")), name + ".conv2")
        if name + ".nin_shortcut.weight" in self.w:
            x = self._conv(h, name + ".nin_shortcut")
        return x + h

    def __call__(self, codes):
        side = math.isqrt(codes.shape[1])
        z = self.codebook[codes].reshape(len(codes), side, side, -1).permute(0, 3, 1, 2)
        h = self._conv(z, "conv_in")
        h = self._res_block(self._res_block(h, "mid.block_1"), "mid.block_2")
        for level in reversed(range(self.levels)):
            blocks = sorted({int(m.group(1)) for k in self.w if (m := re.match(rf"up\.{level}\.block\.(\d+)\.", k))})
            for j in blocks:
                h = self._res_block(h, f"up.{level}.block.{j}")
            if level != 0:
                h = self._conv(F.interpolate(h, scale_factor=2.0, mode="nearest"), f"up.{level}.upsample.conv")
        return self._conv(F.silu(self._norm(h, "norm_out")), "conv_out")
