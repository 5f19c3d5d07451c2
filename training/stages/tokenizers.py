"""The `tokenizers` stage: which feature block and K the DiGIT tokens use, chosen by what a
generator does with them. Two-stage methods like DiGIT pass no training signal from the
generator back to the tokenizer, so a tokenizer picked by a linear probe and NMI alone may not
be the one a GPT models best; this stage measures that directly.

For each candidate (block, K) of the recipe's TOKENIZERS: k-means on that block's patch
features (training split), a short stage-1 GPT run on the resulting tokens, and
- the GPT's validation loss per token, in nats and as a share of log K (guessing uniformly
  scores 1), since losses over different K are not comparable in nats;
- CAS of its class-conditional samples, seen through the mean-cell decoder (no decoder is
  trained per candidate), as a ratio to the same judge's accuracy on real test tokens painted
  the same way;
- token-class alignment: NMI(class, token) and purity, the share of patches whose token's
  most frequent class is their image's class.
The best CAS ratio wins; candidates within its noise (two standard errors) or `cas_tie` count as
tied and the lower normalised loss wins among them; the `codebook` stage then fits that
tokenizer.
"""
import math
from dataclasses import dataclass, replace

import torch

from common import gpt_training, kmeans
from common.features import patch_features
from common.trainer import Checkpoint, Log
from digit.pipeline import Pipeline, TokenIds
from digit.sampling import SamplingSettings
from evaluation import classifier
from evaluation.evaluate import sample_images, train_judge
from evaluation.mean_cell_decoder import MeanCellDecoder
from stages import codebook


@dataclass
class TokenizerStudyConfig:
    candidates: tuple = ((1, 256), (2, 256), (3, 128), (3, 256), (3, 512))  # (block, K)
    steps: int = 600  # of the short stage-1 run per candidate
    per_class: int = 20  # samples a class for CAS
    fit_vectors: int = 60000
    cas_tie: float = 0.02
    seed: int = 0


def purity(tokens, labels, codebook_size: int) -> float:
    """tokens [N, P], labels [N] -> share of patches whose token's majority class is theirs."""
    counts = torch.zeros(codebook_size, int(labels.max()) + 1)
    counts.index_put_(
        (tokens.reshape(-1), labels.repeat_interleave(tokens.shape[1])), torch.ones(tokens.numel()), accumulate=True
    )
    return float(counts.max(1).values.sum() / counts.sum())


def fit_tokenizer(features, k: int, cfg: TokenizerStudyConfig):
    """k-means on a sample of patch features [N, P, D] -> centroids [K, D]."""
    gen = torch.Generator().manual_seed(cfg.seed)
    vectors = features.reshape(-1, features.shape[-1])
    return kmeans.fit(
        vectors[torch.randperm(len(vectors), generator=gen)[: cfg.fit_vectors]], k, iters=15, seed=cfg.seed
    )


def measure_candidate(run, encoder, judge, test_w, block: int, k: int, log: Log) -> dict:
    r, data = run.recipe, run.data
    cfg, n_classes, grid = r.TOKENIZERS, len(data["classes"]), r.ENCODER.grid
    cut = encoder.truncated(block)
    centroids = fit_tokenizer(patch_features(cut, data["train"][0]), k, cfg)
    tokens = {split: codebook.tokenize(cut, centroids, data[split][0]) for split in ("train", "test")}
    ids = TokenIds(codebook_size=k)
    schedule = replace(r.STAGE1, steps=cfg.steps, eval_every=cfg.steps, patience=0)
    ckpt = Checkpoint(run.path(f"tokenizers-b{block}-k{k}") + ".ckpt")
    gpt, report = gpt_training.train_stage1(run, tokens, ids, ckpt, log, schedule)
    painter = MeanCellDecoder(tokens["train"], data["train"][0], k, grid)
    pipe = Pipeline(ids, grid, cut, None, gpt.eval(), direct_decoder=painter)
    settings = SamplingSettings.from_pack(r.SAMPLING["stage1"])
    samples, labels = sample_images(pipe, n_classes, cfg.per_class, settings, None, "direct")
    real = classifier.accuracy(judge, painter(tokens["test"]), data["test"][1], test_w)
    cas = classifier.accuracy(judge, samples, labels)
    row = {
        "block": block,
        "k": k,
        "nmi": round(kmeans.nmi(tokens["train"].reshape(-1), data["train"][1].repeat_interleave(grid * grid)), 4),
        "purity": round(purity(tokens["train"], data["train"][1], k), 4),
        "validation_loss": round(report["validation_loss"], 4),
        "loss_over_log_k": round(report["validation_loss"] / math.log(k), 4),
        "cas_mean_cell": round(cas, 4),
        "real_mean_cell": round(real, 4),
        "cas_ratio": round(cas / real, 4) if real > 0 else 0.0,
        "samples": len(labels),
    }
    log(f"block {block}, K {k}: {row}")
    return row


def ratio_standard_error(row: dict) -> float:
    """The sampling noise of a row's CAS ratio: one binomial standard error of its CAS over its
    samples, divided by the real tokens' accuracy."""
    cas, n = row["cas_mean_cell"], row.get("samples", 0)
    return (cas * (1 - cas) / n) ** 0.5 / row["real_mean_cell"] if n and row["real_mean_cell"] > 0 else 0.0


def choose(rows: list, cas_tie: float) -> dict:
    """The best CAS ratio; candidates within `cas_tie` of it, or within two standard errors of
    the best's noise where that is wider, count as tied and the lower loss per log K wins."""
    best = max(rows, key=lambda row: row["cas_ratio"])
    margin = max(cas_tie, 2 * ratio_standard_error(best))
    close = [row for row in rows if row["cas_ratio"] >= best["cas_ratio"] - margin]
    return min(close, key=lambda row: row["loss_over_log_k"])


def run_stage(run, log: Log):
    r = run.recipe
    encoder = run.encoder(cut=False)
    judge, test_w = train_judge(run.data, len(run.data["classes"]), r.JUDGE_STEPS)
    done = Checkpoint(run.path("tokenizers") + ".ckpt")  # finished candidates, so a long study resumes
    rows = (done.load() or {}).get("rows", [])
    for block, k in r.TOKENIZERS.candidates[len(rows) :]:
        rows.append(measure_candidate(run, encoder, judge, test_w, block, k, log))
        done.save({"rows": rows})
    chosen = choose(rows, r.TOKENIZERS.cas_tie)
    log(f"chose block {chosen['block']}, K {chosen['k']}")
    run.save("tokenizers", log, rows=rows, chosen=(chosen["block"], chosen["k"]))
