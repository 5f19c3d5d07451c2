"""Attention of new tokens over themselves and a KV cache, as one ONNX node.

`attend_with_past(q, k, v, past_key, past_value, bias, n_head)`, with q, k, v [B, T, D] (heads
side by side, as the projections give them) and past_key / past_value [B, H, P, hd]:

    softmax(q · [past_key; k]ᵀ · hd^-0.5 + bias) · [past_value; v]   -> [B, T, D]

PyTorch runs it as written here. Exported to ONNX it is one node of onnxruntime's contrib op
`com.microsoft.MultiHeadAttention`, in place of the ~40 small nodes (reshapes, transposes,
masking, softmax) a traced attention costs per layer: a small GPT's step on WASM spends most of
its time on per-node overhead, not arithmetic (docs/benchmarks.md).
"""
import onnx
import torch

DOMAIN = "com.microsoft"
OP = "MultiHeadAttention"
# MultiHeadAttention's inputs, in order; '' marks the optional ones this project leaves out
INPUTS = ["query", "key", "value", "", "", "attention_bias", "past_key", "past_value"]


class AttendWithPast(torch.autograd.Function):
    @staticmethod
    def forward(ctx, q, k, v, past_key, past_value, bias, n_head: int):
        b, t, dim = q.shape
        head_dim = dim // n_head

        def heads(x):
            return x.view(b, t, n_head, head_dim).transpose(1, 2)

        keys = torch.cat([past_key, heads(k)], 2)
        values = torch.cat([past_value, heads(v)], 2)
        scores = (heads(q) @ keys.transpose(-2, -1)) * head_dim**-0.5 + bias
        return (scores.softmax(-1) @ values).transpose(1, 2).reshape(b, t, dim)

    @staticmethod
    def symbolic(g, q, k, v, past_key, past_value, bias, n_head: int):
        # The exporter cannot leave inputs out; spell_out_optional_inputs puts them in place.
        # The present key/value outputs go unused, but onnxruntime ignores the past without them.
        output, _, _ = g.op(f"{DOMAIN}::{OP}", q, k, v, bias, past_key, past_value, num_heads_i=n_head, outputs=3)
        return output


def attend_with_past(q, k, v, past_key, past_value, bias, n_head: int):
    return AttendWithPast.apply(q, k, v, past_key, past_value, bias, n_head)


def causal_bias(n_past, n_new):
    """[1, 1, n_new, n_past + n_new]: 0 where new token i may see key j (j <= n_past + i), -inf
    elsewhere. The sizes may be traced."""
    query = torch.arange(n_new).unsqueeze(1)
    key = torch.arange(n_past + n_new).unsqueeze(0)
    bias = torch.zeros(n_new, n_past + n_new).masked_fill(key > query + n_past, float("-inf"))
    return bias.view(1, 1, n_new, n_past + n_new)


def spell_out_optional_inputs(model: onnx.ModelProto) -> bool:
    """Give each exported MultiHeadAttention node its inputs in the op's order, with the unused
    optional ones empty. Returns whether any node changed."""
    changed = False
    for node in model.graph.node:
        if node.domain == DOMAIN and node.op_type == OP and len(node.input) == 6:
            given = iter(node.input[:])
            spelled = ["" if name == "" else next(given) for name in INPUTS]
            del node.input[:]
            node.input.extend(spelled)
            changed = True
    return changed
