"""ONNX export of every graph in a pack, and the pack.json that describes them.

Opset 17, static shapes except the batch dimension (and, for GPT.step_past, the token counts).
The GPTs are exported as steps with their KV cache as explicit inputs and outputs (see GPT.step
and GPT.step_past).
"""
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import onnx
import torch
import torch.nn as nn

from . import fused_attention
from .gpt import GPT
from .pack_schema import validate_pack
from .pipeline import Pipeline
from .quantizer import NearestTwo
from .weight_storage import store_weights

OPSET = 17
FORMAT_VERSION = 1
MAX_FP32_WEIGHT_BYTES = 2**31 - 2**26  # one ONNX file holds < 2 GB; leave room for the graph


class GPTStep(nn.Module):
    """GPT.step (`past=False`) or GPT.step_past (`past=True`) as a module to export."""

    def __init__(self, gpt: GPT, past: bool):
        super().__init__()
        self.gpt = gpt
        self.past = past

    def forward(self, tokens, position, past_key, past_value):
        step = self.gpt.step_past if self.past else self.gpt.step
        return step(tokens, position, past_key, past_value)


def sha256_of(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tensor_spec(name: str, dtype: str, shape: List) -> Dict:
    return {"name": name, "dtype": dtype, "shape": shape}


def declare_shapes(model: onnx.ModelProto, specs: List[Dict]) -> bool:
    """Fix the dimensions the exporter left symbolic (it does so after slicing) that pack.json
    declares fixed; a fixed dimension that disagrees is left for the loader to report. Returns
    whether any changed."""
    by_name = {s["name"]: s["shape"] for s in specs}
    changed = False
    for value in list(model.graph.input) + list(model.graph.output):
        shape = by_name.get(value.name)
        if shape is None:
            continue
        for dim, want in zip(value.type.tensor_type.shape.dim, shape):
            if isinstance(want, int) and dim.HasField("dim_param"):
                dim.dim_value = want
                changed = True
    return changed


def export_graph(
    module: nn.Module,
    args: tuple,
    path: str,
    inputs: List[Dict],
    outputs: List[Dict],
    weights: str = "fp32",
    custom_opsets: Optional[Dict] = None,
    lossless: bool = False,
) -> Dict:
    """Export `module(*args)` to `path`; inputs/outputs are tensor specs whose symbolic dims
    become dynamic axes; `weights`: how large weights are stored (see weight_storage);
    `custom_opsets`: the versions of the op domains beyond ONNX's that the module exports to;
    `lossless`: keep in float32 what float16 storage would round (see store_weights).
    Returns the graph's pack.json entry."""
    weight_bytes = sum(t.numel() * t.element_size() for t in module.state_dict().values())
    # Past 2 GB torch writes the weights as external files beside the graph; the graph is then
    # exported to a scratch folder, its weights stored smaller, and saved as one file.
    too_big = weight_bytes > MAX_FP32_WEIGHT_BYTES
    if too_big and weights == "fp32":
        raise ValueError(
            f"{os.path.basename(path)}: {weight_bytes / 2 ** 30:.1f} GB of float32 weights do not fit "
            "one ONNX file (2 GB): store them as fp16 (--weights fp16), which halves them"
        )
    dynamic = {}
    for spec in inputs + outputs:
        axes = {i: d for i, d in enumerate(spec["shape"]) if isinstance(d, str)}
        if axes:
            dynamic[spec["name"]] = axes
    module.eval()
    with tempfile.TemporaryDirectory() as scratch, torch.no_grad():
        exported = os.path.join(scratch, os.path.basename(path)) if too_big else path
        torch.onnx.export(
            module,
            args,
            exported,
            opset_version=OPSET,
            do_constant_folding=True,
            input_names=[s["name"] for s in inputs],
            output_names=[s["name"] for s in outputs],
            dynamic_axes=dynamic,
            custom_opsets=custom_opsets,
        )
        model = onnx.load(exported)  # with the external weights, if torch wrote any
    entry = {"file": os.path.basename(path)}
    changed = fused_attention.spell_out_optional_inputs(model)
    changed = declare_shapes(model, inputs + outputs) or changed
    if weights != "fp32":
        store_weights(model, weights, lossless)
        entry["weights"] = weights
    if model.ByteSize() >= 2**31:
        raise ValueError(f"{os.path.basename(path)}: {model.ByteSize() / 2 ** 30:.1f} GB even with {weights} storage")
    if changed or weights != "fp32" or too_big:
        onnx.save(model, path)
    return {**entry, "bytes": os.path.getsize(path), "sha256": sha256_of(path), "inputs": inputs, "outputs": outputs}


FIXED_CACHE = ["layers", "batch", "heads", "capacity", "head_dim"]
PAST_CACHE = ["layers", "batch", "heads", "past", "head_dim"]


def export_gpt(
    gpt: GPT, capacity: int, path: str, weights: str = "fp32", past: bool = False, lossless: bool = False
) -> Dict:
    """The GPT as a step over any number of new tokens with the whole fixed-capacity cache in and
    out (GPT.step), or
    with `past=True` as a step over any number of new tokens, the earlier tokens' keys/values in
    and the new ones out (GPT.step_past)."""
    cfg = gpt.cfg
    if past:
        cache_shape = [cfg.n_layer, "batch", cfg.n_head, "past", cfg.head_dim]
        new_rows = [cfg.n_layer, "batch", "new", cfg.dim]
        cache = torch.zeros(cfg.n_layer, 1, cfg.n_head, 3, cfg.head_dim)
        args = (torch.tensor([[2, 3]]), torch.tensor([3]), cache, cache.clone())
        tokens = tensor_spec("tokens", "int64", ["batch", "new"])
        outputs = [tensor_spec("key", "float32", new_rows), tensor_spec("value", "float32", new_rows)]
    else:
        cache_shape = [cfg.n_layer, "batch", cfg.n_head, capacity, cfg.head_dim]
        args = (torch.tensor([[2, 3]]), torch.tensor([1]), *gpt.empty_cache(1, capacity))
        tokens = tensor_spec("tokens", "int64", ["batch", "new"])
        outputs = [
            tensor_spec("present_key", "float32", cache_shape),
            tensor_spec("present_value", "float32", cache_shape),
        ]
    entry = export_graph(
        GPTStep(gpt, past),
        args,
        path,
        inputs=[
            tokens,
            tensor_spec("position", "int64", [1]),
            tensor_spec("past_key", "float32", cache_shape),
            tensor_spec("past_value", "float32", cache_shape),
        ],
        outputs=[tensor_spec("logits", "float32", ["batch", cfg.vocab_size])] + outputs,
        weights=weights,
        custom_opsets={fused_attention.DOMAIN: 1} if past else None,
        lossless=lossless,
    )
    entry["kv_cache"] = {
        "layout": PAST_CACHE if past else FIXED_CACHE,
        "layers": cfg.n_layer,
        "heads": cfg.n_head,
        "head_dim": cfg.head_dim,
        "capacity": capacity,
    }
    entry["vocab_size"] = cfg.vocab_size
    return entry


@dataclass
class PackInfo:
    id: str
    title: str
    description: str
    license: str
    provenance: Dict
    classes: Optional[List[str]] = None
    # False: the stage-1 GPT was trained without class dropout (the official models), so its
    # unconditional start token, and with it guidance, were never trained
    class_dropout: bool = True
    sampling: Dict = field(default_factory=dict)
    metrics: Dict = field(default_factory=dict)
    exemplars: Optional[Dict] = None  # the exemplar atlas' entry (digit/exemplars.py), if written
    examples: Optional[List[Dict]] = None  # example images' entries (digit/examples.py), if written
    class_images: Optional[Dict] = None  # one image per class for the class picker (digit/examples.py)


def export_pack(
    pipe: Pipeline,
    info: PackInfo,
    out_dir: str,
    weights: str = "fp32",
    wasm_steps: bool = True,
    lossless: bool = False,
) -> Dict:
    """Write every graph of `pipe` and pack.json into out_dir; returns the manifest.

    weights: "fp32", "fp16" (every graph but the quantizer, whose centroids must stay exact) or
    "int8" (the GPT matrices; the other graphs as under fp16).
    wasm_steps: also write each GPT as a step over the past keys/values (`stage1_wasm`,
    `stage2_wasm`), which the WASM backend runs instead of the fixed-capacity one; it repeats the
    GPT's weights. lossless: float16 storage leaves in float32 whatever it would round (for
    fp16-exact weights, the tables the export computes from them)."""
    os.makedirs(out_dir, exist_ok=True)
    other = "fp32" if weights == "fp32" else "fp16"
    enc_cfg = pipe.encoder.cfg
    n, size, ch = pipe.n_tokens, enc_cfg.input_size, enc_cfg.in_channels
    dim = enc_cfg.dim
    tokens_spec = tensor_spec("tokens", "int64", ["batch", n])
    image_out = tensor_spec("image", "float32", ["batch", ch, size, size])
    graphs = {
        "encoder": export_graph(
            pipe.encoder.with_positions_baked(),
            (torch.rand(1, ch, size, size),),
            os.path.join(out_dir, "encoder.onnx"),
            [tensor_spec("image", "float32", ["batch", ch, size, size])],
            [tensor_spec("features", "float32", ["batch", n, dim])],
            other,
            lossless=lossless,
        ),
        "quantizer": export_graph(
            NearestTwo(pipe.quantizer),
            (torch.randn(1, n, dim),),
            os.path.join(out_dir, "quantizer.onnx"),
            [tensor_spec("features", "float32", ["batch", n, dim])],
            [
                tokens_spec,
                tensor_spec("distance", "float32", ["batch", n]),
                tensor_spec("runner_up", "int64", ["batch", n]),
                tensor_spec("runner_up_distance", "float32", ["batch", n]),
            ],
        ),
    }
    gpts = [("stage1", pipe.stage1, n)]
    decoders = []
    example_tokens = torch.zeros(1, n, dtype=torch.long)
    if pipe.stage2 is not None and pipe.vq_decoder is not None:
        gpts.append(("stage2", pipe.stage2, 2 * n))
        graphs["vq_decoder"] = export_graph(
            pipe.vq_decoder,
            (example_tokens,),
            os.path.join(out_dir, "vq_decoder.onnx"),
            [tokens_spec],
            [image_out],
            other,
            lossless=lossless,
        )
        decoders.append("ar-vq")
    if pipe.direct_decoder is not None:
        graphs["direct_decoder"] = export_graph(
            pipe.direct_decoder,
            (example_tokens,),
            os.path.join(out_dir, "direct_decoder.onnx"),
            [tokens_spec],
            [image_out],
            other,
            lossless=lossless,
        )
        decoders.append("direct")
    if pipe.vq_encoder is not None:
        graphs["vq_encoder"] = export_graph(
            pipe.vq_encoder,
            (torch.rand(1, ch, size, size),),
            os.path.join(out_dir, "vq_encoder.onnx"),
            [tensor_spec("image", "float32", ["batch", ch, size, size])],
            [tokens_spec],
            other,
            lossless=lossless,
        )
    if pipe.vq_stage1 is not None:
        gpts.append(("vq_stage1", pipe.vq_stage1, n))
    for name, gpt, capacity in gpts:
        graphs[name] = export_gpt(gpt, capacity, os.path.join(out_dir, f"{name}.onnx"), weights, lossless=lossless)
        if wasm_steps:
            graphs[f"{name}_wasm"] = export_gpt(
                gpt, capacity, os.path.join(out_dir, f"{name}_wasm.onnx"), weights, past=True, lossless=lossless
            )
    ids = pipe.ids
    manifest = {
        "format": "digit-pack",
        "format_version": FORMAT_VERSION,
        "id": info.id,
        "title": info.title,
        "description": info.description,
        "license": info.license,
        "provenance": info.provenance,
        "image": {"size": size, "channels": ch},
        "grid": {"h": pipe.grid, "w": pipe.grid},
        "codebook": {"size": ids.codebook_size, "dim": dim},
        "vq_codebook_size": ids.vq_codebook_size,
        "classes": info.classes,
        "tokens": {
            "n_special": ids.n_special,
            "bos": ids.bos,
            "separator": ids.separator,
            "stage1_code_offset": ids.n_special,
            "class_offset": ids.class_offset,
            "stage2_vq_offset": ids.n_special,
            "stage2_prefix_offset": ids.prefix_offset,
            **(
                # the baseline GPT's ids: stage 1's layout over the VQ codebook
                {
                    "vq_stage1_code_offset": ids.n_special,
                    "vq_stage1_class_offset": ids.n_special + ids.vq_codebook_size,
                }
                if pipe.vq_stage1 is not None
                else {}
            ),
        },
        "graphs": graphs,
        "decoders": decoders,
        "sampling": info.sampling,
        "metrics": info.metrics,
    }
    if info.classes and not info.class_dropout:
        manifest["class_dropout"] = False
    if info.exemplars:
        manifest["exemplars"] = info.exemplars
    if info.examples:
        manifest["examples"] = info.examples
    if info.class_images:
        manifest["class_images"] = info.class_images
    validate_pack(manifest)
    with open(os.path.join(out_dir, "pack.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest
