"""The two ways of running a GPT step that our fixed-capacity KV cache is measured against.

- GrowingCacheStep: the cache as most decoders keep it, one token longer after every step
  (dynamic shapes; every step allocates and copies the whole cache).
- LastLogits: no cache at all; the whole sequence so far is run again for every new token.
"""
import torch
import torch.nn as nn

from digit.gpt import GPT


class GrowingCacheStep(nn.Module):
    def __init__(self, gpt: GPT):
        super().__init__()
        self.gpt = gpt

    def forward(self, tokens, position, past_key, past_value):
        """tokens [B, 1]; position [1]; past_* [L, B, H, T, hd] with T == position.
        Returns logits [B, vocab] and the caches one token longer."""
        gpt = self.gpt
        pos_row = gpt.position_table(past_key.shape[3] + 1).index_select(0, position).unsqueeze(0)

        def attend(i, attn, h):
            q, k, v = attn.project(h)
            k_all, v_all = torch.cat([past_key[i], k], 2), torch.cat([past_value[i], v], 2)
            return attn.attend(q, k_all, v_all, 0.0), k_all, v_all

        return gpt.run_layers(gpt.embed(tokens, pos_row), attend)


class LastLogits(nn.Module):
    def __init__(self, gpt: GPT):
        super().__init__()
        self.gpt = gpt

    def forward(self, tokens):
        """tokens [B, T] -> logits of the last position [B, vocab]."""
        return self.gpt(tokens)[:, -1]
