"""Write random-weight checkpoints at the official base shapes, in the official fairseq layout:
the size, shape and timing check of the converter and the engine on a real-size pack (the real
files cannot be downloaded here). About 1.3 GB (stage 1) and 1.6 GB (stage 2); not for CI.

    /usr/bin/python3 training/make_base_checkpoints.py --out ../digit-base
    /usr/bin/python3 training/convert_official.py ../digit-base/stage1.pt --stage2 ../digit-base/stage2.pt \\
        --weights fp16 --out ../digit-base/pack
    npm run bench -- --pack ../digit-base/pack --pack-only --batches 1 --repeats 1

Keys and shapes from the official layout (convert/official_layout.json): DINOv2 ViT-B/14 with 4 registers
(12 blocks, the tokenizer keeps 0-9); K = 8192 centroids of width 768; class-conditional
stage-1 GPT of 16 layers x 1024, 16 heads, FFN 4096, post-LN, 1000 classes; stage-2 GPT
16 x 1024, pre-LN, 256-token prefix; MAGE VQGAN decoder (codebook 1024 x 256, channels
128 x (1, 1, 2, 2, 4), two resblocks per level).
"""
import argparse
import os
import time

from convert.official_layout import BASE
from convert.synthetic import official_pair, save

HEADS = {"encoder": 12, "gpt": 16}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    out = ap.parse_args().out
    os.makedirs(out, exist_ok=True)
    start = time.time()
    one, two = official_pair(True, sizes=BASE, config_style="dict", heads=HEADS)
    save(one, os.path.join(out, "stage1.pt"))
    save(two, os.path.join(out, "stage2.pt"))
    sizes = ", ".join(
        f"{f} {os.path.getsize(os.path.join(out, f)) / 2 ** 20:.0f} MB" for f in ("stage1.pt", "stage2.pt")
    )
    print(f"wrote {out}: {sizes} in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
