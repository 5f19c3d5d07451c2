"""How many threads training uses: all cores, shared out among the processes torchrun started
on this machine, unless TRAIN_THREADS says otherwise (to run two stages side by side). Import
this before torch: BLAS thread pools read their variables when torch loads."""
import os

if "TRAIN_THREADS" in os.environ:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(var, os.environ["TRAIN_THREADS"])


def setup():
    import torch

    per_process = max(1, (os.cpu_count() or 1) // int(os.environ.get("LOCAL_WORLD_SIZE", "1")))
    torch.set_num_threads(int(os.environ.get("TRAIN_THREADS", per_process)))
