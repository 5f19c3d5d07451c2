"""The `export` stage: measure the trained pipeline, export the pack (graphs, examples,
exemplar atlas, reference generations, notice), write its model card, list it in the app."""
import json
import os
import subprocess

import torch

from digit.examples import write_class_images, write_examples
from digit.exemplars import write_atlas
from digit.export import PackInfo, export_pack
from digit.reference_samples import pack_cases
from digit.pipeline import Pipeline
from digit.quantizer import Quantizer
from digit.sampling import SamplingSettings
from digit.token_decoder import TokenDecoder

from common.features import patch_features
from evaluation import evaluate, model_card

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
        vq_encoder=run.vq_model().vq_encoder(),
        vq_stage1=run.gpt("vq_gpt"),
    )


def git_commit() -> str:
    try:
        return subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True).strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


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


def run_stage(run, log, reuse_metrics: bool = False, remeasure: str = None):
    """Measure, then export. reuse_metrics: take the numbers of the last evaluation
    (runs/<pack>/metrics.json) and only re-export, e.g. after a change to the pack format or
    the recipe's defaults; a number that evaluation did not yet measure is measured now.
    remeasure="stage2": the same, after stage 2 alone was retrained, with the numbers and sample
    grid that depend on it measured again."""
    pipe = build_pipeline(run)
    metrics_path = os.path.join(run.dir, "metrics.json")
    if reuse_metrics or remeasure:
        with open(metrics_path) as f:
            metrics = {**json.load(f), **tokenizer_reports(run)}
        if remeasure == "stage2":
            model_card.write_sample_grids(run, evaluate.remeasure_stage2(run, pipe, metrics, log))
            metrics["train_minutes"]["stage2"] = run.load("stage2")["minutes"]
        if "gpt_classifier" not in metrics:
            metrics["gpt_classifier"] = evaluate.gpt_classifiers(run, pipe, evaluate.judge_weights(run.data)[1])
            log(f"the GPTs as classifiers (measured now) {metrics['gpt_classifier']}")
        if "reconstruction_cas" not in metrics:
            judge, test_w = evaluate.train_judge(run.data, len(run.data["classes"]), run.recipe.JUDGE_STEPS)
            stage2 = SamplingSettings.from_pack(evaluate.default_sampling(run.recipe, metrics)["stage2"])
            metrics.update(evaluate.reconstructions(run, pipe, judge, test_w, stage2))
            log(f"CAS of reconstructions (measured now) {metrics['reconstruction_cas']}")
        with open(metrics_path, "w") as f:
            json.dump(metrics, f, indent=2)
        return export_with(run, pipe, metrics, log)
    metrics, samples = evaluate.measure(run, pipe, log)
    model_card.write_sample_grids(run, samples)
    trained = [s for s in STAGES_TIMED if os.path.exists(run.path(s))]
    minutes = {s: run.load(s)["minutes"] for s in trained}
    minutes["export_and_eval"] = round(log.elapsed / 60, 2)
    metrics.update(tokenizer_reports(run), train_minutes=minutes)
    with open(metrics_path, "w") as f:
        json.dump(metrics, f, indent=2)
    return export_with(run, pipe, metrics, log)


STAGES_TIMED = ("ssl", "vq", "tokenizers", "codebook", "stage1", "vq_gpt", "stage2", "direct")


def tokenizer_reports(run) -> dict:
    """How the tokenizer was chosen: the codebook stage's probe and NMI, and the generator
    study where it ran (a pack trained before the study existed gets it afterwards)."""
    codebook = run.load("codebook")
    out = {"codebook_selection": {"block": codebook["block"], **codebook["report"]}}
    if os.path.exists(run.path("tokenizers")):
        study = run.load("tokenizers")
        out["tokenizer_study"] = {"rows": study["rows"], "chosen": list(study["chosen"])}
    return out


@torch.no_grad()
def exemplar_atlas(run, pipe: Pipeline, out_dir: str) -> dict:
    """exemplars.png: the training patches nearest each centroid (what a token stands for)."""
    images = run.data["train"][0]
    tokens, distances = pipe.quantizer(patch_features(pipe.encoder, images))
    os.makedirs(out_dir, exist_ok=True)
    return write_atlas(out_dir, images, tokens, distances, pipe.grid, pipe.ids.codebook_size)


def export_with(run, pipe: Pipeline, metrics: dict, log):
    r = run.recipe
    sampling = evaluate.default_sampling(r, metrics)
    out = run.pack_dir
    info = PackInfo(
        id=r.ID,
        title=r.TITLE,
        description=r.DESCRIPTION,
        license=r.LICENSE,
        provenance={"data": r.DATA, "command": f"python3 training/make_pack.py {r.ID}", "commit": git_commit()},
        classes=list(run.data["classes"]),
        sampling=sampling,
        metrics=metrics,
        exemplars=exemplar_atlas(run, pipe, out),
    )
    info.examples, tokenize_cases = write_examples(out, pipe, *run.data["test"], len(run.data["classes"]))
    info.class_images = write_class_images(out, *run.data["test"], len(run.data["classes"]))
    manifest = export_pack(pipe, info, out)
    with open(os.path.join(out, "NOTICE.md"), "w") as f:
        f.write(r.NOTICE)
    cases = pack_cases(
        pipe,
        SamplingSettings.from_pack(sampling["stage1"]),
        SamplingSettings.from_pack(sampling["stage2"]),
        len(run.data["classes"]),
    )
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump({"generation": cases, "tokenize": tokenize_cases}, f)
    model_card.write_card(r, metrics, manifest, run.data["classes"], run.docs_dir)
    register(out, r.ID)
    total = sum(g["bytes"] for g in manifest["graphs"].values())
    log(f"exported {out} ({total / 1e6:.2f} MB)")
    return manifest
