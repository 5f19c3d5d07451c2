"""Write the converter's test packs: checkpoints generated from the official layout
(convert/official_layout.json) at toy sizes, converted with fp16 and with int8 weights, and the
answers the engine must give on them.

    /usr/bin/python3 training/make_converted_fixture.py [--out workers/engine/test]

converted-tiny/reference.json holds seeded generations and a tokenized picture computed by the
independent float64 forward of convert/official_reference.py (written from the official code,
not from the modules the converter builds); the TypeScript engine running the converted ONNX
must match them. converted-tiny-int8/ is the same checkpoints with int8 GPT matrices (close,
not exact); converted-tiny-uncond/ an unconditional stage 1 (no class rows), like base_8k_stage1.
"""
import json
import os
import tempfile
from dataclasses import replace

import torch

from convert.checkpoint import load_checkpoint
from convert.official_reference import DinoV2Tokenizer, FairseqDecoder, MageVQDecoder
from convert.synthetic import TINY_OPTIONS, official_pair, save
from convert_official import build_pipeline, official_sampling
from digit.export import PackInfo, export_pack
from digit.fixture import example_image
from digit.reference_samples import generation_case, rounded, writer_options
from digit.sampling import SamplingSettings

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "workers", "engine", "test")


def converted(conditional: bool, seed: int, tmp: str):
    """Toy official checkpoints written and converted: (pipeline, its independent reference,
    the reference tokenizer)."""
    one, two = official_pair(conditional, seed=seed)
    s1, s2 = os.path.join(tmp, f"stage1-{seed}.pt"), os.path.join(tmp, f"stage2-{seed}.pt")
    save(one, s1)
    save(two, s2)
    pipe = build_pipeline(s1, s2, **TINY_OPTIONS, log=lambda _: None)
    m1, m2 = load_checkpoint(s1)["model"], load_checkpoint(s2)["model"]
    heads = pipe.stage1.cfg.n_head
    reference = replace(
        pipe,
        stage1=FairseqDecoder(m1, heads),
        stage2=FairseqDecoder(m2, pipe.stage2.cfg.n_head, prefix_len=pipe.n_tokens),
        vq_decoder=MageVQDecoder(m2),
    )
    tokenizer = DinoV2Tokenizer(m1, TINY_OPTIONS["encoder_heads"], 3, TINY_OPTIONS["input_size"], 28)
    return pipe, reference, tokenizer


def tokenize_case(tokenizer: DinoV2Tokenizer) -> dict:
    """The example picture's tokens, and for each the distance gap to the runner-up centroid
    (how far the features may be off before the token could change)."""
    image = example_image()
    features = tokenizer.features(image)
    flat = features.reshape(-1, features.shape[-1])
    dist = (flat**2).sum(1, keepdim=True) - 2 * flat @ tokenizer.centroids + tokenizer.centroid_norm
    nearest = dist.topk(2, largest=False).values
    return {
        "image": image.reshape(-1).tolist(),
        "tokens": tokenizer.tokens(features)[0].tolist(),
        "distance_gaps": rounded([(nearest[:, 1] - nearest[:, 0]).tolist()])[0],
    }


def write_pack(pipe, classes: int, name: str, weights: str, out: str):
    info = PackInfo(
        id=name,
        title=f"Converted toy checkpoints ({name})",
        description="Checkpoints generated from the official layout at toy sizes, converted. For tests.",
        license="MIT",
        classes=[f"class {i}" for i in range(classes)] or None,
        class_dropout=False,
        sampling=official_sampling(classes > 0, pipe.ids.codebook_size, pipe.stage1.cfg.dim),
        provenance={"data": "none (random weights)", "command": "python3 training/make_converted_fixture.py"},
    )
    export_pack(pipe, info, os.path.join(out, name), weights, lossless=True)  # as convert_official.py does


def graph_cases(reference, first: dict) -> dict:
    """Whole-sequence logits of both GPTs and the VQ decoder's pixels (floats) for the tokens of
    the first generation, from the reference forward."""
    ids = reference.ids
    codes, vq = torch.tensor(first["tokens"]), torch.tensor(first["vq_tokens"])
    bos = ids.bos if first["class_id"] is None else ids.class_offset + first["class_id"]
    stage1 = torch.cat([torch.full((len(codes), 1), bos), codes[:, :-1] + ids.n_special], 1)
    stage2 = torch.cat([codes + ids.prefix_offset, torch.full((len(codes), 1), ids.separator), vq + ids.n_special], 1)
    with torch.no_grad():
        return {
            "stage1": {"tokens": stage1.tolist(), "logits": reference.stage1.logits(stage1).reshape(-1).tolist()},
            "stage2": {"tokens": stage2.tolist(), "logits": reference.stage2.logits(stage2).reshape(-1).tolist()},
            "vq_decoder": {"tokens": vq.tolist(), "image": reference.vq_decoder(vq).reshape(-1).tolist()},
        }


def write_reference(reference, tokenizer, cases, path: str):
    """cases: (class id or None, seed, batch, stage-1 settings, stage-2 settings)."""
    generations = [generation_case(reference, c, seed, batch, s1, s2, "ar-vq") for c, seed, batch, s1, s2 in cases]
    with open(path, "w") as f:
        json.dump(
            {
                "generation": generations,
                "tokenize": [tokenize_case(tokenizer)],
                **graph_cases(reference, generations[0]),
            },
            f,
        )


def main():
    out = writer_options(__doc__.splitlines()[0], DEFAULT_OUT)
    plain = SamplingSettings(1.0, 0, 1.0, 1.0)
    with tempfile.TemporaryDirectory() as tmp:
        pipe, reference, tokenizer = converted(True, 0, tmp)
        classes = pipe.stage1.cfg.embed_rows - pipe.stage1.cfg.vocab_size
        write_pack(pipe, classes, "converted-tiny", "fp16", out)
        write_pack(pipe, classes, "converted-tiny-int8", "int8", out)
        cases = [  # always a class and no guidance: the official models had no class dropout
            (1, 4, 2, plain, plain),
            (2, 9, 2, SamplingSettings(1.0, 0, 0.9, 1.0), plain),
            (0, 17, 1, plain, SamplingSettings(0.8, 4, 1.0, 1.0)),
        ]
        write_reference(reference, tokenizer, cases, os.path.join(out, "converted-tiny", "reference.json"))
        pipe, reference, tokenizer = converted(False, 3, tmp)
        write_pack(pipe, 0, "converted-tiny-uncond", "fp16", out)
        cases = [(None, 5, 2, plain, plain), (None, 6, 1, SamplingSettings(1.0, 3, 1.0, 1.0), plain)]
        write_reference(reference, tokenizer, cases, os.path.join(out, "converted-tiny-uncond", "reference.json"))
    print(f"wrote {out}/converted-tiny, converted-tiny-int8 and converted-tiny-uncond")


if __name__ == "__main__":
    main()
