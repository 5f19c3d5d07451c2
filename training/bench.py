"""Benchmark inputs: GPT graphs at a few shapes (random weights: speed does not depend on them)
and the PyTorch eager reference sampler timed on the very same models.

    /usr/bin/python3 training/bench.py --out bench/graphs --threads 1

For each shape it writes <out>/<shape>/{fixed,past,growing,full}.onnx — our two KV-cache steps
(fixed-capacity, which WebGPU runs, and the step over the past keys/values, which WASM runs), a
growing-cache step and a no-cache whole-sequence graph — and <out>/reference.json with
the seconds per image of digit.pipeline.sample_ids (what the training code samples with), and
<out>/matmul.onnx, one large MatMul, to measure the runtime's peak GFLOP/s.
`npm run bench` calls this first, then times the ONNX graphs in onnxruntime-web.
"""
import argparse
import hashlib
import json
import os
import time

import torch


from benchmark.variants import GrowingCacheStep, LastLogits
from digit.export import export_graph, export_gpt, tensor_spec
from digit.gpt import GPT, GPTConfig
from digit.pipeline import sample_ids
from digit.sampling import SamplingSettings, image_rng
from packs.mini import stage1_gpt

HERE = os.path.dirname(os.path.abspath(__file__))

N_SPECIAL = 5


def mini(tokens: int) -> GPTConfig:
    """The stage-1 GPT of the mini packs (256 codes, 14 classes)."""
    return stage1_gpt(N_SPECIAL + 256, 14, tokens)


def official_base(tokens: int) -> GPTConfig:
    """DiGIT base stage 1: 16 layers x 1024, 8192 codes, 1000 classes, post-LN."""
    return GPTConfig(
        vocab_size=N_SPECIAL + 8192,
        embed_rows=N_SPECIAL + 8192 + 1000,
        n_layer=16,
        n_head=16,
        dim=1024,
        ffn_dim=4096,
        normalize_before=False,
        max_positions=tokens + 2,
    )


# name -> (config, tokens per image, whether to build the slow peers, batches for the reference)
SHAPES = {
    "mini-8x8": (mini(64), 64, True, [1, 16]),
    "mini-16x16": (mini(256), 256, True, [1]),
    "base-16x16": (official_base(256), 256, False, [1]),
}


def export_variants(gpt: GPT, tokens: int, out: str, peers: bool):
    cfg = gpt.cfg
    os.makedirs(out, exist_ok=True)
    export_gpt(gpt, tokens, os.path.join(out, "fixed.onnx"))
    export_gpt(gpt, tokens, os.path.join(out, "past.onnx"), past=True)
    if not peers:
        return
    grow = [cfg.n_layer, "batch", cfg.n_head, "past", cfg.head_dim]
    grown = [cfg.n_layer, "batch", cfg.n_head, "length", cfg.head_dim]
    key, value = gpt.empty_cache(1, 1)
    export_graph(
        GrowingCacheStep(gpt),
        (torch.tensor([[2]]), torch.tensor([1]), key, value),
        os.path.join(out, "growing.onnx"),
        inputs=[
            tensor_spec("tokens", "int64", ["batch", 1]),
            tensor_spec("position", "int64", [1]),
            tensor_spec("past_key", "float32", grow),
            tensor_spec("past_value", "float32", grow),
        ],
        outputs=[
            tensor_spec("logits", "float32", ["batch", cfg.vocab_size]),
            tensor_spec("present_key", "float32", grown),
            tensor_spec("present_value", "float32", grown),
        ],
    )
    export_graph(
        LastLogits(gpt),
        (torch.tensor([[2, 7]]),),
        os.path.join(out, "full.onnx"),
        inputs=[tensor_spec("tokens", "int64", ["batch", "length"])],
        outputs=[tensor_spec("logits", "float32", ["batch", cfg.vocab_size])],
    )


def export_matmul(path: str, m: int = 64, k: int = 1024, n: int = 4096):
    """x [m, k] @ W [k, n] with W a constant, as a GPT's linear layers run."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper, save

    weight = numpy_helper.from_array(np.random.default_rng(0).standard_normal((k, n), dtype=np.float32), "W")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["y"])],
        "matmul",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])],
        [weight],
    )
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)


def time_reference(gpt: GPT, tokens: int, batch: int) -> float:
    """Seconds per image of the PyTorch sampler (KV cache, sampling spec of the app)."""
    settings = SamplingSettings(temperature=1.0, top_k=0, top_p=0.9, guidance=1.0)
    rngs = [image_rng(0, i) for i in range(batch)]
    start = time.perf_counter()
    sample_ids(gpt, [[N_SPECIAL + 256]] * batch, None, tokens, N_SPECIAL, gpt.cfg.vocab_size, rngs, settings)
    return (time.perf_counter() - start) / batch


def code_version() -> str:
    """A digest of the code the graphs are exported from: cached graphs are exported again when
    it changes."""
    h = hashlib.sha256()
    for path in ("digit/gpt.py", "digit/fused_attention.py", "digit/export.py", "benchmark/variants.py"):
        with open(os.path.join(HERE, path), "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:16]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(HERE, "..", "bench", "graphs"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--shapes", nargs="*", default=list(SHAPES))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    report = {"threads": args.threads, "torch": torch.__version__, "shapes": {}}
    os.makedirs(args.out, exist_ok=True)
    export_matmul(os.path.join(args.out, "matmul.onnx"))
    for name in args.shapes:
        cfg, tokens, peers, batches = SHAPES[name]
        torch.manual_seed(0)
        gpt = GPT(cfg).eval()
        folder = os.path.join(args.out, name)
        marker = os.path.join(folder, "config.json")
        config = {"config": cfg.__dict__, "tokens": tokens, "peers": peers, "code": code_version()}
        if not os.path.exists(marker) or json.load(open(marker)) != config:
            print(f"[bench] exporting {name}", flush=True)
            export_variants(gpt, tokens, folder, peers)
            with open(marker, "w") as f:
                json.dump(config, f)
        print(f"[bench] timing the PyTorch reference on {name}", flush=True)
        report["shapes"][name] = {
            **config,
            "reference_s_per_image": {str(b): round(time_reference(gpt, tokens, b), 4) for b in batches},
        }
    with open(os.path.join(args.out, "reference.json"), "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
