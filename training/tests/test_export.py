import copy
import os
import subprocess
import sys

import numpy as np
import onnx
import pytest
import torch
from agreement import assert_pack_folders_agree
from PIL import Image

from digit.examples import write_class_images
from digit.export import PackInfo, export_pack
from digit.fixture import tiny_pipeline
from digit.pack_schema import validate_pack

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
FIXTURE = os.path.join(ROOT, "public", "models", "fixture-tiny")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("pack")
    info = PackInfo(
        id="t",
        title="t",
        description="",
        license="MIT",
        provenance={"data": "none", "command": "test"},
        classes=["a", "b", "c"],
    )
    return out, export_pack(tiny_pipeline(), info, str(out))


def test_every_graph_is_valid_onnx_at_opset_17(exported):
    out, manifest = exported
    assert set(manifest["graphs"]) == {
        "encoder",
        "quantizer",
        "stage1",
        "stage2",
        "stage1_wasm",
        "stage2_wasm",
        "vq_decoder",
        "direct_decoder",
        "vq_encoder",
        "vq_stage1",
        "vq_stage1_wasm",
    }
    for name, entry in manifest["graphs"].items():
        model = onnx.load(os.path.join(out, entry["file"]))
        onnx.checker.check_model(model)
        assert model.opset_import[0].version == 17
        assert [i.name for i in model.graph.input] == [s["name"] for s in entry["inputs"]]
        assert [o.name for o in model.graph.output] == [s["name"] for s in entry["outputs"]]


def test_gpt_graphs_have_static_cache_shapes(exported):
    out, manifest = exported
    model = onnx.load(os.path.join(out, "stage1.onnx"))
    dims = [d.dim_value or d.dim_param for d in model.graph.input[2].type.tensor_type.shape.dim]
    assert dims == [2, "batch", 2, 16, 8]
    assert manifest["graphs"]["stage2"]["kv_cache"]["capacity"] == 32


def test_past_steps_take_any_number_of_past_and_new_tokens(exported):
    out, _ = exported
    model = onnx.load(os.path.join(out, "stage1_wasm.onnx"))
    shapes = [
        [d.dim_value or d.dim_param for d in v.type.tensor_type.shape.dim]
        for v in list(model.graph.input) + list(model.graph.output)
    ]
    assert shapes == [
        ["batch", "new"],
        [1],
        [2, "batch", 2, "past", 8],
        [2, "batch", 2, "past", 8],
        ["batch", 21],
        [2, "batch", "new", 16],
        [2, "batch", "new", 16],
    ]
    attention = [n for n in model.graph.node if n.op_type == "MultiHeadAttention"]
    assert len(attention) == 2 and all(n.domain == "com.microsoft" for n in attention)
    assert list(attention[0].input)[3:5] == ["", ""]  # no bias, no key padding mask


def test_encoder_graph_does_not_resize_positions(exported):
    out, _ = exported
    model = onnx.load(os.path.join(out, "encoder.onnx"))
    assert sum(n.op_type == "Resize" for n in model.graph.node) == 1  # the image resize only


def test_schema_names_the_bad_field(exported):
    _, manifest = exported
    bad = copy.deepcopy(manifest)
    bad["graphs"]["stage1"]["kv_cache"]["heads"] = "two"
    with pytest.raises(ValueError, match="graphs/stage1/kv_cache/heads"):
        validate_pack(bad)
    bad = copy.deepcopy(manifest)
    bad["format_version"] = 99
    with pytest.raises(ValueError, match="format_version"):
        validate_pack(bad)


def test_committed_fixture_is_what_make_fixture_writes(tmp_path):
    """The committed fixture pack and its golden vectors are what make_fixture.py writes today,
    here on two threads (another reduction order, as another CPU gives), within the tolerances
    of tests/agreement.py."""
    out = subprocess.run(
        [sys.executable, "make_fixture.py", "--out", str(tmp_path), "--threads", "2"],
        capture_output=True,
        text=True,
        cwd=os.path.join(ROOT, "training"),
    )
    assert out.returncode == 0, out.stderr
    assert sorted(os.listdir(tmp_path)) == sorted(os.listdir(FIXTURE))
    assert_pack_folders_agree(str(tmp_path), FIXTURE)


def test_a_graph_past_two_gigabytes_is_stored_smaller_or_refused(tmp_path, monkeypatch):
    """Past 2 GB of float32 weights (the large model's GPTs) the graph is exported to a scratch
    folder and saved as one file with fp16 weights; fp32 storage is refused, naming the fix."""
    from digit import export
    from digit.export import export_gpt

    monkeypatch.setattr(export, "MAX_FP32_WEIGHT_BYTES", 0)  # every graph counts as too big
    gpt = tiny_pipeline().stage1
    with pytest.raises(ValueError, match=r"do not fit one ONNX file \(2 GB\): store them as fp16"):
        export_gpt(gpt, 17, str(tmp_path / "fp32.onnx"))
    entry = export_gpt(gpt, 17, str(tmp_path / "stage1.onnx"), "fp16")
    assert entry["weights"] == "fp16" and sorted(os.listdir(tmp_path)) == ["stage1.onnx"]
    onnx.checker.check_model(onnx.load(str(tmp_path / "stage1.onnx")))


def test_class_images_hold_the_first_held_out_image_of_each_class_in_order(tmp_path):
    images = torch.rand(7, 3, 5, 5)
    labels = torch.tensor([2, 0, 1, 0, 2, 1, 1])
    entry = write_class_images(str(tmp_path), images, labels, 3)
    assert entry["tile"] == 5 and entry["file"] == "classes.png"
    sheet = torch.from_numpy(np.asarray(Image.open(tmp_path / "classes.png"))).permute(2, 0, 1)
    assert sheet.shape == (3, 5, 15)
    for c, first in enumerate([1, 2, 0]):
        expected = (images[first] * 255).round().to(torch.uint8)
        assert torch.equal(sheet[:, :, 5 * c : 5 * c + 5], expected)
    with pytest.raises(ValueError, match="class 3 has no held-out image"):
        write_class_images(str(tmp_path), images, labels, 4)
