"""Train one embedded default pack end to end, every stage resumable:

    /usr/bin/python3 training/make_pack.py fashion-mini [--until STAGE]

Stages, in order (each writes runs/<pack>/<stage>.pt and is skipped once that exists):
  ssl      self-supervised encoder (no labels)
"""
import argparse
import importlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from stages.common import Checkpoint, Log, setup_threads  # noqa: E402

STAGES = ["ssl"]


def run_dir(pack_id: str) -> str:
    path = os.path.join(HERE, "runs", pack_id)
    os.makedirs(path, exist_ok=True)
    return path


def stage_ssl(recipe, data, out):
    import torch
    from stages import ssl
    log = Log("ssl")
    encoder = ssl.train(recipe.ENCODER, recipe.SSL, data["train"][0], Checkpoint(out + ".ckpt"), log)
    torch.save({"encoder": encoder.state_dict(), "minutes": log.elapsed / 60}, out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pack", choices=["fashion-mini"])
    ap.add_argument("--until", choices=STAGES, default=STAGES[-1])
    args = ap.parse_args()
    setup_threads()
    recipe = importlib.import_module("packs." + args.pack.replace("-", "_"))
    data = recipe.load_data()
    runs = run_dir(recipe.ID)
    for stage in STAGES:
        out = os.path.join(runs, f"{stage}.pt")
        if os.path.exists(out):
            print(f"[{stage}] done already ({out})")
        else:
            globals()[f"stage_{stage}"](recipe, data, out)
        if stage == args.until:
            break


if __name__ == "__main__":
    main()
