"""Write the tiny random-weight fixture pack and its golden vectors.

    python3 training/make_fixture.py [--out public/models/fixture-tiny]

golden.json holds, for the TypeScript tests: RNG outputs, sampler cases, every graph's inputs and
outputs, and complete seeded generations (tokens, VQ tokens, final pixels) from the PyTorch
reference. example.png is the picture the tokenizer case uses.
"""
import json
import os
import random

import torch
import torch.nn.functional as F
from PIL import Image

from digit.export import PackInfo, export_pack
from digit.fixture import CLASSES, example_image, tiny_pipeline
from digit.reference_samples import generation_case, writer_options
from digit.pipeline import to_uint8
from digit.sampling import Rng, SamplingSettings, draw_token
from digit.vq_encoder import nearest_code
from evaluation.evaluate import class_log_likelihoods

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "public", "models", "fixture-tiny")


def flat(t: torch.Tensor) -> list:
    return t.reshape(-1).tolist()


def rng_cases():
    cases = []
    for seed in (0, 1, 123456789, 0xFFFFFFFF):
        rng = Rng(seed)
        u32 = [rng.next_u32() for _ in range(4)]
        cases.append({"seed": seed, "u32": u32, "uniform": [rng.uniform() for _ in range(4)]})
    return cases


def sampler_cases():
    """Random logits (with deliberate ties) under a spread of settings."""
    gen = random.Random(5)
    cases = []
    for i in range(40):
        logits = [round(gen.gauss(0, 2), 1) for _ in range(12)]
        uncond = [round(gen.gauss(0, 2), 1) for _ in range(12)]
        settings = SamplingSettings(
            temperature=gen.choice([0.0, 0.5, 1.0, 1.7]),
            top_k=gen.choice([0, 1, 3, 8]),
            top_p=gen.choice([1.0, 0.9, 0.5, 0.05]),
            guidance=gen.choice([1.0, 1.0, 2.5]),
        )
        lo, hi = gen.choice([(0, 12), (2, 10)])
        u = gen.random()
        token, margin = draw_token(logits, u, lo, hi, settings, uncond)
        cases.append(
            {
                "logits": logits,
                "uncond": uncond,
                "u": u,
                "lo": lo,
                "hi": hi,
                "settings": settings.__dict__,
                "expected": token,
                "margin": min(margin, 1e9),
            }
        )
    return cases


def gpt_case(gpt, prompt_len: int, tokens: torch.Tensor):
    """Full-sequence logits of the reference forward for a token sequence [B, T]."""
    with torch.no_grad():
        logits = gpt(tokens)
    return {"tokens": tokens.tolist(), "logits": flat(logits), "shape": list(logits.shape), "prompt_len": prompt_len}


def generation_cases(pipe):
    s2 = SamplingSettings(1.0, 0, 0.8, 1.0)
    return [
        generation_case(pipe, class_id, seed, batch, s1, s2, decoder, prefix)
        for class_id, seed, batch, s1, decoder, prefix in [
            (1, 7, 2, SamplingSettings(1.0, 8, 0.9, 1.0), "ar-vq", []),
            (None, 42, 1, SamplingSettings(1.0, 0, 1.0, 1.0), "direct", []),
            (2, 3, 2, SamplingSettings(0.8, 5, 1.0, 3.0), "ar-vq", []),
            (0, 11, 3, SamplingSettings(1.0, 0, 1.0, 2.0), "direct", [3, 1, 4, 1, 5, 9]),
        ]
    ]


def baseline_cases(pipe):
    """Generations of the paper's baseline: the GPT over VQ codes, then the VQ decoder."""
    s2 = SamplingSettings(1.0, 0, 0.8, 1.0)
    return [
        generation_case(pipe.baseline(), class_id, seed, batch, s1, s2, "vq-gpt")
        for class_id, seed, batch, s1 in [
            (0, 5, 2, SamplingSettings(1.0, 8, 1.0, 1.0)),
            (2, 9, 1, SamplingSettings(0.9, 0, 0.9, 2.0)),
        ]
    ]


def vq_encoder_case(pipe, image):
    """The example image's VQ codes; the writer checks that each cell's best code beats the
    runner-up by a margin float rounding cannot cross, so the codes compare exactly."""
    z, codes = nearest_code(pipe.vq_encoder.encoder(image).flatten(2).transpose(1, 2), pipe.vq_encoder.codebook)
    similarity = (z @ F.normalize(pipe.vq_encoder.codebook, dim=-1).t()).topk(2, dim=-1).values
    assert torch.equal(codes, pipe.vq_encoder(image)) and (similarity[..., 0] - similarity[..., 1]).min() > 1e-4
    return {"image": flat(image), "tokens": codes.tolist()}


def main():
    out = writer_options(__doc__.splitlines()[0], DEFAULT_OUT)
    pipe = tiny_pipeline(seed=0)
    info = PackInfo(
        id="fixture-tiny",
        title="Fixture (tiny, random weights)",
        description="Random weights with the official structure at toy sizes. For tests; its "
        "images are noise by design.",
        license="MIT",
        provenance={"data": "none (random weights)", "command": "python3 training/make_fixture.py"},
        classes=CLASSES,
        sampling={
            "stage1": {"temperature": 1.0, "top_k": 8, "top_p": 1.0, "guidance": 1.0},
            "stage2": {"temperature": 1.0, "top_k": 0, "top_p": 0.8},
        },
    )
    manifest = export_pack(pipe, info, out)

    image = example_image()
    Image.fromarray(to_uint8(image)[0].numpy()).save(os.path.join(out, "example.png"))
    with torch.no_grad():
        features = pipe.encoder(image)
        tokens, distance, runner_up, runner_up_distance = pipe.quantizer.nearest_two(features)
        batch_tokens = torch.stack([tokens[0], tokens[0].flip(0)])
        n = pipe.n_tokens
        ids = pipe.ids
        s1_tokens = torch.cat(
            [torch.tensor([[ids.class_offset + 1], [ids.bos]]), batch_tokens[:, : n - 1] + ids.n_special], 1
        )
        s2_tokens = torch.cat(
            [
                batch_tokens + ids.prefix_offset,
                torch.full((2, 1), ids.separator),
                (batch_tokens[:, : n - 1] * 2 + 1) + ids.n_special,
            ],
            1,
        )
        golden = {
            "rng": rng_cases(),
            "sampler": sampler_cases(),
            "encoder": {"image": flat(image), "features": flat(features)},
            "quantizer": {
                "tokens": tokens.tolist(),
                "distance": flat(distance),
                "runner_up": runner_up.tolist(),
                "runner_up_distance": flat(runner_up_distance),
            },
            "stage1": gpt_case(pipe.stage1, 1, s1_tokens),
            "stage2": gpt_case(pipe.stage2, n + 1, s2_tokens),
            "vq_decoder": {
                "tokens": (batch_tokens * 2 + 1).tolist(),
                "image": flat(pipe.vq_decoder(batch_tokens * 2 + 1)),
            },
            "direct_decoder": {"tokens": batch_tokens.tolist(), "image": flat(pipe.direct_decoder(batch_tokens))},
            "generation": generation_cases(pipe),
            "vq_encoder": vq_encoder_case(pipe, image),
            "vq_stage1": gpt_case(
                pipe.vq_stage1,
                1,
                torch.cat([torch.tensor([[ids.bos]]), (batch_tokens[:1, : n - 1] * 2 + 1) + ids.n_special], 1),
            ),
            "baseline_generation": baseline_cases(pipe),
            # the stage-1 GPT as a classifier: log p(grid | class) of the example's grid, every class
            "class_scores": {
                "tokens": tokens[0].tolist(),
                "log_likelihoods": class_log_likelihoods(pipe.stage1, ids, tokens, len(CLASSES))[0].tolist(),
            },
        }
    with open(os.path.join(out, "golden.json"), "w") as f:
        json.dump(golden, f)
    print(f"wrote {out}: " + ", ".join(f"{k} {g['bytes']} B" for k, g in manifest["graphs"].items()))


if __name__ == "__main__":
    main()
