"""The converter against the official layout: checkpoints generated from the key lists read
from the official sources (convert/official_layout.json) convert with every key used exactly once,
the converted modules compute what an independent float64 forward written from the official code
computes, and the reader refuses code while reading fairseq's configs and metrics as data."""
import os
import pickle
import subprocess
import sys

import pytest
import torch
from agreement import (
    FLOAT_TOLERANCE,
    LOGIT_TOLERANCE,
    RELATIVE_TOLERANCE,
    assert_generations_agree,
    assert_pack_folders_agree,
)

from convert.checkpoint import UnsafeCheckpoint, load_checkpoint
from convert.gpt import load_gpt, n_classes
from convert.official_layout import HEADS, KINDS, LAYOUT, official_keys
from convert.official_reference import DinoV2Tokenizer, FairseqDecoder, MageVQDecoder
from convert.synthetic import TINY, TINY_OPTIONS, official_checkpoint, official_pair, save

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def written(tmp_path, conditional=True, config_style="omegaconf", seed=0):
    """A stage-1 and stage-2 file generated from the official layout: their paths."""
    one, two = official_pair(conditional, seed=seed, config_style=config_style)
    paths = str(tmp_path / f"stage1-{seed}.pt"), str(tmp_path / f"stage2-{seed}.pt")
    save(one, paths[0])
    save(two, paths[1])
    return paths


@pytest.mark.parametrize("style", ["dict", "omegaconf", "namespace"])
@pytest.mark.parametrize("conditional", [True, False])
def test_every_kind_and_config_style_converts_using_every_key_once(tmp_path, style, conditional):
    from convert_official import build_pipeline

    s1, s2 = written(tmp_path, conditional, style)
    pipe = build_pipeline(s1, s2, **TINY_OPTIONS, log=lambda _: None)  # KeyLedger: each key used or skipped once
    assert n_classes(pipe.stage1.cfg) == (TINY["classes"] if conditional else 0)
    assert pipe.encoder.cfg.feature_block == TINY["enc_depth"] - 3  # pretrained_enc_config.layer = 3
    assert (pipe.stage2.cfg.vocab_size, pipe.stage2.cfg.embed_rows) == (5 + 8, 5 + 8 + 5 + 16)  # untied head


def test_a_key_outside_the_official_layout_is_named(tmp_path):
    from convert_official import build_pipeline

    one, two = official_pair()
    one["model"]["decoder.layers.0.extra.weight"] = torch.zeros(1)
    s1, s2 = str(tmp_path / "s1.pt"), str(tmp_path / "s2.pt")
    save(one, s1)
    save(two, s2)
    with pytest.raises(ValueError, match=r"decoder.layers.0.extra.weight"):
        build_pipeline(s1, s2, **TINY_OPTIONS, log=lambda _: None)


@pytest.mark.parametrize("size", ["base", "large"])
def test_at_the_official_sizes_every_key_is_used_once(size, monkeypatch):
    """From shapes alone: the checkpoints' tensors are zero-strided views, the modules real (7 GB
    for large) but not randomly initialised first (the converter overwrites every weight)."""
    from convert_official import official_sampling, pipeline_from_checkpoints

    for init in ("kaiming_uniform_", "uniform_", "normal_", "trunc_normal_"):
        monkeypatch.setattr(torch.nn.init, init, lambda tensor, *args, **kwargs: tensor)

    sizes, heads = LAYOUT["sizes"][size], HEADS[size]
    checkpoints = []
    for kind in ("stage1_class_conditional", "stage2"):
        ckpt = official_checkpoint(kind, {**TINY, "enc_depth": 2}, heads=heads)  # the top level and config
        ckpt["cfg"]["model"].update(decoder_layers=sizes["gpt_layers"], decoder_embed_dim=sizes["gpt_dim"])
        ckpt["model"] = {key: torch.zeros(()).expand(shape) for key, shape in official_keys(kind, sizes)}
        checkpoints.append(ckpt)
    pipe = pipeline_from_checkpoints(checkpoints, ("stage1.pt", "stage2.pt"), log=lambda _: None)
    encoder_blocks, dim, codes = sizes["enc_depth"], sizes["gpt_dim"], sizes["codes"]
    assert (pipe.grid, pipe.encoder.cfg.feature_block, pipe.encoder.cfg.n_head) == (
        16,
        encoder_blocks - 3,
        heads["encoder"],
    )
    assert (pipe.stage1.cfg.n_layer, pipe.stage1.cfg.dim, n_classes(pipe.stage1.cfg)) == (
        sizes["gpt_layers"],
        dim,
        1000,
    )
    assert (pipe.stage2.cfg.vocab_size, pipe.stage2.cfg.embed_rows) == (1029, 1029 + 5 + codes)
    assert pipe.vq_decoder.codebook.num_embeddings == 1024
    assert official_sampling(True, codes, dim)["stage1"]["top_k"] == {"base": 300, "large": 400}[size]


@pytest.mark.parametrize("size, millions", [("base", 219), ("large", 732)])
def test_the_layout_gives_the_published_gpt_sizes(size, millions):
    """The official README's parameter counts (of the unconditional GPT, as for a linear probe):
    base's follows from its published config; large's from the widths it publishes and the depth
    and codebook size the layout infers."""
    import math

    keys = official_keys("stage1_unconditional", LAYOUT["sizes"][size])
    assert round(sum(math.prod(s) for k, s in keys if k.startswith("decoder.")) / 1e6) == millions


def test_the_layout_lists_the_official_base_model():
    keys = dict(official_keys("stage2"))
    assert keys["decoder.output_projection.weight"] == (1029, 1024)
    assert keys["decoder.embed_tokens.weight"] == (9226, 1024)
    assert keys["pretrained_encoder.pos_embed"] == (1, 1370, 768)
    assert (
        "vqgan.decoder.mid.block_1.conv1.weight" in keys and "vqgan.decoder.up.3.block.0.nin_shortcut.weight" in keys
    )
    assert set(KINDS) == {"stage1_unconditional", "stage1_class_conditional", "stage2"}


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


def test_lists_the_keys_that_do_not_match():
    model = official_checkpoint("stage1_class_conditional")["model"]
    model["decoder.layers.0.extra.weight"] = torch.zeros(1)
    del model["decoder.layers.1.fc2.bias"]
    with pytest.raises(
        ValueError,
        match=r"missing \['decoder.layers.1.fc2.bias'\], unexpected \['decoder.layers.0.extra.weight'\]",
    ):
        load_gpt(model, "decoder.", 2)


def test_says_what_a_non_checkpoint_is(tmp_path):
    path = tmp_path / "notes.pt"
    path.write_bytes(b"hello")
    with pytest.raises(ValueError, match="is not a torch checkpoint"):
        load_checkpoint(str(path))
    torch.save({"weights": torch.zeros(1)}, str(tmp_path / "other.pt"))
    with pytest.raises(ValueError, match="no 'model' state"):
        load_checkpoint(str(tmp_path / "other.pt"))


def test_the_reader_has_its_own_unpickler():
    from convert.checkpoint import RestrictedUnpickler

    assert RestrictedUnpickler is not pickle.Unpickler


@pytest.mark.parametrize("kind", KINDS)
def test_inspect_reports_each_kind(tmp_path, kind):
    from inspect_checkpoint import describe

    path = str(tmp_path / "file.pt")
    save(official_checkpoint(kind, config_style="omegaconf"), path)
    report = describe(path)
    assert f"k-means: {TINY['codes']} centroids of dimension {TINY['enc_dim']}" in report
    if kind == "stage2":
        assert "GPT (stage 2, DiGIT tokens -> VQ tokens): 2 layers x 16, 2 heads" in report
        assert "outputs 13 (5 specials + 8 VQ codes), prefix vocabulary 21" in report and "classes" not in report
    else:
        classes = TINY["classes"] if kind == "stage1_class_conditional" else 0
        assert f"GPT (stage 1): 2 layers x 16, 2 heads, FFN 24, post-LN, vocabulary 21, {classes} classes" in report


def test_the_tokenizer_computes_what_the_official_encoder_computes(tmp_path):
    from convert.encoder import encoder_from_checkpoint, quantizer_from_checkpoint

    model = official_checkpoint("stage1_class_conditional")["model"]
    encoder = encoder_from_checkpoint(model, feature_block=1, heads=2, input_size=32, encoder_size=28)
    reference = DinoV2Tokenizer(model, heads=2, layers_from_end=3, input_size=32, encoder_size=28)
    image = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        features, expected = encoder(image), reference.features(image)
        torch.testing.assert_close(features.double(), expected, atol=FLOAT_TOLERANCE, rtol=RELATIVE_TOLERANCE)
        tokens = quantizer_from_checkpoint(model)(features)[0]
    assert torch.equal(tokens, reference.tokens(expected))  # the fixed seed leaves no near ties
    with pytest.raises(ValueError, match="pass --encoder-heads"):
        encoder_from_checkpoint(model, feature_block=1)
    with pytest.raises(ValueError, match="pass --feature-block"):
        encoder_from_checkpoint(model, heads=2)


def test_the_vq_decoder_computes_what_the_official_decoder_computes():
    from convert.vqgan import vq_decoder_from_checkpoint

    model = official_checkpoint("stage2")["model"]
    codes = torch.randint(0, TINY["vq_codes"], (2, 4), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        got = vq_decoder_from_checkpoint(model, grid=2)(codes)
    # float32 against a float64 forward: within the project's stated tolerance for decoder output
    expected = MageVQDecoder(model)(codes)
    torch.testing.assert_close(got.double(), expected, atol=FLOAT_TOLERANCE, rtol=RELATIVE_TOLERANCE)


def test_stage1_and_stage2_checkpoints_convert_to_a_valid_pack_that_samples_like_the_official_forward(tmp_path):
    import json
    from dataclasses import replace

    from convert_official import build_pipeline
    from digit.export import PackInfo, export_pack
    from digit.pack_schema import validate_pack
    from digit.reference_samples import generation_case
    from digit.sampling import SamplingSettings

    s1, s2 = written(tmp_path)
    pipe = build_pipeline(s1, s2, **TINY_OPTIONS, log=lambda _: None)
    m1, m2 = load_checkpoint(s1)["model"], load_checkpoint(s2)["model"]
    official = replace(
        pipe,
        stage1=FairseqDecoder(m1, 2),
        stage2=FairseqDecoder(m2, 2, prefix_len=pipe.n_tokens),
        vq_decoder=MageVQDecoder(m2),
    )
    s = SamplingSettings(1.0, 0, 1.0, 2.0)
    converted_case, official_case = (generation_case(p, 1, 5, 2, s, s, "ar-vq") for p in (pipe, official))
    assert assert_generations_agree(converted_case, official_case) >= 1

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
    command = [sys.executable, "convert_official.py", s1, "--stage2", s2, "--out", str(tmp_path / "cli-pack")]
    options = ["--input-size", "32", "--encoder-size", "28", "--encoder-heads", "2"]
    out = subprocess.run(command + options, capture_output=True, text=True, cwd=TRAINING)
    assert out.returncode == 0, out.stderr
    assert (
        "stage 1: 2 layers x 16, 3 classes" in out.stdout and "stage 2: 2 layers x 16; VQGAN codebook 8" in out.stdout
    )
    cli = json.load(open(tmp_path / "cli-pack" / "pack.json"))
    validate_pack(cli)
    assert cli["graphs"]["stage1"]["weights"] == "fp16" and "weights" not in cli["graphs"]["quantizer"]
    assert cli["graphs"]["stage1"]["bytes"] < manifest["graphs"]["stage1"]["bytes"]
    assert cli["sampling"]["stage1"]["top_k"] == 16  # 300, the official value, capped at the toy codebook
    assert cli["sampling"]["stage2"]["top_p"] == 0.8
    assert {"stage1_wasm", "stage2_wasm"} <= set(cli["graphs"])
    assert cli["class_dropout"] is False  # the app then offers no guidance and no unconditional samples

    # fp16 storage is bit-exact for the official (fp16-trained) weights; the interpolated
    # position table the export computes from them stays float32
    import numpy as np
    import onnx
    from onnx import numpy_helper

    for graph in ("encoder.onnx", "stage1.onnx"):
        exact = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(tmp_path / "pack" / graph)).graph.initializer}
        stored = {
            t.name: numpy_helper.to_array(t) for t in onnx.load(str(tmp_path / "cli-pack" / graph)).graph.initializer
        }
        halves = [name for name in stored if name.endswith("_fp16")]
        assert halves and all(np.array_equal(stored[n].astype(np.float32), exact[n[: -len("_fp16")]]) for n in halves)
        kept = [n for n, a in stored.items() if a.dtype == np.float32 and a.ndim >= 2]
        assert graph == "stage1.onnx" or any(stored[n].shape == (1, 1 + 4, TINY["enc_dim"]) for n in kept)


def test_a_pack_past_the_webassembly_memory_is_written_for_webgpu_only(tmp_path, monkeypatch, capsys):
    """The large model's 6.5 GB of float32 weights cannot run on WASM: its WASM steps are left out."""
    import argparse
    import json

    import convert_official

    s1, s2 = written(tmp_path)
    monkeypatch.setattr(convert_official, "WASM_WEIGHT_BUDGET", 1000)  # bytes: the toy pack is past it
    options = dict(input_size=32, encoder_size=28, encoder_heads=2, feature_block=None, class_names=None)
    args = argparse.Namespace(
        stage1=s1, stage2=s2, out=str(tmp_path / "p"), id="t", weights="fp16", no_wasm_steps=False
    )
    convert_official.convert(argparse.Namespace(**vars(args), **options))
    assert "runs only on WebGPU and the WASM steps are left out" in capsys.readouterr().out
    graphs = json.load(open(tmp_path / "p" / "pack.json"))["graphs"]
    assert "stage1" in graphs and not any(name.endswith("_wasm") for name in graphs)


@pytest.mark.parametrize("conditional", [True, False])
def test_the_converted_gpts_give_the_independent_fairseq_forward_logits(tmp_path, conditional):
    from convert_official import build_pipeline

    s1, s2 = written(tmp_path, conditional)
    pipe = build_pipeline(s1, s2, **TINY_OPTIONS, log=lambda _: None)
    n = pipe.n_tokens
    checks = (
        (s1, pipe.stage1, 0, torch.randint(0, pipe.stage1.cfg.embed_rows, (2, n))),
        (s2, pipe.stage2, n, torch.randint(0, pipe.stage2.cfg.embed_rows, (2, 2 * n))),
    )
    for path, converted, prefix_len, tokens in checks:
        reference = FairseqDecoder(load_checkpoint(path)["model"], heads=2, prefix_len=prefix_len)
        with torch.no_grad():
            torch.testing.assert_close(
                converted(tokens).double(), reference.logits(tokens), atol=LOGIT_TOLERANCE, rtol=LOGIT_TOLERANCE
            )


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
    import zipfile

    path = str(tmp_path / "p2.pt")
    save(official_checkpoint("stage1_unconditional"), path)
    with zipfile.ZipFile(path) as z:
        assert b"__builtin__\nset" in z.read(next(n for n in z.namelist() if n.endswith("data.pkl")))
    ckpt = load_checkpoint(path)
    extra = ckpt["extra_state"]
    assert extra["metrics"]["loss"] == 2.5 and extra["metrics"]["counts"].tolist() == [0, 1, 2]
    assert extra["seen"] == {1, 2} and ckpt["a_key_from_a_newer_fairseq"] == {"note": "ignored"}


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


def run_script(*args):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=TRAINING)


def test_every_failure_is_one_line_and_a_non_zero_exit(tmp_path):
    s1, s2 = written(tmp_path)
    truncated, text, evil = tmp_path / "cut.pt", tmp_path / "notes.pt", tmp_path / "evil.pt"
    truncated.write_bytes(open(s1, "rb").read()[:5000])
    text.write_text("hello")
    torch.save({"model": {}, "cfg": os.system}, str(evil))
    names = tmp_path / "names.txt"
    names.write_text("one\ntwo\n")
    out = str(tmp_path / "pack")
    tiny = ["--input-size", "32", "--encoder-size", "28"]
    cases = [
        (["convert_official.py", str(tmp_path / "nope.pt"), "--stage2", s2, "--out", out], "nope.pt: no such file"),
        (["convert_official.py", str(truncated), "--stage2", s2, "--out", out], "looks truncated (5,000 bytes"),
        (["convert_official.py", str(text), "--stage2", s2, "--out", out], "is not a torch checkpoint"),
        (["convert_official.py", str(evil), "--stage2", s2, "--out", out], "refusing to load it"),
        (["convert_official.py", s2, "--stage2", s1, "--out", out], "is a stage-2 checkpoint: give the stage-1"),
        (["convert_official.py", s1, "--stage2", s1, "--out", out], "is not a stage-2 checkpoint"),
        (["convert_official.py", s1, "--stage2", s2, "--out", out, *tiny], "pass --encoder-heads"),
        (
            [
                "convert_official.py",
                s1,
                "--stage2",
                s2,
                "--out",
                out,
                *tiny,
                "--encoder-heads",
                "2",
                "--class-names",
                str(names),
            ],
            "names 2 classes; the checkpoint has 3",
        ),
        (["inspect_checkpoint.py", str(truncated)], "looks truncated"),
    ]
    for args, message in cases:
        result = run_script(*args)
        assert result.returncode != 0, args
        assert result.stderr.count("\n") == 1 and message in result.stderr, (args, result.stderr)


def test_a_stage_1_file_alone_is_refused_up_front():
    result = run_script("convert_official.py", "stage1.pt", "--out", "pack")
    assert result.returncode == 2 and "--stage2" in result.stderr and "Traceback" not in result.stderr
