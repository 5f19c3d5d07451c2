"""The last stage: evaluate the trained pipeline, export the pack, write its model card."""
import json
import os
import subprocess

import torch
from PIL import Image

from digit.examples import write_examples
from digit.exemplars import write_atlas
from digit.export import PackInfo, export_pack
from digit.reference_samples import pack_cases
from digit.pipeline import Pipeline
from digit.quantizer import Quantizer
from digit.sampling import SamplingSettings
from digit.token_decoder import TokenDecoder

from . import classifier, evaluate

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def build_pipeline(run) -> Pipeline:
    r, ids = run.recipe, run.ids()
    direct = TokenDecoder(r.PIXEL_DECODER, ids.codebook_size, r.ENCODER.grid)
    direct.load_state_dict(run.load("direct")["model"])
    return Pipeline(
        ids=ids,
        grid=r.ENCODER.grid,
        encoder=run.encoder(),
        quantizer=Quantizer(run.load("codebook")["centroids"]),
        stage1=run.gpt("stage1"),
        stage2=run.gpt("stage2"),
        vq_decoder=run.vq_model().token_decoder(),
        direct_decoder=direct.eval(),
    )


def to_float(images_u8):
    return images_u8.permute(0, 3, 1, 2).float() / 255


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


def git_commit() -> str:
    try:
        return subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True).strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


@torch.no_grad()
def measure(run, pipe: Pipeline, log) -> dict:
    r, data = run.recipe, run.data
    n_classes = len(data["classes"])
    test_x, test_y = data["test"]
    digit_tokens, vq_tokens = run.load("codebook")["tokens"]["test"], run.load("vq")["tokens"]["test"]
    m = {}
    m["linear_probe"] = evaluate.probes(pipe.encoder, data, n_classes)
    log(f"linear probe {m['linear_probe']}")

    judge = classifier.train(*data["train"], n_classes, steps=r.JUDGE_STEPS)
    m["classifier_real_test_accuracy"] = round(classifier.accuracy(judge, test_x, test_y), 4)
    s1, s2 = SamplingSettings.from_pack(r.SAMPLING["stage1"]), SamplingSettings.from_pack(r.SAMPLING["stage2"])
    half = min(1000, len(test_x) // 2)  # real-vs-real compares two disjoint halves of the test split
    real_feats = evaluate.pooled(pipe.encoder, test_x[:half])
    m["fd_real_vs_real"] = round(
        evaluate.frechet(real_feats, evaluate.pooled(pipe.encoder, test_x[half : 2 * half])), 4
    )
    samples = {}
    for decoder in ("direct", "ar-vq"):
        imgs, labels = evaluate.sample_images(pipe, n_classes, r.EVAL_PER_CLASS, s1, s2, decoder)
        samples[decoder] = (imgs, labels)
        m[f"cas_{decoder}"] = round(classifier.accuracy(judge, imgs, labels), 4)
        m[f"fd_{decoder}"] = round(evaluate.frechet(evaluate.pooled(pipe.encoder, imgs), real_feats), 4)
        log(f"{decoder}: CAS {m[f'cas_{decoder}']}, FD {m[f'fd_{decoder}']}")

    n = 1000
    x = test_x[:n]
    direct = pipe.direct_decoder(digit_tokens[:n])
    vq_recon = pipe.vq_decoder(vq_tokens[:n])
    vq_codes, _ = pipe.sample_vq_tokens(digit_tokens[:n], [evaluate.image_rng_for(i) for i in range(n)], s2)
    arvq = pipe.vq_decoder(vq_codes)
    m["psnr_direct"] = round(evaluate.psnr(direct, x), 2)
    m["psnr_ar_vq"] = round(evaluate.psnr(arvq, x), 2)
    m["psnr_vq_autoencoder"] = round(evaluate.psnr(vq_recon, x), 2)
    m["token_stability"] = evaluate.token_stability(pipe.encoder, pipe.quantizer.centroids, run.vq_model(), x)
    for decoder, (imgs, labels) in samples.items():
        sample_grid(
            imgs, labels, test_x, test_y, n_classes, os.path.join(run.docs_dir, f"{r.ID}-samples-{decoder}.png")
        )
    return m


def write_card(r, metrics: dict, manifest: dict, classes, docs_dir: str):
    """docs/models/<pack>.md: what the pack is, how it was made, and every number measured."""
    p, mins = metrics["linear_probe"], metrics["train_minutes"]
    cb = metrics["codebook_selection"]
    size_mb = sum(g["bytes"] for g in manifest["graphs"].values()) / 1e6
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
        "## Numbers (project eval code, `training/stages/evaluate.py`)",
        "",
        "| metric | value |",
        "|---|---|",
        f"| linear probe, SSL encoder, pooled patch features (test split) | {p['ssl_encoder']:.4f} |",
        f"| linear probe, random encoder of the same shape, pooled | {p['random_encoder']:.4f} |",
        f"| linear probe, SSL encoder, whole patch-feature map | {p['ssl_encoder_feature_map']:.4f} |",
        f"| linear probe, random encoder, whole patch-feature map | {p['random_encoder_feature_map']:.4f} |",
        f"| linear probe, raw pixels | {p['raw_pixels']:.4f} |",
        f"| classifier on real test images (the CAS judge) | {metrics['classifier_real_test_accuracy']:.4f} |",
        f"| CAS, direct decoder | {metrics['cas_direct']:.4f} |",
        f"| CAS, ar-vq decoder | {metrics['cas_ar-vq']:.4f} |",
        f"| FD (encoder features), direct vs real | {metrics['fd_direct']:.4f} |",
        f"| FD, ar-vq vs real | {metrics['fd_ar-vq']:.4f} |",
        f"| FD, real vs real (two test halves) | {metrics['fd_real_vs_real']:.4f} |",
        f"| reconstruction PSNR, direct decoder from DiGIT tokens | {metrics['psnr_direct']:.2f} dB |",
        f"| reconstruction PSNR, stage 2 + VQ decoder from DiGIT tokens | {metrics['psnr_ar_vq']:.2f} dB |",
        f"| reconstruction PSNR, VQ autoencoder from its own tokens | {metrics['psnr_vq_autoencoder']:.2f} dB |",
        "",
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
        "## Codebook selection",
        "",
        f"Chosen block {cb['block']} (best probe of pooled patch features), then K by NMI(class, token):",
        "",
        "| block | probe |",
        "|---|---|",
        *[f"| {b} | {v['probe']:.4f} |" for b, v in cb["blocks"].items()],
        "",
        "| K | NMI | relative quantisation error |",
        "|---|---|---|",
        *[f"| {k} | {v['nmi']:.4f} | {v['relative_error']:.4f} |" for k, v in cb["sizes"].items()],
        "",
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
    ]
    with open(os.path.join(docs_dir, f"{r.ID}.md"), "w") as f:
        f.write("\n".join(lines))


def register(pack_dir: str, pack_id: str):
    """List the pack in the app's models/index.json, when the pack went to the app's folder."""
    index_path = os.path.join(os.path.dirname(pack_dir), "index.json")
    if not os.path.exists(index_path):
        return
    with open(index_path) as f:
        index = json.load(f)
    if all(p["id"] != pack_id for p in index["packs"]):
        index["packs"].append({"id": pack_id, "path": f"models/{pack_id}/"})
        with open(index_path, "w") as f:
            json.dump(index, f, indent=2)
            f.write("\n")


def evaluate_and_export(run, log, reuse_metrics: bool = False):
    """reuse_metrics: take the numbers of the last evaluation (runs/<pack>/metrics.json) and
    only re-export, e.g. after a change to the pack format or the recipe's defaults."""
    pipe = build_pipeline(run)
    metrics_path = os.path.join(run.dir, "metrics.json")
    if reuse_metrics:
        with open(metrics_path) as f:
            metrics = json.load(f)
        return export_with(run, pipe, metrics, log)
    metrics = measure(run, pipe, log)
    minutes = {s: run.load(s)["minutes"] for s in ("ssl", "vq", "codebook", "stage1", "stage2", "direct")}
    minutes["export_and_eval"] = round(log.elapsed / 60, 2)
    codebook = run.load("codebook")
    metrics["codebook_selection"] = {"block": codebook["block"], **codebook["report"]}
    metrics["train_minutes"] = minutes
    with open(metrics_path, "w") as f:
        json.dump(metrics, f, indent=2)
    return export_with(run, pipe, metrics, log)


@torch.no_grad()
def exemplar_atlas(run, pipe: Pipeline, out_dir: str) -> dict:
    """exemplars.png: the training patches nearest each centroid (what a token stands for)."""
    images = run.data["train"][0]
    tokens, distances = pipe.quantizer(evaluate.patch_features(pipe.encoder, images))
    os.makedirs(out_dir, exist_ok=True)
    return write_atlas(out_dir, images, tokens, distances, pipe.grid, pipe.ids.codebook_size)


def export_with(run, pipe: Pipeline, metrics: dict, log):
    r = run.recipe
    out = run.pack_dir
    info = PackInfo(
        id=r.ID,
        title=r.TITLE,
        description=r.DESCRIPTION,
        license=r.LICENSE,
        provenance={"data": r.DATA, "command": f"python3 training/make_pack.py {r.ID}", "commit": git_commit()},
        classes=list(run.data["classes"]),
        sampling=r.SAMPLING,
        metrics=metrics,
        exemplars=exemplar_atlas(run, pipe, out),
    )
    info.examples, tokenize_cases = write_examples(out, pipe, *run.data["test"], len(run.data["classes"]))
    manifest = export_pack(pipe, info, out)
    with open(os.path.join(out, "NOTICE.md"), "w") as f:
        f.write(r.NOTICE)
    cases = pack_cases(
        pipe,
        SamplingSettings.from_pack(r.SAMPLING["stage1"]),
        SamplingSettings.from_pack(r.SAMPLING["stage2"]),
        len(run.data["classes"]),
    )
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump({"generation": cases, "tokenize": tokenize_cases}, f)
    write_card(r, metrics, manifest, run.data["classes"], run.docs_dir)
    register(out, r.ID)
    total = sum(g["bytes"] for g in manifest["graphs"].values())
    log(f"exported {out} ({total / 1e6:.2f} MB)")
    return manifest
