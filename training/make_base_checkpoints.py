"""Write random-weight checkpoints at the official shapes, in the official fairseq layout: the
size, shape and timing check of the converter and the engine on a real-size pack (the real files
cannot be downloaded here). Base: about 1.2 GB (stage 1) and 1.4 GB (stage 2); large: about 4 GB
each (its sizes are partly inferred, see large_sizes in convert/official_layout.json). Not for CI.

    /usr/bin/python3 training/make_base_checkpoints.py --out ../digit-base [--size large]
    /usr/bin/python3 training/convert_official.py ../digit-base/stage1.pt --stage2 ../digit-base/stage2.pt \\
        --weights fp16 --out ../digit-base/pack
    npm run bench -- --pack ../digit-base/pack --pack-only --batches 1 --repeats 1

Keys and shapes from the official layout (convert/official_layout.json). Base: DINOv2 ViT-B/14
with 4 registers (12 blocks, the tokenizer keeps 0-9); K = 8192 centroids of width 768;
class-conditional stage-1 GPT of 16 layers x 1024, 16 heads, FFN 4096, post-LN, 1000 classes;
stage-2 GPT 16 x 1024, pre-LN, 256-token prefix; MAGE VQGAN decoder (codebook 1024 x 256,
channels 128 x (1, 1, 2, 2, 4), two resblocks per level). Large: ViT-L/14 (24 blocks x 1024),
K = 16384, GPTs of 24 layers x 1536 with 24 heads.
"""
import argparse
import os
import time

from convert.official_layout import HEADS, LAYOUT
from convert.synthetic import official_pair, save


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--size", choices=sorted(LAYOUT["sizes"]), default="base")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    start = time.time()
    one, two = official_pair(True, sizes=LAYOUT["sizes"][args.size], config_style="dict", heads=HEADS[args.size])
    save(one, os.path.join(args.out, "stage1.pt"))
    del one
    save(two, os.path.join(args.out, "stage2.pt"))
    sizes = ", ".join(
        f"{f} {os.path.getsize(os.path.join(args.out, f)) / 2 ** 20:.0f} MB" for f in ("stage1.pt", "stage2.pt")
    )
    print(f"wrote {args.out}: {sizes} in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
