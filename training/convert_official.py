"""Convert official DiGIT checkpoints (fairseq .pt) into a pack the app runs:

    /usr/bin/python3 training/convert_official.py STAGE1.pt --stage2 STAGE2.pt --out public/models/digit-base \\
        [--id digit-base] [--class-names names.txt] [--weights fp32|fp16|int8]

Read safely (no fairseq, no pickled code). The stage-1 file gives the DINOv2 tokenizer (cut at
DiGIT's feature block), the k-means centroids and the stage-1 GPT; the stage-2 file gives the
stage-2 GPT and the MAGE VQGAN decoder, the pack's only way to pixels, so both are needed.
--weights fp16 (the default) halves the download and is lossless for the official files, which
were trained in fp16; it also keeps the large model's GPT under the 2 GB ONNX file limit. int8
quarters the GPT matrices (approximate). The arithmetic stays float32 either way.
"""
import argparse
import sys

import torch

from convert.checkpoint import UnsafeCheckpoint, load_checkpoint
from convert.encoder import encoder_from_checkpoint, layers_from_end, quantizer_from_checkpoint
from convert.gpt import attention_heads, load_gpt, n_classes
from convert.official_layout import LARGE
from convert.vqgan import vq_decoder_from_checkpoint
from convert.weights import KeyLedger
from digit.export import PackInfo, export_pack
from digit.pipeline import Pipeline, TokenIds
from digit.weight_storage import STORAGES

# What the app lets WebAssembly hold (workers/engine/sessions.ts): past it a pack runs on WebGPU only.
WASM_WEIGHT_BUDGET = 3.5 * 2**30


def official_sampling(conditional: bool, codes: int, width: int) -> dict:
    """The official sampling settings: stage 1 T 1.0 with top-k 300 (class-conditional) or 200
    (unconditional) for base and 400 for large (the README's advice; width 1536), at most the
    codebook size, stage 2 T 1.0 with top-p 0.8. No guidance: the official models were trained
    without class dropout, so their unconditional start token means nothing."""
    top_k = 400 if width >= LARGE["gpt_dim"] else 300 if conditional else 200
    return {
        "decoder": "ar-vq",
        "stage1": {"temperature": 1.0, "top_k": min(top_k, codes), "top_p": 1.0, "guidance": 1.0},
        "stage2": {"temperature": 1.0, "top_k": 0, "top_p": 0.8},
    }


def build_pipeline(
    stage1_path: str,
    stage2_path: str,
    input_size: int = 256,
    encoder_size: int = 224,
    encoder_heads: int = None,
    feature_block: int = None,
    log=print,
) -> Pipeline:
    """Every key of each file is used once or skipped on purpose (KeyLedger), or this fails."""
    files = (load_checkpoint(stage1_path), load_checkpoint(stage2_path)), (stage1_path, stage2_path)
    return pipeline_from_checkpoints(*files, input_size, encoder_size, encoder_heads, feature_block, log)


def pipeline_from_checkpoints(
    checkpoints, names, input_size=256, encoder_size=224, encoder_heads=None, feature_block=None, log=print
) -> Pipeline:
    """build_pipeline on the two files' contents (load_checkpoint's dicts); names: their paths."""
    one, two = checkpoints
    if "decoder.embed_positions_1.weight" in one["model"]:
        raise ValueError(f"{names[0]} is a stage-2 checkpoint: give the stage-1 file first and this one with --stage2")
    if "vqgan.quantize.embedding.weight" not in two["model"]:
        raise ValueError(f"{names[1]} is not a stage-2 checkpoint (it has no VQGAN): --stage2 takes the stage-2 file")
    ledger = KeyLedger(one["model"], names[0])
    encoder = encoder_from_checkpoint(
        one["model"], feature_block, encoder_heads, layers_from_end(one), input_size, encoder_size, ledger
    )
    grid = encoder_size // encoder.cfg.patch_size
    quantizer = quantizer_from_checkpoint(one["model"], ledger)
    stage1 = load_gpt(one["model"], "decoder.", attention_heads(one), ledger=ledger)
    ledger.check_complete()
    log(
        f"stage 1: {stage1.cfg.n_layer} layers x {stage1.cfg.dim}, {n_classes(stage1.cfg)} classes; "
        f"encoder: {len(encoder.blocks)} DINOv2 blocks x {encoder.cfg.dim}, grid {grid}x{grid}; "
        f"K = {quantizer.centroids.shape[0]}"
    )
    ids = TokenIds(codebook_size=quantizer.centroids.shape[0])
    if stage1.cfg.vocab_size != ids.stage1_vocab:
        raise ValueError(f"stage-1 vocabulary {stage1.cfg.vocab_size} is not 5 specials + {ids.codebook_size} codes")
    ledger = KeyLedger(two["model"], names[1])
    stage2 = load_gpt(two["model"], "decoder.", attention_heads(two), prefix_len=grid * grid, ledger=ledger)
    vq_decoder = vq_decoder_from_checkpoint(two["model"], grid, ledger)
    copies = [k for k in two["model"] if k.startswith("pretrained_encoder.") or k.startswith("centroid")]
    ledger.take(copies, "skipped: the stage-1 file's encoder and centroids are used")
    ledger.check_complete()
    ids = TokenIds(codebook_size=ids.codebook_size, vq_codebook_size=vq_decoder.codebook.num_embeddings)
    log(f"stage 2: {stage2.cfg.n_layer} layers x {stage2.cfg.dim}; VQGAN codebook {ids.vq_codebook_size}")
    if stage2.cfg.vocab_size != ids.n_special + ids.vq_codebook_size or stage2.cfg.embed_rows != ids.stage2_vocab:
        raise ValueError(
            f"stage-2 vocabulary: {stage2.cfg.embed_rows} input rows and {stage2.cfg.vocab_size} outputs, "
            f"expected {ids.stage2_vocab} (specials, {ids.vq_codebook_size} VQ codes, specials, "
            f"{ids.codebook_size} DiGIT codes) and {ids.n_special + ids.vq_codebook_size}: "
            "are the two files from the same DiGIT model?"
        )
    return Pipeline(
        ids=ids, grid=grid, encoder=encoder, quantizer=quantizer, stage1=stage1, stage2=stage2, vq_decoder=vq_decoder
    )


def not_fp16_exact(pipe: Pipeline) -> list:
    """Names of the weight matrices that fp16 storage would round."""
    modules = {"encoder": pipe.encoder, "stage1": pipe.stage1, "stage2": pipe.stage2, "vq_decoder": pipe.vq_decoder}
    return [
        f"{name}.{key}"
        for name, module in modules.items()
        if module is not None
        for key, w in module.state_dict().items()
        if w.is_floating_point() and w.dim() >= 2 and not torch.equal(w.half().float(), w)
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stage1")
    ap.add_argument("--stage2", required=True, help="the stage-2 checkpoint (it holds the VQGAN decoder)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--id", default="digit-official")
    ap.add_argument("--class-names", help="a text file, one class name per line")
    ap.add_argument(
        "--weights",
        choices=STORAGES,
        default="fp16",
        help="how weight matrices are stored: fp16 (default; lossless for the official files), "
        "fp32, or int8 for the GPT matrices",
    )
    ap.add_argument(
        "--no-wasm-steps",
        action="store_true",
        help="leave out the GPTs' past-keys steps that the WASM backend runs (faster there: a "
        "prompt in one run, fewer bytes per step); the folder is then about 45%% smaller and "
        "WASM runs the fixed-capacity steps",
    )
    ap.add_argument("--encoder-heads", type=int, help="override the DINOv2 head-count preset")
    ap.add_argument("--feature-block", type=int, help="override DiGIT's feature block (base 9, large 21)")
    ap.add_argument("--input-size", type=int, default=256)
    ap.add_argument("--encoder-size", type=int, default=224)
    args = ap.parse_args()
    try:
        convert(args)
    except (ValueError, OSError, UnsafeCheckpoint) as e:  # what is wrong and what to do, in one line
        sys.exit(f"convert_official.py: {e}")


def convert(args):
    pipe = build_pipeline(
        args.stage1, args.stage2, args.input_size, args.encoder_size, args.encoder_heads, args.feature_block
    )
    count = n_classes(pipe.stage1.cfg)
    names = [f"class {i}" for i in range(count)]
    if args.class_names:
        with open(args.class_names) as f:
            names = [line.strip() for line in f if line.strip()]
        if len(names) != count:
            raise ValueError(f"{args.class_names} names {len(names)} classes; the checkpoint has {count}")
    info = PackInfo(
        id=args.id,
        title=f"DiGIT (official weights, {args.id})",
        description="The official DiGIT checkpoints, converted by training/convert_official.py.",
        license="MIT (official DiGIT weights)",
        provenance={
            "data": "official DiGIT checkpoints",
            "command": "python3 training/convert_official.py " + " ".join(sys.argv[1:]),
        },
        classes=names or None,
        class_dropout=False,
        sampling=official_sampling(count > 0, pipe.ids.codebook_size, pipe.stage1.cfg.dim),
    )
    inexact = not_fp16_exact(pipe) if args.weights != "fp32" else []
    if args.weights != "fp32":
        print(
            "every weight is exactly representable in fp16 (tables computed from them stay fp32)"
            if not inexact
            else f"{len(inexact)} weight tensors are not exact in fp16 (e.g. {inexact[0]}): "
            "--weights fp32 keeps them exact"
        )
    wasm_steps = not args.no_wasm_steps
    modules = (pipe.encoder, pipe.quantizer, pipe.stage1, pipe.stage2, pipe.vq_decoder)
    float32_bytes = 4 * sum(p.numel() for m in modules for p in m.parameters())
    if wasm_steps and float32_bytes > WASM_WEIGHT_BUDGET:
        print(
            f"{float32_bytes / 2 ** 30:.1f} GB of float32 weights: more than WebAssembly's memory holds, so this pack "
            "runs only on WebGPU and the WASM steps are left out"
        )
        wasm_steps = False
    manifest = export_pack(pipe, info, args.out, args.weights, wasm_steps=wasm_steps, lossless=not inexact)
    sizes = ", ".join(f"{name} {g['bytes'] / 2 ** 20:.1f} MB" for name, g in manifest["graphs"].items())
    total = sum(g["bytes"] for g in manifest["graphs"].values())
    print(f"wrote {args.out} ({args.weights} weights, {total / 2 ** 20:.1f} MB): {sizes}")


if __name__ == "__main__":
    main()
