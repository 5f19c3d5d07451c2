"""A small CNN trained on real labelled images: the judge for CAS (classification accuracy
score): how often it recognises the class a class-conditional sample was asked to be."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from common.distributed import device
from common.trainer import batches


def build(in_channels: int, n_classes: int) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(in_channels, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.LazyLinear(128),
        nn.ReLU(),
        nn.Linear(128, n_classes),
    )


def class_balanced(labels, weights, n_classes: int):
    """Per-image weights under which every class weighs the same, keeping the relative
    `weights` inside a class: what a judge of class-uniform samples should be trained and
    scored with when the real data's classes are uneven."""
    totals = torch.zeros(n_classes, dtype=weights.dtype).index_add_(0, labels, weights)
    return weights / totals[labels] / n_classes


@torch.enable_grad()
def train(images, labels, n_classes: int, steps: int = 800, batch: int = 128, seed: int = 0, weights=None):
    """`weights`: optional per-image sampling weights (shuffled epochs without)."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = build(images.shape[1], n_classes)
    model(images[:2])  # materialise the lazy layer
    model = model.to(device())
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = batches(len(images), batch, seed, weights=weights, gen=gen)
    for _ in range(steps):
        idx = next(order)
        loss = F.cross_entropy(model(images[idx].to(device())), labels[idx].to(device()))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.cpu().eval()


@torch.no_grad()
def predict(model, images):
    return torch.cat([model(images[i : i + 1000]).argmax(1) for i in range(0, len(images), 1000)])


def accuracy(model, images, labels, weights=None) -> float:
    """The (optionally weighted) share of images labelled right."""
    right = (predict(model, images) == labels).float()
    return right.mean().item() if weights is None else (right * weights).sum().item() / weights.sum().item()


def per_class_accuracy(model, images, labels, n_classes: int, weights=None) -> list:
    right = (predict(model, images) == labels).float()
    weights = torch.ones_like(right) if weights is None else weights
    hits = torch.zeros(n_classes).index_add_(0, labels, right * weights)
    totals = torch.zeros(n_classes).index_add_(0, labels, weights)
    return [round(h / t, 4) if t > 0 else None for h, t in zip(hits.tolist(), totals.tolist())]
