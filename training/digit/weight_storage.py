"""Smaller weight files for big packs: store an exported graph's large float32 weights as
float16 (every graph) or int8 with one scale per output column (GPT matrices), and let the
graph widen them back to float32 when the session is created.

The arithmetic stays float32, so a pack stored this way runs on WASM and on WebGPU adapters
without `shader-f16`; only the download and the browser's cache shrink (about 2x and 4x).
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

STORAGES = ("fp32", "fp16", "int8")


def _consumers(graph: onnx.GraphProto) -> dict:
    """initializer name -> [(op_type, input index), ...] of the nodes that read it."""
    uses = {}
    for node in graph.node:
        for i, name in enumerate(node.input):
            uses.setdefault(name, []).append((node.op_type, i))
    return uses


def _is_matmul_weight(uses) -> bool:
    return bool(uses) and all(op == "MatMul" and i == 1 for op, i in uses)


def _widen_to_fp32(name: str, array: np.ndarray):
    stored = numpy_helper.from_array(array.astype(np.float16), name + "_fp16")
    return [stored], helper.make_node("Cast", [stored.name], [name], to=TensorProto.FLOAT)


def _dequantize_columns(name: str, array: np.ndarray):
    """Symmetric int8 per output column of a [in, out] MatMul weight."""
    scale = np.abs(array).max(axis=0) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(array / scale), -127, 127).astype(np.int8)
    tensors = [
        numpy_helper.from_array(q, name + "_int8"),
        numpy_helper.from_array(scale.astype(np.float32), name + "_scale"),
        numpy_helper.from_array(np.zeros(array.shape[1], np.int8), name + "_zero"),
    ]
    node = helper.make_node("DequantizeLinear", [t.name for t in tensors], [name], axis=1)
    return tensors, node


def store_weights(model: onnx.ModelProto, storage: str, lossless: bool = False) -> onnx.ModelProto:
    """Rewrite `model` in place so its float32 weight matrices and kernels (2-D and up) are
    stored as `storage`. int8 applies to 2-D weights that only feed MatMul (the GPT linears); the
    other matrices go to float16 under both fp16 and int8. lossless: leave in float32 any matrix
    that float16 would round (for weights that are all fp16-exact, that is only what the export
    computed from them, such as an interpolated position table)."""
    if storage not in STORAGES:
        raise ValueError(f"weight storage {storage!r}: choose one of {', '.join(STORAGES)}")
    if storage == "fp32":
        return model
    graph = model.graph
    uses = _consumers(graph)
    kept, widening = [], []
    for init in graph.initializer:
        array = numpy_helper.to_array(init)
        if init.data_type != TensorProto.FLOAT or array.ndim < 2:  # biases and norms: too small to matter
            kept.append(init)
            continue
        if storage == "int8" and array.ndim == 2 and _is_matmul_weight(uses.get(init.name)):
            tensors, node = _dequantize_columns(init.name, array)
        elif lossless and not np.array_equal(array.astype(np.float16).astype(np.float32), array):
            kept.append(init)
            continue
        else:
            tensors, node = _widen_to_fp32(init.name, array)
        kept.extend(tensors)
        widening.append(node)
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = widening + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    return model
