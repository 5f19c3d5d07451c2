"""How many threads training uses: all cores, unless TRAIN_THREADS says otherwise (to run two
stages side by side). Import this before torch: BLAS thread pools read their variables when
torch loads."""
import os

if "TRAIN_THREADS" in os.environ:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(var, os.environ["TRAIN_THREADS"])


def setup():
    import torch

    torch.set_num_threads(int(os.environ.get("TRAIN_THREADS", os.cpu_count() or 1)))
