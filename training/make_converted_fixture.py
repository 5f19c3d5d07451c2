"""Write the converter's test packs: toy checkpoints in the official fairseq layout, converted
with fp16 and with int8 weights, and the answers the engine must give on them.

    /usr/bin/python3 training/make_converted_fixture.py [--out workers/engine/test]

converted-tiny/reference.json holds seeded generations whose GPT logits come from the
independent fairseq-semantics forward (convert/fairseq_reference.py), not from the GPT module
the converter builds; the TypeScript engine running the converted ONNX must match them.
converted-tiny-int8/ is the same checkpoints with int8 GPT matrices (close, not exact).
"""
import argparse
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from convert.checkpoint import load_checkpoint  # noqa: E402
from convert.fairseq_reference import FairseqDecoder  # noqa: E402
from convert.synthetic import tiny_official  # noqa: E402
from convert_official import SAMPLING, build_pipeline  # noqa: E402
from digit.export import PackInfo, export_pack  # noqa: E402
from digit.reference_samples import generation_case  # noqa: E402
from digit.sampling import SamplingSettings  # noqa: E402

DEFAULT_OUT = os.path.join(HERE, "..", "workers", "engine", "test")


def reference_pipeline(pipe, stage1_path: str, stage2_path: str):
    """The converted pipeline with both GPTs swapped for the independent forward."""
    from dataclasses import replace
    heads = pipe.stage1.cfg.n_head
    return replace(pipe, stage1=FairseqDecoder(load_checkpoint(stage1_path)["model"], heads),
                   stage2=FairseqDecoder(load_checkpoint(stage2_path)["model"], pipe.stage2.cfg.n_head,
                                         prefix_len=pipe.n_tokens))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    out = ap.parse_args().out
    tiny = tiny_official()
    with tempfile.TemporaryDirectory() as tmp:
        s1, s2 = tiny.write(tmp)
        pipe = build_pipeline(s1, s2, **tiny.convert_options, log=lambda _: None)
        reference = reference_pipeline(pipe, s1, s2)
    for weights in ("fp16", "int8"):
        name = "converted-tiny" + ("" if weights == "fp16" else "-" + weights)
        info = PackInfo(id=name, title=f"Converted toy checkpoints ({weights})",
                        description="Toy checkpoints in the official fairseq layout, converted. For tests.",
                        license="MIT", classes=list(tiny.classes), sampling=SAMPLING,
                        provenance={"data": "none (random weights)",
                                    "command": "python3 training/make_converted_fixture.py"})
        export_pack(pipe, info, os.path.join(out, name), weights)
    plain = SamplingSettings(1.0, 0, 1.0, 1.0)
    cases = [generation_case(reference, 1, 4, 2, plain, plain, "ar-vq"),
             generation_case(reference, 2, 9, 2, SamplingSettings(1.0, 0, 0.9, 2.5), plain, "ar-vq"),
             generation_case(reference, None, 17, 1, plain, SamplingSettings(0.8, 4, 1.0, 1.0), "ar-vq")]
    with open(os.path.join(out, "converted-tiny", "reference.json"), "w") as f:
        json.dump({"generation": cases}, f)
    print(f"wrote {out}/converted-tiny and converted-tiny-int8")


if __name__ == "__main__":
    main()
