"""Training on several processes: PyTorch's DistributedDataParallel, launched by torchrun.

Started plainly (`python3 make_pack.py …`) there is one process and every helper here is the
identity. Started by `torchrun --nproc_per_node N make_pack.py …` (and `--nnodes` for several
machines), each process joins one process group (gloo on CPU, NCCL on CUDA) and trains on its
share of every global batch.

What keeps N processes the same training as one: every process draws the same *global* batch
and the same random choices for it (crops, class dropout) from generators seeded alike, then
keeps its share, the positions rank, rank + N, rank + 2N, … (the way DistributedSampler deals
out an epoch). DDP averages the shares' gradients, which for equal shares is the gradient of
the global batch; so the global batch, not the per-process batch, is what a recipe sets.
Only rank 0 writes checkpoints, stage outputs and logs.
"""
import datetime
import os
from contextlib import contextmanager

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel


def init():
    """Joins the process group when torchrun started this process with more than one."""
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not dist.is_initialized():
        if torch.cuda.is_available():
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        # Long: the other processes wait while rank 0 alone evaluates and exports the pack.
        timeout = datetime.timedelta(hours=6)
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo", timeout=timeout)


_alone = False  # rank 0 working by itself (see `alone`)


def world_size() -> int:
    return dist.get_world_size() if dist.is_initialized() and not _alone else 1


def rank() -> int:
    return dist.get_rank() if dist.is_initialized() and not _alone else 0


@contextmanager
def alone():
    """For work rank 0 does by itself while the others wait (evaluation and export): inside,
    every helper here acts as in a single process."""
    global _alone
    _alone = True
    try:
        yield
    finally:
        _alone = False


def is_main() -> bool:
    return rank() == 0


def device() -> torch.device:
    if torch.cuda.is_available():
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def barrier():
    if dist.is_initialized() and not _alone:
        dist.barrier()


def wrap(module: torch.nn.Module, unused_parameters: bool = False) -> torch.nn.Module:
    """The module to call in the training step: DDP around it when there are several processes.
    `unused_parameters`: the module has parameters no loss reaches (DDP must look for them)."""
    if world_size() == 1:
        return module
    return DistributedDataParallel(module, find_unused_parameters=unused_parameters)


def share(x: torch.Tensor) -> torch.Tensor:
    """This process's share of a global batch: rows rank, rank + N, rank + 2N, …"""
    n = world_size()
    if len(x) % n:
        raise ValueError(f"a global batch of {len(x)} does not split evenly over {n} processes")
    return x[rank() :: n]


def _all_gather(x: torch.Tensor) -> list:
    parts = [torch.empty_like(x) for _ in range(world_size())]
    dist.all_gather(parts, x)
    return parts


def unshare(x: torch.Tensor) -> torch.Tensor:
    """The global batch again from every process's share (no gradient): the inverse of share."""
    if world_size() == 1:
        return x
    parts = _all_gather(x.detach().contiguous().to(device()))
    return torch.stack(parts, 1).flatten(0, 1).to(x.device)


def gather_keeping_grad(x: torch.Tensor) -> torch.Tensor:
    """Every process's rows, in rank order, with this process's own rows still carrying their
    gradient (the others' are constants). A loss over the result, multiplied by the world size,
    gives after DDP's averaging the gradient a single process gets from the whole batch."""
    if world_size() == 1:
        return x
    parts = _all_gather(x.detach().contiguous().to(device()))
    parts[rank()] = x
    return torch.cat([p.to(x.device) for p in parts])


def mean(value: float) -> float:
    """A number averaged over processes (a loss over equal shares: the global batch's loss)."""
    if world_size() == 1:
        return value
    t = torch.tensor([value], dtype=torch.float64, device=device())
    dist.all_reduce(t)
    return t.item() / world_size()


def total(x: torch.Tensor) -> torch.Tensor:
    """A tensor summed over processes (counts, sums)."""
    if world_size() == 1:
        return x
    t = x.to(device())
    dist.all_reduce(t)
    return t.to(x.device)


def map_rows(fn, x: torch.Tensor):
    """fn over x's rows, each process doing one contiguous part, gathered back in order on every
    process (feature extraction, k-means assignment). fn may return a tensor or a tuple."""
    n = world_size()
    if n == 1 or len(x) < n:  # one process, or too few rows to share out: each does them all
        return fn(x)
    parts = torch.tensor_split(x, n)
    out = fn(parts[rank()])
    outs = out if isinstance(out, tuple) else (out,)
    longest = len(parts[0])
    gathered = []
    for y in outs:
        padded = torch.zeros((longest,) + tuple(y.shape[1:]), dtype=y.dtype, device=device())
        padded[: len(y)] = y.to(device())
        pieces = _all_gather(padded)
        gathered.append(torch.cat([p[: len(part)] for p, part in zip(pieces, parts)]).to(y.device))
    return tuple(gathered) if isinstance(out, tuple) else gathered[0]
