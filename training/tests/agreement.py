"""What "the same result" means for floating-point output written on another machine.

Floats agree within a stated tolerance; integers and strings exactly. Sampled tokens agree
exactly up to the first draw whose recorded margin is within LOGIT_TOLERANCE (a different but
correct implementation may pick another token there, and the row diverges after it); decoded
pixels of a fully comparable row agree within one level (truncation to uint8 of values that
differ in the last bits). ONNX files agree in structure exactly and in weights within tolerance.
"""
import math

import numpy as np
import onnx
from onnx import numpy_helper

# Logits of two implementations of one graph differ by at most 4e-7 on the fixture (the engine
# against PyTorch); engine.parity.test.ts enforces 1e-5, so a margin above it settles a token.
LOGIT_TOLERANCE = 1e-5
FLOAT_TOLERANCE = 1e-4  # absolute, on values of order one (features, logits, decoder output)
RELATIVE_TOLERANCE = 1e-4
PIXEL_TOLERANCE = 1


def stable_length(*margin_rows) -> int:
    """How many leading draws every given margin row calls determined."""
    n = min(len(row) for row in margin_rows)
    for i in range(n):
        if min(row[i] for row in margin_rows) <= LOGIT_TOLERANCE:
            return i
    return n


def assert_values_agree(fresh, committed, where="") -> None:
    """Same structure; floats within tolerance, everything else exactly, but for two kinds of
    entry: a file's sha256 (of float data, so it may change) and seeded generations."""
    if isinstance(committed, dict):
        assert isinstance(fresh, dict) and fresh.keys() == committed.keys(), f"{where}: keys differ"
        for key in committed:
            if key == "sha256":
                continue
            if key == "generation":
                rows = [
                    assert_generations_agree(f, c, f"{where}/{key}[{i}]")
                    for i, (f, c) in enumerate(zip(fresh[key], committed[key], strict=True))
                ]
                total = sum(c["batch"] for c in committed[key])
                assert 2 * sum(rows) >= total, f"{where}: only {sum(rows)} of {total} rows were comparable"
                continue
            assert_values_agree(fresh[key], committed[key], f"{where}/{key}")
    elif isinstance(committed, list):
        assert isinstance(fresh, list) and len(fresh) == len(committed), f"{where}: lengths differ"
        if committed and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in committed):
            a, b = np.asarray(fresh, np.float64), np.asarray(committed, np.float64)
            if all(isinstance(v, int) for v in committed):
                assert np.array_equal(a, b), f"{where}: integers differ"
            else:
                assert np.allclose(
                    a, b, rtol=RELATIVE_TOLERANCE, atol=FLOAT_TOLERANCE
                ), f"{where}: differs by {np.abs(a - b).max():.3g}"
            return
        for i, (x, y) in enumerate(zip(fresh, committed)):
            assert_values_agree(x, y, f"{where}[{i}]")
    elif isinstance(committed, float):
        assert math.isclose(
            fresh, committed, rel_tol=RELATIVE_TOLERANCE, abs_tol=FLOAT_TOLERANCE
        ), f"{where}: {fresh} vs {committed}"
    else:
        assert fresh == committed, f"{where}: {fresh!r} vs {committed!r}"


def assert_generations_agree(fresh: dict, committed: dict, where="") -> int:
    """Two recordings of one seeded generation (digit.reference_samples). Returns how many
    rows were comparable to the end (every token determined, pixels within a level)."""
    settings = ("class_id", "seed", "batch", "decoder", "prefix", "stage1", "stage2")
    assert {k: fresh[k] for k in settings} == {k: committed[k] for k in settings}, where
    n_pixels = len(committed["pixels"]) // committed["batch"]
    whole_rows = 0
    for b in range(committed["batch"]):
        kept = len(committed["prefix"])
        n = kept + stable_length(fresh["margins"][b], committed["margins"][b])
        assert fresh["tokens"][b][:n] == committed["tokens"][b][:n], f"{where} row {b}: tokens differ"
        if n < len(committed["tokens"][b]):
            continue
        if committed["vq_tokens"] is not None:
            m = stable_length(fresh["vq_margins"][b], committed["vq_margins"][b])
            assert fresh["vq_tokens"][b][:m] == committed["vq_tokens"][b][:m], f"{where} row {b}: VQ tokens differ"
            if m < len(committed["vq_tokens"][b]):
                continue
        span = slice(b * n_pixels, (b + 1) * n_pixels)
        diff = np.abs(np.subtract(fresh["pixels"][span], committed["pixels"][span])).max()
        assert diff <= PIXEL_TOLERANCE, f"{where} row {b}: pixels differ by {diff}"
        whole_rows += 1
    return whole_rows


def assert_onnx_agree(fresh_path: str, committed_path: str) -> None:
    """Same graph (nodes, attributes, inputs, outputs) and weights within tolerance: float32
    relative 1e-4, float16 within two of its steps, integers (int8 weights) within one."""
    fresh, committed = onnx.load(fresh_path), onnx.load(committed_path)
    weights = {}
    for model in (fresh, committed):
        weights[id(model)] = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
        del model.graph.initializer[:]
    assert fresh.graph == committed.graph, f"{committed_path}: the graph structure changed"
    a, b = weights[id(fresh)], weights[id(committed)]
    assert a.keys() == b.keys(), f"{committed_path}: initializers differ"
    for name, old in b.items():
        new = a[name]
        assert new.dtype == old.dtype and new.shape == old.shape, f"{committed_path}: {name} changed shape"
        if old.dtype == np.float32:
            ok = np.allclose(new, old, rtol=RELATIVE_TOLERANCE, atol=FLOAT_TOLERANCE)
        elif old.dtype == np.float16:
            ok = np.allclose(new.astype(np.float32), old.astype(np.float32), rtol=2**-9, atol=2**-23)
        else:
            ok = np.abs(new.astype(np.int64) - old.astype(np.int64)).max(initial=0) <= 1
        assert ok, f"{committed_path}: {name} differs beyond tolerance"


def assert_pack_folders_agree(fresh_dir: str, committed_dir: str) -> None:
    """Every file of a freshly written pack folder against the committed one."""
    import json
    import os

    from PIL import Image

    for name in sorted(os.listdir(committed_dir)):
        fresh, committed = os.path.join(fresh_dir, name), os.path.join(committed_dir, name)
        if name.endswith(".onnx"):
            assert_onnx_agree(fresh, committed)
        elif name.endswith(".json"):
            with open(fresh) as f, open(committed) as g:
                assert_values_agree(json.load(f), json.load(g), name)
        elif name.endswith(".png"):
            a, b = (np.asarray(Image.open(p), np.int16) for p in (fresh, committed))
            assert a.shape == b.shape and np.abs(a - b).max() <= PIXEL_TOLERANCE, name
        elif name.endswith((".md", ".txt")):  # written text, no computed numbers: exactly
            with open(fresh) as f, open(committed) as g:
                assert f.read() == g.read(), f"{name} differs"
        else:
            raise AssertionError(f"{name}: no rule for comparing this kind of file")
