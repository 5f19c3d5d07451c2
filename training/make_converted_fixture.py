"""Write the converter's test packs: toy checkpoints in the official fairseq layout, converted
with fp16 and with int8 weights, and the answers the engine must give on them.

    /usr/bin/python3 training/make_converted_fixture.py [--out workers/engine/test]

converted-tiny/reference.json holds seeded generations whose GPT logits come from the
independent fairseq-semantics forward (convert/fairseq_reference.py), not from the GPT module
the converter builds; the TypeScript engine running the converted ONNX must match them.
converted-tiny-int8/ is the same checkpoints with int8 GPT matrices (close, not exact);
converted-tiny-uncond/ an unconditional stage 1 (no class rows), like base_8k_stage1.
"""
import json
import os
import tempfile

from convert.checkpoint import load_checkpoint
from convert.fairseq_reference import FairseqDecoder
from convert.synthetic import tiny_official
from convert_official import SAMPLING, build_pipeline
from digit.export import PackInfo, export_pack
from digit.reference_samples import generation_case, writer_options
from digit.sampling import SamplingSettings

HERE = os.path.dirname(os.path.abspath(__file__))

DEFAULT_OUT = os.path.join(HERE, "..", "workers", "engine", "test")


def reference_pipeline(pipe, stage1_path: str, stage2_path: str):
    """The converted pipeline with both GPTs swapped for the independent forward."""
    from dataclasses import replace

    heads = pipe.stage1.cfg.n_head
    return replace(
        pipe,
        stage1=FairseqDecoder(load_checkpoint(stage1_path)["model"], heads),
        stage2=FairseqDecoder(load_checkpoint(stage2_path)["model"], pipe.stage2.cfg.n_head, prefix_len=pipe.n_tokens),
    )


def converted(tiny, tmp: str):
    """The toy checkpoints written and converted: (pipeline, its independent reference)."""
    s1, s2 = tiny.write(tmp)
    pipe = build_pipeline(s1, s2, **tiny.convert_options, log=lambda _: None)
    return pipe, reference_pipeline(pipe, s1, s2)


def write_pack(pipe, classes, name: str, weights: str, out: str):
    info = PackInfo(
        id=name,
        title=f"Converted toy checkpoints ({name})",
        description="Toy checkpoints in the official fairseq layout, converted. For tests.",
        license="MIT",
        classes=list(classes) or None,
        sampling=SAMPLING,
        provenance={"data": "none (random weights)", "command": "python3 training/make_converted_fixture.py"},
    )
    export_pack(pipe, info, os.path.join(out, name), weights)


def write_reference(reference, cases, path: str):
    """cases: (class id or None, seed, batch, stage-1 settings, stage-2 settings)."""
    with open(path, "w") as f:
        json.dump(
            {
                "generation": [
                    generation_case(reference, c, seed, batch, s1, s2, "ar-vq") for c, seed, batch, s1, s2 in cases
                ]
            },
            f,
        )


def main():
    out = writer_options(__doc__.splitlines()[0], DEFAULT_OUT)
    plain = SamplingSettings(1.0, 0, 1.0, 1.0)
    with tempfile.TemporaryDirectory() as tmp:
        conditional = tiny_official()
        pipe, reference = converted(conditional, tmp)
        write_pack(pipe, conditional.classes, "converted-tiny", "fp16", out)
        write_pack(pipe, conditional.classes, "converted-tiny-int8", "int8", out)
        write_reference(
            reference,
            [
                (1, 4, 2, plain, plain),
                (2, 9, 2, SamplingSettings(1.0, 0, 0.9, 2.5), plain),
                (None, 17, 1, plain, SamplingSettings(0.8, 4, 1.0, 1.0)),
            ],
            os.path.join(out, "converted-tiny", "reference.json"),
        )
        unconditional = tiny_official(seed=3, conditional=False)
        pipe, reference = converted(unconditional, tmp)
        write_pack(pipe, (), "converted-tiny-uncond", "fp16", out)
        write_reference(
            reference,
            [(None, 5, 2, plain, plain), (None, 6, 1, SamplingSettings(1.0, 3, 1.0, 1.0), plain)],
            os.path.join(out, "converted-tiny-uncond", "reference.json"),
        )
    print(f"wrote {out}/converted-tiny, converted-tiny-int8 and converted-tiny-uncond")


if __name__ == "__main__":
    main()
