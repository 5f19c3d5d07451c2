"""An independent reference for converted packs: the official GPTs' forward pass computed
straight from a checkpoint's `decoder.*` weights, written from fairseq's TransformerDecoder
semantics rather than from digit/gpt.py, and without a KV cache.

What it encodes: token embedding x sqrt(dim); learned positions from row 2 (row 1 is padding);
stage 2 reads the prefix's positions from `embed_positions_1` and restarts `embed_positions` at
the separator; post-LN layers unless `decoder.layer_norm` exists (then pre-LN + final LN);
GELU (erf); LayerNorm eps 1e-5; q scaled by head_dim^-0.5; output projection without bias.
"""
import math

import torch
import torch.nn.functional as F

PADDING_ROWS = 2


class FairseqDecoder:
    """Logits of the official decoder for whole sequences; `step`/`empty_cache` let the
    pipeline's sampler drive it one token at a time (it re-reads the whole history each step)."""

    def __init__(self, model: dict, heads: int, prefix_len: int = 0, prefix: str = "decoder."):
        self.w = {k[len(prefix) :]: v.float() for k, v in model.items() if k.startswith(prefix)}
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
