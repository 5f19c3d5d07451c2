"""The model card of a pack: docs/models/<pack>.md with every number measured, and the sample
grids it shows."""
import os

import torch
from PIL import Image

from stages.tokenizers import ratio_standard_error


def sample_grid(
    samples, labels, real, real_labels, n_classes: int, path: str, per_row: int = 8, n_real: int = 4, scale: int = 2
):
    """One row per class: per_row samples, a gap, then n_real real images of that class."""
    c, h, w = samples.shape[1:]
    cols = per_row + 1 + n_real
    canvas = torch.ones(c, n_classes * h, cols * w)
    for k in range(n_classes):
        fake = samples[labels == k][:per_row]
        true = real[real_labels == k][:n_real]
        for j, img in enumerate(fake):
            canvas[:, k * h : (k + 1) * h, j * w : (j + 1) * w] = img
        for j, img in enumerate(true):
            x = (per_row + 1 + j) * w
            canvas[:, k * h : (k + 1) * h, x : x + w] = img
    array = (canvas.clamp(0, 1) * 255).to(torch.uint8).permute(1, 2, 0).squeeze(-1).numpy()
    img = Image.fromarray(array)
    img.resize((img.width * scale, img.height * scale), Image.NEAREST).save(path)


def write_sample_grids(run, samples: dict):
    """<pack>-samples-<decoder>.png next to the card, for each decoder's class-conditional samples."""
    test_x, test_y = run.data["test"]
    for decoder, (imgs, labels) in samples.items():
        path = os.path.join(run.docs_dir, f"{run.recipe.ID}-samples-{decoder}.png")
        sample_grid(imgs, labels, test_x, test_y, len(run.data["classes"]), path)


PATHS = (
    ("direct", "DiGIT-token GPT + direct decoder"),
    ("ar-vq", "DiGIT-token GPT + stage-2 GPT + VQ decoder (the paper's path)"),
    ("vq-gpt", "VQ-token GPT + VQ decoder (the paper's baseline)"),
)


def claim_section(metrics: dict, samples: int) -> list:
    """The paper's central claim at this scale: the same GPT over DiGIT tokens vs over VQ tokens.
    `samples`: how many each CAS was measured on; a difference within two standard errors of
    the difference of two such CAS values is called noise."""
    real, loss, probe = metrics["classifier_real_test_accuracy"], metrics["validation_loss"], metrics["gpt_probe"]
    digit, vq = max(metrics["cas_direct"], metrics["cas_ar-vq"]), metrics["cas_vq-gpt"]
    noise = 2 * ((digit * (1 - digit) + vq * (1 - vq)) / samples) ** 0.5
    if digit - vq > noise:
        verdict = "holds"
    elif vq - digit > noise:
        verdict = "does not hold: the VQ-token GPT's samples are more recognisable"
    else:
        verdict = f"is not shown: the difference is within noise (two standard errors: {noise:.3f})"
    rows = [(key, name, metrics[f"cas_{key}"]) for key, name in PATHS]
    return [
        "## The paper's claim: the same GPT over DiGIT tokens vs over VQ tokens",
        "",
        "Both stage-1 GPTs have the same size, steps, data and class dropout and sample with the pack's "
        "default settings; only the tokens differ.",
        "",
        "| path | CAS | CAS / real-image accuracy | FD vs real |",
        "|---|---|---|---|",
        *[f"| {name} | {cas:.4f} | {cas / real:.2f} | {metrics[f'fd_{key}']:.4f} |" for key, name, cas in rows],
        "",
        f"At this scale the claim **{verdict}**: the best DiGIT path's CAS is {digit:.4f} against {vq:.4f} for the "
        f"VQ-token GPT ({samples} samples each). FD (lower is closer to real images): DiGIT "
        f"{min(metrics['fd_direct'], metrics['fd_ar-vq']):.4f} at best, VQ-token GPT {metrics['fd_vq-gpt']:.4f}.",
        "",
        "Validation loss per token (nats, first 2000 test images): DiGIT-token GPT "
        f"{loss['stage1']:.4f}, VQ-token GPT {loss['vq_gpt']:.4f}, stage-2 GPT {loss['stage2']:.4f}. The "
        "vocabularies differ (K DiGIT codes, the VQ codebook), so these say how well each GPT learned its own "
        "tokens, not which tokens are better.",
        "",
        "### Probing the generators (the paper's linear probe)",
        "",
        "A linear classifier on each layer's hidden states, mean-pooled over the image's tokens (fed after the "
        "unconditional start token), fit on 10,000 training images and scored on the test split; the SSL "
        f"encoder's own pooled features score {metrics['linear_probe']['ssl_encoder']:.4f}.",
        "",
        "| layer | DiGIT-token GPT | VQ-token GPT |",
        "|---|---|---|",
        *[f"| {i + 1} | {a:.4f} | {b:.4f} |" for i, (a, b) in enumerate(zip(probe["digit"], probe["vq"]))],
        "",
        *gpt_classifier_lines(metrics),
    ]


def gpt_classifier_lines(metrics: dict) -> list:
    """The stage-1 GPTs as classifiers (evaluate.class_log_likelihoods), where measured."""
    acc = metrics.get("gpt_classifier")
    if not acc:
        return []
    return [
        "### The generators as classifiers",
        "",
        "Each test image's token grid (first 2000 test images) is scored after every class's start token, "
        "teacher-forced; the class under which the grid is likeliest is the guess (the app's How it works page "
        f"does the same in the browser). Accuracy: DiGIT-token GPT {acc['digit']:.4f}, VQ-token GPT "
        f"{acc['vq']:.4f}{' (class-balanced)' if metrics.get('judge_class_balanced') else ''}.",
        "",
    ]


def reconstruction_cas_lines(metrics: dict) -> list:
    """The judge on real test images rebuilt from their own tokens (evaluate.reconstructions),
    where measured: how much each pixel path loses on its own."""
    cas = metrics.get("reconstruction_cas")
    if not cas:
        return []
    real = cas["real"]
    rows = (
        ("direct decoder from DiGIT tokens", cas["direct"]),
        ("stage 2 + VQ decoder from DiGIT tokens (one sample each)", cas["ar_vq"]),
        ("VQ autoencoder from its own tokens", cas["vq_autoencoder"]),
    )
    return [
        "How recognisable each pixel path keeps a real image: the judge on the test images (the first 1000 at "
        f"most) rebuilt from their own tokens, against {real:.4f} on the same images as they are: what each "
        "decoder loses on its own, whatever the GPT in front of it samples. Guided samples can score above "
        "their path's reconstructions (guidance pulls them toward what is typical of their class), so this is "
        "no bound.",
        "",
        "| rebuilt through | judge accuracy | / on the real images |",
        "|---|---|---|",
        *[f"| {name} | {value:.4f} | {value / real:.2f} |" for name, value in rows],
        "",
    ]


def per_class_section(metrics: dict, classes) -> list:
    """Which classes read as themselves: the judge's accuracy on real test images of each class
    beside the CAS of each path's samples of it."""
    per_class = metrics.get("per_class_accuracy")
    if not per_class:
        return []

    def cell(value):
        return "–" if value is None else f"{value:.2f}"

    return [
        "## Per class: real images vs samples",
        "",
        "The judge's accuracy on each class's real test images, then the share of each path's samples of "
        "that class it labels as that class.",
        "",
        "| class | real | " + " | ".join(key for key, _ in PATHS) + " |",
        "|---|---|" + "---|" * len(PATHS),
        *[
            f"| {name} | {cell(per_class['real'][k])} | "
            + " | ".join(cell(per_class[key][k]) for key, _ in PATHS)
            + " |"
            for k, name in enumerate(classes)
        ],
        "",
    ]


def tokenizer_section(metrics: dict, k: int, samples: int) -> list:
    """How the feature block and K were chosen: by probe and NMI (codebook stage) and by what a
    short GPT run does with each candidate (tokenizers stage); `k`: the pack's K; `samples`: how
    many samples each candidate's CAS was measured on."""
    cb, study = metrics["codebook_selection"], metrics.get("tokenizer_study")
    lines = [
        "## Tokenizer selection",
        "",
        f"The pack's DiGIT tokens: encoder block {cb['block']}, K = {k}, chosen by "
        f"{cb.get('chosen_by', 'probe and NMI')}.",
        "",
        "By probe and NMI (`codebook` stage): the block whose mean-pooled patch features a linear probe "
        "classifies best, then the smallest K whose NMI(class, token) is within 0.01 of the best.",
        "",
        "| block | probe |",
        "|---|---|",
        *[f"| {b} | {v['probe']:.4f} |" for b, v in cb["blocks"].items()],
        "",
        "| K | NMI | relative quantisation error |",
        "|---|---|---|",
        *[f"| {size} | {v['nmi']:.4f} | {v['relative_error']:.4f} |" for size, v in cb["sizes"].items()],
        "",
    ]
    if not study:
        return lines
    block, size = study["chosen"]
    return lines + [
        "By what a generator does with them (`tokenizers` stage): for each candidate, k-means on that block, "
        "a short stage-1 GPT run (same size and data as stage 1), its validation loss per token (also as a "
        "share of log K, which uniform guessing scores 1), and the CAS of its class-conditional samples. No "
        "decoder is trained per candidate: tokens are painted as the mean training cell they stand for, and "
        "the CAS judge's accuracy on real test tokens painted the same way is the ratio's reference. Token-"
        "class alignment beside them: NMI(class, token) and purity, the share of patches whose token's most "
        "frequent class is their own (the idea of ClusterMIM's TCAS, arXiv 2407.09087; its exact formula "
        "was not available to this project, so TCAS itself is not reported).",
        "",
        "| block | K | NMI | purity | val. loss (nats) | loss / log K | CAS, mean-cell | real, mean-cell "
        "| CAS ratio ± 1 SE |",
        "|---|---|---|---|---|---|---|---|---|",
        *[
            f"| {row['block']} | {row['k']} | {row['nmi']:.4f} | {row['purity']:.4f} | {row['validation_loss']:.4f} | "
            f"{row['loss_over_log_k']:.4f} | {row['cas_mean_cell']:.4f} | {row['real_mean_cell']:.4f} | "
            f"{row['cas_ratio']:.2f} ± {ratio_standard_error({'samples': samples, **row}):.2f} |"
            for row in study["rows"]
        ],
        "",
        f"The study picks block {block}, K {size} (best CAS ratio; candidates within two standard errors "
        f"of it count as tied, and the lower loss / log K wins among them). Each CAS is over {samples} samples, "
        "so differences of a few hundredths are noise.",
        "",
    ]


def sweep_section(metrics: dict) -> list:
    """How the default guidance and top-p were chosen (evaluate.sampling_sweep)."""
    sweep = metrics.get("sampling_sweep")
    if not sweep:
        return []
    chosen = sweep["chosen"]
    return [
        "## Default sampling settings, chosen by measurement",
        "",
        f"CAS and FD of the `{sweep['decoder']}` decoder's samples ({sweep['per_class']} a class, other seeds than "
        f"the evaluation above) at each setting; the pack samples with the best CAS: guidance {chosen['guidance']}, "
        f"top-p {chosen['top_p']}.",
        "",
        "| guidance | top-p | CAS | FD |",
        "|---|---|---|---|",
        *[f"| {row['guidance']} | {row['top_p']} | {row['cas']:.4f} | {row['fd']:.4f} |" for row in sweep["rows"]],
        "",
    ]


def write_card(r, metrics: dict, manifest: dict, classes, docs_dir: str):
    """docs/models/<pack>.md: what the pack is, how it was made, and every number measured."""
    p, mins = metrics["linear_probe"], metrics["train_minutes"]
    size_mb = sum(g["bytes"] for g in manifest["graphs"].values()) / 1e6
    balanced = ", class-balanced" if metrics.get("judge_class_balanced") else ""
    lines = [
        f"# {r.TITLE} (`{r.ID}`)",
        "",
        r.DESCRIPTION,
        "",
        f"- Data: {r.DATA}",
        f"- Licence: {r.LICENSE}",
        f"- Reproduce: `/usr/bin/python3 training/make_pack.py {r.ID}` "
        f"(commit {manifest['provenance'].get('commit')}); "
        "delete `training/runs/" + r.ID + "/` first to train from scratch. Every stage is seeded: on the same "
        "machine and thread count a rerun gives the same numbers (a test retrains the smoke recipe twice and "
        "requires byte-identical graphs); other BLAS builds or thread counts differ within noise.",
        f"- Pack size: {size_mb:.2f} MB; image {manifest['image']['size']}² × {manifest['image']['channels']}, "
        f"token grid {manifest['grid']['h']}×{manifest['grid']['w']}, K = {manifest['codebook']['size']}, "
        f"VQ codebook {manifest['vq_codebook_size']}.",
        "",
        "## Where it falls short",
        "",
        r.NOTES,
        "",
        "## Numbers (project eval code, `training/evaluation/evaluate.py`)",
        "",
        "| metric | value |",
        "|---|---|",
        f"| linear probe, SSL encoder, pooled patch features (test split) | {p['ssl_encoder']:.4f} |",
        f"| linear probe, random encoder of the same shape, pooled | {p['random_encoder']:.4f} |",
        f"| linear probe, SSL encoder, whole patch-feature map | {p['ssl_encoder_feature_map']:.4f} |",
        f"| linear probe, random encoder, whole patch-feature map | {p['random_encoder_feature_map']:.4f} |",
        f"| linear probe, raw pixels | {p['raw_pixels']:.4f} |",
        f"| classifier on real test images (the CAS judge{balanced}) "
        f"| {metrics['classifier_real_test_accuracy']:.4f} |",
        f"| CAS, direct decoder | {metrics['cas_direct']:.4f} |",
        f"| CAS, ar-vq decoder | {metrics['cas_ar-vq']:.4f} |",
        f"| FD (encoder features), direct vs real | {metrics['fd_direct']:.4f} |",
        f"| FD, ar-vq vs real | {metrics['fd_ar-vq']:.4f} |",
        f"| FD, real vs real (two test halves) | {metrics['fd_real_vs_real']:.4f} |",
        f"| reconstruction PSNR, direct decoder from DiGIT tokens | {metrics['psnr_direct']:.2f} dB |",
        f"| reconstruction PSNR, stage 2 + VQ decoder from DiGIT tokens | {metrics['psnr_ar_vq']:.2f} dB |",
        f"| reconstruction PSNR, VQ autoencoder from its own tokens | {metrics['psnr_vq_autoencoder']:.2f} dB |",
        "",
        *reconstruction_cas_lines(metrics),
        *claim_section(metrics, r.EVAL_PER_CLASS * len(classes)),
        *per_class_section(metrics, classes),
        *sweep_section(metrics),
        "## Token stability under additive Gaussian noise (paper Table 1)",
        "",
        "| SNR dB | DiGIT token change | DiGIT feature cosine | VQ token change | VQ feature cosine |",
        "|---|---|---|---|---|",
        *[
            f"| {t['snr_db']} | {t['digit_change_rate']:.4f} | {t['digit_feature_cosine']:.4f} | "
            f"{t['vq_change_rate']:.4f} | {t['vq_feature_cosine']:.4f} |"
            for t in metrics["token_stability"]
        ],
        "",
        *tokenizer_section(metrics, manifest["codebook"]["size"], r.TOKENIZERS.per_class * len(classes)),
        "## Wall time per stage (minutes, 2-core CPU)",
        "",
        "| " + " | ".join(mins) + " | total |",
        "|" + "---|" * (len(mins) + 1),
        "| " + " | ".join(f"{v:.1f}" for v in mins.values()) + f" | {sum(mins.values()):.1f} |",
        "",
        "## Samples",
        "",
        "Each row is a class (" + ", ".join(classes) + "): eight samples, then four real test images.",
        "",
        f"Direct decoder: ![samples, direct decoder]({r.ID}-samples-direct.png)",
        "",
        f"Stage 2 + VQ decoder: ![samples, ar-vq decoder]({r.ID}-samples-ar-vq.png)",
        "",
        f"The baseline, VQ-token GPT + VQ decoder: ![samples, VQ-token GPT]({r.ID}-samples-vq-gpt.png)",
        "",
    ]
    with open(os.path.join(docs_dir, f"{r.ID}.md"), "w") as f:
        f.write("\n".join(lines))
