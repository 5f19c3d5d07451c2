"""The checkpoint reader refuses code, reads fairseq configs as inert data, and the official
GPT layout loads into our GPT with identical logits."""
import os
import pickle
import subprocess
import sys

import pytest
import torch
from agreement import assert_generations_agree, assert_pack_folders_agree

from convert.checkpoint import UnsafeCheckpoint, load_checkpoint
from convert.gpt import attention_heads, load_gpt, n_classes
from convert.synthetic import save, stage1_checkpoint
from digit.gpt import GPT, GPTConfig

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tiny_stage1():
    torch.manual_seed(0)
    cfg = GPTConfig(
        vocab_size=5 + 16,
        embed_rows=5 + 16 + 3,
        n_layer=2,
        n_head=2,
        dim=16,
        ffn_dim=32,
        normalize_before=False,
        max_positions=1024,
    )
    return GPT(cfg).eval(), torch.randn(16, 8)


@pytest.mark.parametrize("style", ["dict", "omegaconf", "namespace"])
def test_stage1_gpt_round_trips_with_every_config_style(tmp_path, style):
    gpt, centroids = tiny_stage1()
    path = str(tmp_path / "stage1.pt")
    save(stage1_checkpoint(gpt, centroids, style), path)
    ckpt = load_checkpoint(path)
    heads = attention_heads(ckpt)
    assert heads == 2
    loaded = load_gpt(ckpt["model"], "decoder.", heads)
    assert n_classes(loaded.cfg) == 3 and loaded.cfg.n_layer == 2 and not loaded.cfg.normalize_before
    tokens = torch.randint(0, 21, (2, 9))
    with torch.no_grad():  # the same module and weights on the same machine: exact
        assert torch.equal(loaded(tokens), gpt(tokens))


def test_refuses_a_pickle_that_runs_code(tmp_path):
    marker = tmp_path / "ran"

    class Exploit:
        def __reduce__(self):
            return os.system, (f"touch {marker}",)

    path = str(tmp_path / "evil.pt")
    torch.save({"model": {"x": torch.zeros(1)}, "cfg": Exploit()}, path)
    with pytest.raises(UnsafeCheckpoint, match=r"asks for (posix|os)\.system"):
        load_checkpoint(path)
    assert not marker.exists()


def test_lists_the_keys_that_do_not_match(tmp_path):
    gpt, centroids = tiny_stage1()
    ckpt = stage1_checkpoint(gpt, centroids)
    ckpt["model"]["decoder.layers.0.extra.weight"] = torch.zeros(1)
    del ckpt["model"]["decoder.layers.1.fc2.bias"]
    with pytest.raises(
        ValueError,
        match=r"missing \['decoder.layers.1.fc2.bias'\], unexpected " r"\['decoder.layers.0.extra.weight'\]",
    ):
        load_gpt(ckpt["model"], "decoder.", 2)


def test_says_what_a_non_checkpoint_is(tmp_path):
    path = tmp_path / "notes.pt"
    path.write_bytes(b"hello")
    with pytest.raises(ValueError, match="not a readable torch checkpoint"):
        load_checkpoint(str(path))
    torch.save({"weights": torch.zeros(1)}, str(tmp_path / "other.pt"))
    with pytest.raises(ValueError, match="no 'model' state"):
        load_checkpoint(str(tmp_path / "other.pt"))


def test_the_reader_has_its_own_unpickler():
    from convert.checkpoint import RestrictedUnpickler

    assert RestrictedUnpickler is not pickle.Unpickler


def test_inspect_reports_the_gpt_and_centroids(tmp_path):
    from inspect_checkpoint import describe

    gpt, centroids = tiny_stage1()
    path = str(tmp_path / "stage1.pt")
    save(stage1_checkpoint(gpt, centroids, "omegaconf"), path)
    report = describe(path)
    assert "k-means: 16 centroids of dimension 8" in report
    assert "GPT (stage 1): 2 layers x 16, 2 heads, FFN 32, post-LN, vocabulary 21, 3 classes" in report


def test_encoder_and_quantizer_from_the_checkpoint_tokenize_like_the_originals(tmp_path):
    from convert.encoder import encoder_from_checkpoint, quantizer_from_checkpoint
    from digit.encoder import Encoder, EncoderConfig
    from digit.quantizer import Quantizer

    torch.manual_seed(1)
    full = Encoder(
        EncoderConfig(
            input_size=32, encoder_size=28, patch_size=4, dim=16, n_head=2, n_registers=2, feature_block=3, pos_grid=7
        )
    ).eval()
    gpt, _ = tiny_stage1()
    centroids = torch.randn(16, 16)
    path = str(tmp_path / "stage1.pt")
    save(stage1_checkpoint(gpt, centroids, encoder=full), path)
    model = load_checkpoint(path)["model"]
    encoder = encoder_from_checkpoint(model, feature_block=1, heads=2, input_size=32, encoder_size=28)
    quantizer = quantizer_from_checkpoint(model)
    image = torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        features = encoder(image)
        assert torch.allclose(features, full.truncated(1)(image), atol=1e-6)
        stored_norm = (centroids**2).sum(1) + 1e-3  # what the synthetic file stores
        # one quantizer computation over the same features: the same tokens, exactly
        assert torch.equal(quantizer(features)[0], Quantizer(centroids, stored_norm)(features)[0])
    with pytest.raises(ValueError, match="no preset head count for width 16"):
        encoder_from_checkpoint(model, feature_block=1)


def test_stage1_and_stage2_checkpoints_convert_to_a_valid_pack_that_samples_like_the_originals(tmp_path):
    import json

    from convert.synthetic import tiny_official
    from convert_official import build_pipeline
    from digit.export import PackInfo, export_pack
    from digit.pack_schema import validate_pack
    from digit.pipeline import Pipeline
    from digit.quantizer import Quantizer
    from digit.reference_samples import generation_case
    from digit.sampling import SamplingSettings

    tiny = tiny_official()
    centroids = tiny.centroids
    s1, s2 = tiny.write(str(tmp_path))

    pipe = build_pipeline(s1, s2, **tiny.convert_options, log=lambda _: None)
    original = Pipeline(
        ids=tiny.ids,
        grid=tiny.grid,
        encoder=tiny.encoder,
        quantizer=Quantizer(centroids, (centroids**2).sum(1) + 1e-3),
        stage1=tiny.stage1,
        stage2=tiny.stage2,
        vq_decoder=tiny.vq_decoder,
    )
    s = SamplingSettings(1.0, 0, 1.0, 2.0)
    converted_case, original_case = (generation_case(p, 1, 5, 2, s, s, "ar-vq") for p in (pipe, original))
    assert assert_generations_agree(converted_case, original_case) == 2

    manifest = export_pack(
        pipe,
        PackInfo(
            id="converted",
            title="t",
            description="d",
            license="MIT",
            provenance={"data": "synthetic", "command": "test"},
            classes=["a", "b", "c"],
        ),
        str(tmp_path / "pack"),
    )
    validate_pack(json.load(open(tmp_path / "pack" / "pack.json")))
    assert manifest["decoders"] == ["ar-vq"] and manifest["tokens"]["stage2_prefix_offset"] == 5 + 8 + 5

    # the same files through the command line
    out = subprocess.run(
        [
            sys.executable,
            "convert_official.py",
            s1,
            "--stage2",
            s2,
            "--weights",
            "fp16",
            "--out",
            str(tmp_path / "cli-pack"),
            "--input-size",
            "32",
            "--encoder-size",
            "28",
            "--encoder-heads",
            "2",
            "--feature-block",
            "1",
        ],
        capture_output=True,
        text=True,
        cwd=TRAINING,
    )
    assert out.returncode == 0, out.stderr
    assert (
        "stage 1: 2 layers x 16, 3 classes" in out.stdout and "stage 2: 1 layers x 16; VQGAN codebook 8" in out.stdout
    )
    validate_pack(json.load(open(tmp_path / "cli-pack" / "pack.json")))

    cli = json.load(open(tmp_path / "cli-pack" / "pack.json"))["graphs"]
    assert cli["stage1"]["weights"] == "fp16" and "weights" not in cli["quantizer"]
    assert cli["stage1"]["bytes"] < manifest["graphs"]["stage1"]["bytes"]


@pytest.mark.parametrize("conditional", [True, False])
def test_the_converted_gpts_give_the_independent_fairseq_forward_logits(tmp_path, conditional):
    from convert.fairseq_reference import FairseqDecoder
    from convert.synthetic import tiny_official
    from convert_official import build_pipeline

    tiny = tiny_official(conditional=conditional)
    s1, s2 = tiny.write(str(tmp_path))
    pipe = build_pipeline(s1, s2, **tiny.convert_options, log=lambda _: None)
    n = tiny.grid * tiny.grid
    assert n_classes(pipe.stage1.cfg) == len(tiny.classes)
    checks = (
        (s1, pipe.stage1, 0, torch.randint(0, pipe.ids.stage1_vocab + len(tiny.classes), (2, n))),
        (s2, pipe.stage2, n, torch.randint(0, pipe.ids.stage2_vocab, (2, 2 * n))),
    )
    for path, converted, prefix_len, tokens in checks:
        reference = FairseqDecoder(load_checkpoint(path)["model"], heads=2, prefix_len=prefix_len)
        with torch.no_grad():
            assert torch.allclose(converted(tokens), reference.logits(tokens), atol=1e-5)


@pytest.mark.parametrize("storage", ["fp16", "int8"])
def test_stored_weights_widen_back_to_the_originals(storage):
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    from digit.weight_storage import store_weights

    weight = (np.random.default_rng(0).standard_normal((8, 4)) * 0.1).astype(np.float32)
    bias = np.ones(4, np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["h"]), helper.make_node("Add", ["h", "b"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 8])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 4])],
        [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")],
    )
    model = store_weights(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), storage)
    onnx.checker.check_model(model)
    stored = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    assert np.array_equal(stored["b"], bias)  # 1-D: left as float32
    widen = model.graph.node[0]
    assert widen.output == ["w"]
    if storage == "fp16":
        assert widen.op_type == "Cast" and stored["w_fp16"].dtype == np.float16
        assert np.abs(stored["w_fp16"].astype(np.float32) - weight).max() <= np.abs(weight).max() * 2**-11
    else:
        assert widen.op_type == "DequantizeLinear" and stored["w_int8"].dtype == np.int8
        restored = stored["w_int8"].astype(np.float32) * stored["w_scale"]
        assert np.all(np.abs(restored - weight) <= stored["w_scale"] / 2 + 1e-7)
    with pytest.raises(ValueError, match="choose one of fp32, fp16, int8"):
        store_weights(model, "bf16")


def test_the_committed_converted_fixture_is_what_the_script_writes(tmp_path):
    """The engine's converted-pack test reads workers/engine/test/converted-tiny*: rerunning
    make_converted_fixture.py, here on two threads (another reduction order, as another CPU
    gives), must reproduce them within the tolerances of tests/agreement.py."""
    committed = os.path.join(TRAINING, "..", "workers", "engine", "test")
    out = subprocess.run(
        [sys.executable, "make_converted_fixture.py", "--out", str(tmp_path), "--threads", "2"],
        capture_output=True,
        text=True,
        cwd=TRAINING,
    )
    assert out.returncode == 0, out.stderr
    for pack in ("converted-tiny", "converted-tiny-int8", "converted-tiny-uncond"):
        assert sorted(os.listdir(tmp_path / pack)) == sorted(os.listdir(os.path.join(committed, pack)))
        assert_pack_folders_agree(str(tmp_path / pack), os.path.join(committed, pack))


def test_reads_protocol_2_builtins_and_numpy_data_outside_the_model(tmp_path):
    """fairseq pickles with protocol 2 (`__builtin__.set`) and keeps numpy metrics in extra_state."""
    import numpy as np

    gpt, centroids = tiny_stage1()
    ckpt = stage1_checkpoint(gpt, centroids)
    ckpt["extra_state"] = {"metrics": {"loss": np.float64(2.5), "counts": np.arange(3)}, "seen": {1, 2}}
    path = str(tmp_path / "p2.pt")
    torch.save(ckpt, path, pickle_protocol=2)
    import zipfile

    with zipfile.ZipFile(path) as z:
        assert b"__builtin__\nset" in z.read(next(n for n in z.namelist() if n.endswith("data.pkl")))
    extra = load_checkpoint(path)["extra_state"]
    assert extra["metrics"]["loss"] == 2.5 and extra["metrics"]["counts"].tolist() == [0, 1, 2]
    assert extra["seen"] == {1, 2}


@pytest.mark.parametrize("call", ["subprocess.Popen", "builtins.eval", "builtins.getattr", "numpy.load"])
def test_refuses_code_however_it_is_spelled(tmp_path, call):
    import zipfile

    module, name = call.rsplit(".", 1)
    module = "__builtin__" if module == "builtins" else module  # the protocol-2 spelling
    payload = b"\x80\x02c" + f"{module}\n{name}\n".encode() + b"X\x04\x00\x00\x00trueq\x00\x85q\x01Rq\x02."
    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", payload)
    with pytest.raises(UnsafeCheckpoint, match="refusing to load it"):
        load_checkpoint(str(path))
