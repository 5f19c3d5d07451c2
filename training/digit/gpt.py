"""A fairseq-style decoder-only transformer, as DiGIT's stage-1 and stage-2 GPTs use it.

Input embedding: sqrt(d) * embed_tokens(id) + a learned position row. fairseq's learned
positions skip the padding row, so sequence index t reads row t + 2. Stage 2 reads its first
`prefix_len` positions (the DiGIT-token prefix) from a second table, `embed_positions_1`, and
restarts the first table at the separator.

Three ways to run it: `forward` over a whole sequence (the reference); `step` over new tokens
with a fixed-capacity KV cache that is passed in and out whole (the ONNX graph the WebGPU
backend runs: the cache stays in GPU buffers); `step_past` over new tokens given only the earlier
tokens' keys/values, returning just the new ones (the ONNX graph the WASM backend runs: the
runtime copies every input into its heap, so passing less is faster, and its attention is one
node per layer).
"""
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .fused_attention import attend_with_past, causal_bias

POSITION_OFFSET = 2  # fairseq: padding_idx (1) + 1


@dataclass
class GPTConfig:
    vocab_size: int  # logits: the dictionary (specials + codes)
    embed_rows: int  # embedding rows: the dictionary plus one per class
    n_layer: int = 16
    n_head: int = 16
    dim: int = 1024
    ffn_dim: int = 4096
    normalize_before: bool = False  # stage 1: post-LN; stage 2: pre-LN + final LN
    max_positions: int = 1024
    prefix_len: int = 0  # stage 2: length of the prefix with its own position table
    dropout: float = 0.0  # training only: on the embeddings and each sublayer's output

    @property
    def final_norm(self) -> bool:
        return self.normalize_before

    @property
    def head_dim(self) -> int:
        return self.dim // self.n_head


class SelfAttention(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.n_head = cfg.n_head
        self.scaling = cfg.head_dim**-0.5
        self.k_proj = nn.Linear(cfg.dim, cfg.dim)
        self.v_proj = nn.Linear(cfg.dim, cfg.dim)
        self.q_proj = nn.Linear(cfg.dim, cfg.dim)
        self.out_proj = nn.Linear(cfg.dim, cfg.dim)

    def heads(self, x):
        b, t, c = x.shape
        return x.view(b, t, self.n_head, c // self.n_head).transpose(1, 2)

    def project(self, x):
        """x [B, T, C] -> q, k, v [B, H, T, hd], q already scaled by hd^-0.5."""
        q = self.q_proj(x) * self.scaling
        return self.heads(q), self.heads(self.k_proj(x)), self.heads(self.v_proj(x))

    def attend(self, q, k, v, mask):
        y = (q @ k.transpose(-2, -1) + mask).softmax(-1) @ v
        b, h, t, d = y.shape
        return self.out_proj(y.transpose(1, 2).reshape(b, t, h * d))


class Layer(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.normalize_before = cfg.normalize_before
        self.self_attn = SelfAttention(cfg)
        self.self_attn_layer_norm = nn.LayerNorm(cfg.dim)
        self.fc1 = nn.Linear(cfg.dim, cfg.ffn_dim)
        self.fc2 = nn.Linear(cfg.ffn_dim, cfg.dim)
        self.final_layer_norm = nn.LayerNorm(cfg.dim)
        self.drop = nn.Dropout(cfg.dropout)

    def residual(self, x, norm, fn):
        if self.normalize_before:
            return x + self.drop(fn(norm(x)))
        return norm(x + self.drop(fn(x)))

    def mlp(self, x):
        return self.fc2(F.gelu(self.fc1(x)))

    def forward(self, x, attend):
        """`attend(h)` maps the normalised input of the attention sublayer to its output."""
        x = self.residual(x, self.self_attn_layer_norm, attend)
        return self.residual(x, self.final_layer_norm, self.mlp)


class GPT(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.cfg = cfg
        rows = cfg.max_positions + POSITION_OFFSET
        self.embed_tokens = nn.Embedding(cfg.embed_rows, cfg.dim)
        self.embed_positions = nn.Embedding(rows, cfg.dim)
        if cfg.prefix_len:
            self.embed_positions_1 = nn.Embedding(rows, cfg.dim)
        self.layers = nn.ModuleList(Layer(cfg) for _ in range(cfg.n_layer))
        if cfg.final_norm:
            self.layer_norm = nn.LayerNorm(cfg.dim)
        self.output_projection = nn.Linear(cfg.dim, cfg.vocab_size, bias=False)
        self.drop = nn.Dropout(cfg.dropout)

    def position_table(self, length: int):
        """Position embedding for sequence indices 0..length-1, [length, dim]."""
        prefix = min(self.cfg.prefix_len, length)
        parts = []
        if prefix:
            parts.append(self.embed_positions_1.weight[POSITION_OFFSET : POSITION_OFFSET + prefix])
        rest = length - prefix
        parts.append(self.embed_positions.weight[POSITION_OFFSET : POSITION_OFFSET + rest])
        return torch.cat(parts, 0)

    def embed(self, tokens, positions):
        return self.drop(self.embed_tokens(tokens) * self.cfg.dim**0.5 + positions)

    def head(self, x):
        if self.cfg.final_norm:
            x = self.layer_norm(x)
        return self.output_projection(x)

    def hidden_states(self, tokens) -> list:
        """tokens [B, T] -> every layer's output [B, T, dim], causal attention (no cache)."""
        t = tokens.shape[1]
        x = self.embed(tokens, self.position_table(t))
        mask = torch.full((t, t), float("-inf")).triu(1)
        states = []
        for layer in self.layers:
            attn = layer.self_attn
            x = layer(x, lambda h, attn=attn: attn.attend(*attn.project(h), mask))
            states.append(x)
        return states

    def forward(self, tokens):
        """tokens [B, T] -> logits [B, T, vocab] with causal attention (no cache)."""
        return self.head(self.hidden_states(tokens)[-1])

    def step(self, tokens, position, past_key, past_value):
        """T tokens per row (one while sampling, a whole prompt when prefilling) with a
        fixed-capacity KV cache.

        tokens [B, T] int64 at sequence indices position .. position + T - 1; position [1] int64;
        past_key / past_value [n_layer, B, n_head, capacity, head_dim].
        Returns the last token's logits [B, vocab] and the caches with these tokens' K/V written
        at slots position .. position + T - 1. Slots after a token's own are masked out for it,
        so what they hold never matters.
        """
        n_new, capacity = tokens.shape[1], past_key.shape[3]
        slots = torch.arange(capacity)
        new = torch.arange(n_new)
        offset = slots - position  # slot s takes new token s - position, if there is one
        write = ((offset >= 0) & (offset < n_new)).view(1, 1, capacity, 1)
        source = torch.minimum(offset.clamp(min=0), new[-1])  # clamped into 0 .. T - 1
        future = slots.unsqueeze(0) > (position + new).unsqueeze(1)
        mask = torch.zeros(n_new, capacity).masked_fill(future, float("-inf")).view(1, 1, n_new, capacity)
        positions = self.position_table(capacity).index_select(0, position + new)

        def attend(i, attn, h):
            q, k, v = attn.project(h)
            k_all = torch.where(write, k.index_select(2, source), past_key[i])
            v_all = torch.where(write, v.index_select(2, source), past_value[i])
            return attn.attend(q, k_all, v_all, mask), k_all, v_all

        return self.run_layers(self.embed(tokens, positions), attend)

    def step_past(self, tokens, position, past_key, past_value):
        """T tokens per row (one while sampling, a whole prompt when prefilling), given the keys
        and values of the tokens before them.

        tokens [B, T] int64 at sequence indices position .. position + T - 1; position [1] int64;
        past_key / past_value [n_layer, B, n_head, position, head_dim] (empty at position 0).
        Returns the last token's logits [B, vocab] and these tokens' keys/values
        [n_layer, B, T, dim] (heads side by side), which the caller appends to its cache. Each
        layer's attention is one node in ONNX (fused_attention.py).
        """
        n_new, n_past = tokens.shape[1], past_key.shape[3]
        positions = self.position_table(self.cfg.max_positions).index_select(0, position + torch.arange(n_new))
        x = self.embed(tokens, positions)
        bias = causal_bias(n_past, n_new)

        def attend(i, attn, h):
            k, v = attn.k_proj(h), attn.v_proj(h)
            y = attend_with_past(attn.q_proj(h), k, v, past_key[i], past_value[i], bias, attn.n_head)
            return attn.out_proj(y), k, v

        return self.run_layers(x, attend)

    def run_layers(self, x, attend):
        """Every layer over x, with `attend(i, attn, h) -> (output, keys, values)` as layer i's
        attention sublayer. Returns the last position's logits and every layer's keys and values
        (what a cached step hands back), stacked."""
        keys, values = [], []
        for i, layer in enumerate(self.layers):

            def sublayer(h, i=i, attn=layer.self_attn):
                y, k, v = attend(i, attn, h)
                keys.append(k)
                values.append(v)
                return y

            x = layer(x, sublayer)
        return self.head(x[:, -1]), torch.stack(keys), torch.stack(values)

    def empty_cache(self, batch: int, capacity: int):
        shape = (self.cfg.n_layer, batch, self.cfg.n_head, capacity, self.cfg.head_dim)
        return torch.zeros(shape), torch.zeros(shape)
