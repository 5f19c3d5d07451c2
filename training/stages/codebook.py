"""The `codebook` stage: which encoder block to cluster, how many centroids, and the k-means fit.

Chosen by measurement on the training split only (labels are used to *measure*, never to
train): for each candidate block, the linear-probe accuracy of its mean-pooled patch features
on a held-out part of the training split; for each candidate K at the chosen block, the
normalised mutual information between an image's class and its patch tokens, and the relative
quantisation error. K is the smallest whose NMI is within `nmi_slack` of the best. Where the
`tokenizers` stage ran, its choice (by what a short GPT run does with each tokenizer) is fitted
instead, and this one is kept in the report beside it.
"""
import os
from dataclasses import dataclass

import torch

from digit.encoder import Encoder

from common import kmeans
from common.features import linear_probe, patch_features


@dataclass
class CodebookConfig:
    blocks: tuple = (1, 2, 3)
    sizes: tuple = (128, 256, 512)
    nmi_slack: float = 0.01
    probe_images: int = 12000  # per measurement, at most: 5/6 to fit, 1/6 to test
    fit_vectors: int = 150000  # patch vectors the final k-means sees
    seed: int = 0


def select_and_fit(encoder: Encoder, images, labels, n_classes: int, cfg: CodebookConfig, log, choice=None):
    """Measures every candidate block and K, picks by probe and NMI, and fits the k-means of the
    pick, or of `choice` (block, K) when the `tokenizers` stage chose by what a GPT does."""
    gen = torch.Generator().manual_seed(cfg.seed)
    pick = torch.randperm(len(images), generator=gen)[: cfg.probe_images]
    x, y = images[pick], labels[pick]
    split = len(x) * 5 // 6  # the data may hold fewer than probe_images
    report = {"blocks": {}, "sizes": {}}
    feats = {}
    for block in cfg.blocks:
        feats[block] = patch_features(encoder.truncated(block), x)
        pooled = feats[block].mean(1)
        acc = linear_probe(pooled[:split], y[:split], pooled[split:], y[split:], n_classes)
        report["blocks"][block] = {"probe": round(acc, 4)}
        log(f"block {block}: probe of pooled patch features {acc:.4f}")
    block = max(cfg.blocks, key=lambda b: report["blocks"][b]["probe"])
    f = feats[block]
    vectors = f.reshape(-1, f.shape[-1])
    total_var = ((vectors - vectors.mean(0)) ** 2).sum(1).mean()
    patch_labels = y.repeat_interleave(f.shape[1])
    for k in cfg.sizes:
        c = kmeans.fit(vectors[torch.randperm(len(vectors), generator=gen)[:60000]], k, iters=15, seed=cfg.seed)
        ids, dist = kmeans.assign(vectors, c)
        report["sizes"][k] = {
            "nmi": round(kmeans.nmi(ids, patch_labels), 4),
            "relative_error": round(float(dist.mean() / total_var), 4),
        }
        log(f"block {block}, K {k}: {report['sizes'][k]}")
    best = max(r["nmi"] for r in report["sizes"].values())
    size = min(k for k, r in report["sizes"].items() if r["nmi"] >= best - cfg.nmi_slack)
    report["probe_and_nmi_choice"] = (block, size)
    if choice is not None:
        block, size = choice
    report["chosen_by"] = "generator study" if choice is not None else "probe and NMI"
    log(f"chose block {block}, K {size} (by {report['chosen_by']})")
    all_feats = patch_features(
        encoder.truncated(block),
        images[torch.randperm(len(images), generator=gen)[: cfg.fit_vectors // f.shape[1] + 1]],
    )
    centroids = kmeans.fit(all_feats.reshape(-1, f.shape[-1]), size, iters=25, seed=cfg.seed)
    return block, centroids, report


def tokenize(encoder: Encoder, centroids, images):
    """images -> DiGIT codes [N, P] with the encoder already cut at the feature block."""
    feats = patch_features(encoder, images)
    ids, _ = kmeans.assign(feats.reshape(-1, feats.shape[-1]), centroids)
    return ids.reshape(feats.shape[0], feats.shape[1])


def run_stage(run, log):
    images, labels = run.data["train"]
    encoder = run.encoder(cut=False)
    study = run.load("tokenizers") if os.path.exists(run.path("tokenizers")) else None
    block, centroids, report = select_and_fit(
        encoder, images, labels, len(run.data["classes"]), run.recipe.CODEBOOK, log, study and study["chosen"]
    )
    tokens = {split: tokenize(encoder.truncated(block), centroids, run.data[split][0]) for split in ("train", "test")}
    run.save("codebook", log, block=block, centroids=centroids, report=report, tokens=tokens)
