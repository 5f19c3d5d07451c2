"""k-means over patch features: the DiGIT codebook. Plain Lloyd iterations with k-means++
seeding, in torch (so it runs on a GPU when there is one)."""
import torch

from . import distributed
from .distributed import device


def sq_dist(x, c):
    return (x * x).sum(1, keepdim=True) - 2 * x @ c.t() + (c * c).sum(1)


def assign(x, c, batch: int = 65536):
    """Nearest centroid ids and squared distances, in chunks."""
    ids, dist = [], []
    for i in range(0, len(x), batch):
        d = sq_dist(x[i : i + batch], c)
        m = d.min(1)
        ids.append(m.indices)
        dist.append(m.values.clamp(min=0))
    return torch.cat(ids), torch.cat(dist)


def kmeans_pp(x, k: int, gen: torch.Generator):
    centroids = [x[torch.randint(len(x), (1,), generator=gen)].squeeze(0)]
    closest = sq_dist(x, centroids[0][None]).squeeze(1).clamp(min=0)
    for _ in range(1, k):
        pick = torch.multinomial(closest / closest.sum(), 1, generator=gen)
        centroids.append(x[pick].squeeze(0))
        closest = torch.minimum(closest, sq_dist(x, x[pick]).squeeze(1).clamp(min=0))
    return torch.stack(centroids)


def fit(x, k: int, iters: int = 25, seed: int = 0, init_sample: int = 20000):
    """x [M, D] -> centroids [K, D] (empty clusters are reseeded at the worst-fit points). Under
    torchrun each process assigns one part of x; every process ends with the same centroids."""
    gen = torch.Generator().manual_seed(seed)
    sub = x[torch.randperm(len(x), generator=gen)[:init_sample]]
    c = kmeans_pp(sub, k, gen)
    dev = device()
    x, c = x.to(dev), c.to(dev)
    for _ in range(iters):
        ids, dist = distributed.map_rows(lambda part: assign(part, c), x)
        sums = torch.zeros_like(c).index_add_(0, ids, x)
        counts = torch.bincount(ids, minlength=k).float()
        empty = counts == 0
        c = torch.where(empty[:, None], c, sums / counts.clamp(min=1)[:, None])
        if empty.any():
            c[empty] = x[dist.topk(int(empty.sum())).indices]
    return c.cpu()


def nmi(a, b) -> float:
    """Normalised mutual information of two integer labellings (arithmetic normalisation)."""
    joint = torch.zeros(int(a.max()) + 1, int(b.max()) + 1)
    joint.index_put_((a, b), torch.ones(len(a)), accumulate=True)
    p = joint / joint.sum()
    pa, pb = p.sum(1), p.sum(0)
    nz = p > 0
    mi = (p[nz] * (p[nz] / (pa[:, None] * pb[None, :])[nz]).log()).sum()
    ha = -(pa[pa > 0] * pa[pa > 0].log()).sum()
    hb = -(pb[pb > 0] * pb[pb > 0].log()).sum()
    return float(2 * mi / (ha + hb))
