"""How a pack is measured (the numbers go into pack.json and the model card).

No Inception network exists here, so quality is measured in the pack's own terms:
- linear probe of the SSL encoder vs a random encoder of the same shape vs raw pixels;
- FD: Frechet distance between generated and held-out real images in the encoder's feature
  space (mean-pooled patch features), next to real-vs-real;
- CAS: a CNN trained on real training images labels class-conditional samples, of each
  pixel path and of the paper's baseline (the same GPT over VQ tokens, VQ-decoded);
- the paper's probe of the generators: linear classifiers on each stage-1 GPT layer's
  mean-pooled hidden states; and each GPT's validation loss per token;
- reconstruction PSNR from real tokens through each decoder;
- token stability under additive Gaussian noise (the paper's Table 1), DiGIT vs VQ tokens.
"""
import torch
import torch.nn.functional as F

from digit.encoder import Encoder, init_weights
from digit.gpt import GPT
from digit.pipeline import Pipeline, TokenIds
from digit.sampling import SamplingSettings, image_rng

from common import kmeans
from common.features import linear_probe, patch_features

from . import classifier

SNRS_DB = (30, 25, 20, 15, 10, 5, 1, 0.01)


def pooled(encoder: Encoder, images):
    return patch_features(encoder, images).mean(1)


def probes(encoder: Encoder, data, n_classes: int, seed: int = 0) -> dict:
    """Test accuracy of linear classifiers fit on the training split, reading out either the
    mean-pooled patch features or the whole patch-feature map (what
    the tokenizer quantises); the same readouts of a random encoder; and raw pixels."""
    (tx, ty), (vx, vy) = data["train"], data["test"]
    torch.manual_seed(seed)
    random_enc = init_weights(Encoder(encoder.cfg)).eval()
    out = {}
    for name, enc in (("ssl_encoder", encoder), ("random_encoder", random_enc)):
        train_f, test_f = patch_features(enc, tx), patch_features(enc, vx)
        out[name] = linear_probe(train_f.mean(1), ty, test_f.mean(1), vy, n_classes)
        out[f"{name}_feature_map"] = linear_probe(train_f.flatten(1), ty, test_f.flatten(1), vy, n_classes)
    out["raw_pixels"] = linear_probe(tx.flatten(1), ty, vx.flatten(1), vy, n_classes)
    return {k: round(v, 4) for k, v in out.items()}


def _psd_sqrt(m):
    vals, vecs = torch.linalg.eigh(m)
    return vecs @ torch.diag(vals.clamp(min=0).sqrt()) @ vecs.t()


def frechet(a, b) -> float:
    """Frechet distance of Gaussians fit to feature sets a, b [M, D]; tr sqrt(S1 S2) is taken
    as tr sqrt(S1^1/2 S2 S1^1/2), which is symmetric, so eigh applies."""
    a, b = a.double(), b.double()
    s1, s2 = torch.cov(a.t()), torch.cov(b.t())
    root = _psd_sqrt(s1)
    cross = torch.linalg.eigvalsh(root @ s2 @ root).clamp(min=0).sqrt().sum()
    return float(((a.mean(0) - b.mean(0)) ** 2).sum() + torch.trace(s1) + torch.trace(s2) - 2 * cross)


def psnr(a, b) -> float:
    return float(-10 * torch.log10(F.mse_loss(a.clamp(0, 1), b)))


@torch.no_grad()
def sample_images(
    pipe: Pipeline,
    n_classes: int,
    per_class: int,
    settings: SamplingSettings,
    stage2: SamplingSettings,
    decoder: str,
    seed: int = 1000,
):
    """per_class samples of every class -> (images float [M, C, H, W], labels [M]). For decoder
    "vq-gpt", `pipe` is a baseline pipeline (Pipeline.baseline)."""
    images, labels = [], []
    for c in range(n_classes):
        tokens, rngs, _ = pipe.sample_tokens(c, seed + c * per_class, per_class, settings)
        out, _, _ = pipe.decode(tokens, decoder, rngs, stage2)
        images.append(out.permute(0, 3, 1, 2).float() / 255)
        labels.append(torch.full((per_class,), c))
    return torch.cat(images), torch.cat(labels)


@torch.no_grad()
def gpt_probe(gpt: GPT, ids: TokenIds, tokens: dict, data, n_classes: int, fit_size: int = 10000) -> list:
    """The paper's probe of the generator, per layer: a linear classifier on the hidden states
    mean-pooled over an image's tokens, fed after the unconditional start token (no class).
    tokens: {train, test} codes of the GPT's own kind. Fit on the training split, scored on test."""

    def pooled_states(codes):
        seq = torch.cat([torch.full((len(codes), 1), ids.bos), codes + ids.n_special], 1)
        per_layer = [[] for _ in gpt.layers]
        for i in range(0, len(seq), 500):
            for layer, h in enumerate(gpt.hidden_states(seq[i : i + 500])):
                per_layer[layer].append(h[:, 1:].mean(1))
        return [torch.cat(p) for p in per_layer]

    train, test = pooled_states(tokens["train"][:fit_size]), pooled_states(tokens["test"])
    train_y, test_y = data["train"][1][:fit_size], data["test"][1]
    return [round(linear_probe(a, train_y, b, test_y, n_classes), 4) for a, b in zip(train, test)]


@torch.no_grad()
def class_log_likelihoods(gpt: GPT, ids: TokenIds, codes, n_classes: int, batch: int = 500):
    """The generator as a classifier: each token grid [N, P] teacher-forced after every class's
    start token -> log p(grid | class) [N, n_classes], each code's probability taken over the
    codes only (as the app's engine does, scoring.ts)."""
    scores = torch.empty(len(codes), n_classes)
    for c in range(n_classes):
        for i in range(0, len(codes), batch):
            chunk = codes[i : i + batch]
            seq = torch.cat([torch.full((len(chunk), 1), ids.class_offset + c), chunk[:, :-1] + ids.n_special], 1)
            logp = gpt(seq)[..., ids.n_special : ids.stage1_vocab].log_softmax(-1)
            scores[i : i + len(chunk), c] = logp.gather(-1, chunk[..., None]).squeeze(-1).sum(1)
    return scores


def gpt_classifier_accuracy(gpt: GPT, ids: TokenIds, codes, labels, n_classes: int, weights=None) -> float:
    """Share of test grids whose likeliest class (class_log_likelihoods) is their own."""
    right = (class_log_likelihoods(gpt, ids, codes, n_classes).argmax(1) == labels).float()
    return (right.mean() if weights is None else (right * weights).sum() / weights.sum()).item()


def image_rng_for(i: int):
    """The RNG of reconstruction i (seeded by its index: reconstructions are reproducible)."""
    return image_rng(0, i)


def add_noise(images, snr_db: float, gen):
    power = images.pow(2).mean(dim=(1, 2, 3), keepdim=True)
    sigma = (power / 10 ** (snr_db / 10)).sqrt()
    return images + sigma * torch.randn(images.shape, generator=gen)


@torch.no_grad()
def token_stability(encoder: Encoder, centroids, vq_model, images, seed: int = 0) -> list:
    gen = torch.Generator().manual_seed(seed)
    f_clean = patch_features(encoder, images)
    d_clean, _ = kmeans.assign(f_clean.reshape(-1, f_clean.shape[-1]), centroids)
    z_clean, v_clean = vq_model.encode(images)
    rows = []
    for snr in SNRS_DB:
        noisy = add_noise(images, snr, gen)
        f = patch_features(encoder, noisy)
        d, _ = kmeans.assign(f.reshape(-1, f.shape[-1]), centroids)
        z, v = vq_model.encode(noisy)
        rows.append(
            {
                "snr_db": snr,
                "digit_change_rate": round(float((d != d_clean).float().mean()), 4),
                "digit_feature_cosine": round(float(F.cosine_similarity(f, f_clean, dim=-1).mean()), 4),
                "vq_change_rate": round(float((v != v_clean).float().mean()), 4),
                "vq_feature_cosine": round(float(F.cosine_similarity(z, z_clean, dim=-1).mean()), 4),
            }
        )
    return rows


@torch.no_grad()
def sampling_sweep(pipe: Pipeline, r, judge, n_classes: int, real_feats, log) -> dict:
    """The pack's default stage-1 settings, chosen by measurement: CAS (and FD) of the default
    decoder's samples at each guidance x top-p of the recipe's SAMPLING_SWEEP, SWEEP_PER_CLASS
    samples a class (seeds apart from the final evaluation's); the best CAS wins, the lower
    guidance on a tie."""
    base, stage2 = r.SAMPLING["stage1"], SamplingSettings.from_pack(r.SAMPLING["stage2"])
    rows = []
    for guidance in r.SAMPLING_SWEEP["guidance"]:
        for top_p in r.SAMPLING_SWEEP["top_p"]:
            settings = {**base, "guidance": guidance, "top_p": top_p}
            imgs, labels = sample_images(
                pipe,
                n_classes,
                r.SWEEP_PER_CLASS,
                SamplingSettings.from_pack(settings),
                stage2,
                r.SAMPLING["decoder"],
                50000,
            )
            cas = round(classifier.accuracy(judge, imgs, labels), 4)
            fd = round(frechet(pooled(pipe.encoder, imgs), real_feats), 4)
            rows.append({"guidance": guidance, "top_p": top_p, "cas": cas, "fd": fd})
            log(f"sweep: guidance {guidance}, top-p {top_p}: CAS {cas}, FD {fd}")
    best = max(rows, key=lambda row: (row["cas"], -row["guidance"]))
    chosen = {**base, "guidance": best["guidance"], "top_p": best["top_p"]}
    return {"decoder": r.SAMPLING["decoder"], "per_class": r.SWEEP_PER_CLASS, "rows": rows, "chosen": chosen}


def default_sampling(r, metrics: dict) -> dict:
    """The pack's sampling defaults: the recipe's, with stage 1 as its sweep chose."""
    sweep = metrics.get("sampling_sweep")
    return {**r.SAMPLING, "stage1": sweep["chosen"]} if sweep else r.SAMPLING


def judge_weights(data):
    """(train, test) image weights of the judge: None where the classes are even, else
    class-balanced (emoji: people with skin tones are half of all images)."""
    train_w, test_w = data.get("train_weights"), data.get("test_weights")
    if train_w is None:
        return None, test_w
    n_classes = len(data["classes"])
    return (
        classifier.class_balanced(data["train"][1], train_w, n_classes),
        classifier.class_balanced(data["test"][1], test_w, n_classes),
    )


def train_judge(data, n_classes: int, steps: int):
    """The CAS judge, trained on the real training images -> (judge, test-image weights or None).
    Samples are drawn class-uniformly, so where the real data's classes are uneven the judge is
    trained and scored class-balanced: CAS and the real accuracy it is compared with weigh every
    class the same."""
    train_w, test_w = judge_weights(data)
    return classifier.train(*data["train"], n_classes, steps=steps, weights=train_w), test_w


def gpt_classifiers(run, pipe: Pipeline, test_w, size: int = 2000) -> dict:
    """Accuracy of each stage-1 GPT (DiGIT tokens, VQ tokens) as a classifier of the first `size`
    test images' token grids (as for the validation losses); `test_w`: the judge's weights."""
    n_classes, test_y = len(run.data["classes"]), run.data["test"][1]
    baseline = pipe.baseline()
    return {
        name: round(
            gpt_classifier_accuracy(
                gpt,
                gpt_ids,
                run.load(stage)["tokens"]["test"][:size],
                test_y[:size],
                n_classes,
                None if test_w is None else test_w[:size],
            ),
            4,
        )
        for name, gpt, gpt_ids, stage in (
            ("digit", pipe.stage1, pipe.ids, "codebook"),
            ("vq", baseline.stage1, baseline.ids, "vq"),
        )
    }


RECONSTRUCTED = range(1000)  # the test images each decoder rebuilds from their real tokens


@torch.no_grad()
def reconstructions(run, pipe: Pipeline, judge, test_w, stage2: SamplingSettings) -> dict:
    """The first test images rebuilt from their own tokens through each pixel path: PSNR, and
    the judge's accuracy on the rebuilt images beside its accuracy on the same real images
    (`reconstruction_cas`): how much of what makes an image recognisable each decoder keeps,
    whatever the GPT in front of it samples."""
    n = len(RECONSTRUCTED)
    x, y = run.data["test"][0][:n], run.data["test"][1][:n]
    w = None if test_w is None else test_w[:n]
    digit_tokens, vq_tokens = run.load("codebook")["tokens"]["test"][:n], run.load("vq")["tokens"]["test"][:n]
    vq_codes, _ = pipe.sample_vq_tokens(digit_tokens, [image_rng_for(i) for i in RECONSTRUCTED], stage2)
    rebuilt = {
        "direct": pipe.direct_decoder(digit_tokens),
        "ar_vq": pipe.vq_decoder(vq_codes),
        "vq_autoencoder": pipe.vq_decoder(vq_tokens),
    }
    cas = {"real": round(classifier.accuracy(judge, x, y, w), 4)}
    cas.update({name: round(classifier.accuracy(judge, img, y, w), 4) for name, img in rebuilt.items()})
    return {**{f"psnr_{name}": round(psnr(img, x), 2) for name, img in rebuilt.items()}, "reconstruction_cas": cas}


def real_features(encoder: Encoder, test_x):
    """Pooled features of two disjoint halves of the test split: the first is what FD compares
    samples with, the second gives real-vs-real."""
    half = min(1000, len(test_x) // 2)
    return pooled(encoder, test_x[:half]), pooled(encoder, test_x[half : 2 * half])


def settings_of(sampling: dict):
    """(stage 1, stage 2) SamplingSettings of a pack's sampling defaults."""
    return SamplingSettings.from_pack(sampling["stage1"]), SamplingSettings.from_pack(sampling["stage2"])


@torch.no_grad()
def score_path(m: dict, path: Pipeline, decoder: str, judge, real_feats, per_class: int, s1, s2, log):
    """CAS, per-class accuracy and FD of one pixel path's class-conditional samples, into `m`
    -> the samples (images, labels)."""
    n_classes = len(m["per_class_accuracy"]["real"])
    imgs, labels = sample_images(path, n_classes, per_class, s1, s2, decoder)
    m[f"cas_{decoder}"] = round(classifier.accuracy(judge, imgs, labels), 4)
    m["per_class_accuracy"][decoder] = classifier.per_class_accuracy(judge, imgs, labels, n_classes)
    m[f"fd_{decoder}"] = round(frechet(pooled(path.encoder, imgs), real_feats), 4)
    log(f"{decoder}: CAS {m[f'cas_{decoder}']}, FD {m[f'fd_{decoder}']}")
    return imgs, labels


@torch.no_grad()
def remeasure_stage2(run, pipe: Pipeline, m: dict, log) -> dict:
    """After stage 2 alone was retrained: the numbers in `m` that depend on it measured again
    (the paper's path's CAS, FD and samples, the reconstructions, stage 2's validation loss),
    the rest kept -> the new samples by decoder. The judge is trained again as `measure` trains
    it; its accuracy on the real test images must match the stored one, so that every CAS in
    `m` comes from the same judge."""
    r, data = run.recipe, run.data
    judge, test_w = train_judge(data, len(data["classes"]), r.JUDGE_STEPS)
    real = round(classifier.accuracy(judge, *data["test"], test_w), 4)
    if abs(real - m["classifier_real_test_accuracy"]) > JUDGE_TOLERANCE:
        raise ValueError(
            f"the judge trained now scores {real} on real test images, the stored numbers' judge "
            f"{m['classifier_real_test_accuracy']}: run with the thread count of the stored evaluation "
            "(TRAIN_THREADS), or export without --remeasure to measure everything anew"
        )
    log(f"judge trained again: real test accuracy {real} (stored {m['classifier_real_test_accuracy']})")
    real_feats, _ = real_features(pipe.encoder, data["test"][0])
    s1, s2 = settings_of(default_sampling(r, m))
    samples = {"ar-vq": score_path(m, pipe, "ar-vq", judge, real_feats, r.EVAL_PER_CLASS, s1, s2, log)}
    m["validation_loss"]["stage2"] = run.load("stage2")["report"]["validation_loss"]
    m.update(reconstructions(run, pipe, judge, test_w, s2))
    log(f"reconstructions {m['reconstruction_cas']}")
    return samples


# how far apart (absolute) the accuracy on real test images of two trainings of the judge may be
# for their CAS numbers to stand side by side: the judge trains seeded, but its floats depend on
# the thread count (emoji-mini: 0.4459 on two threads, 0.4569 on one)
JUDGE_TOLERANCE = 0.005


@torch.no_grad()
def measure(run, pipe: Pipeline, log):
    """Every number of the pack's report, and the class-conditional samples of each decoder."""
    r, data = run.recipe, run.data
    n_classes = len(data["classes"])
    test_x, test_y = data["test"]
    m = {}
    m["linear_probe"] = probes(pipe.encoder, data, n_classes)
    log(f"linear probe {m['linear_probe']}")

    judge, test_w = train_judge(data, n_classes, r.JUDGE_STEPS)
    m["judge_class_balanced"] = test_w is not None
    m["classifier_real_test_accuracy"] = round(classifier.accuracy(judge, test_x, test_y, test_w), 4)
    m["per_class_accuracy"] = {"real": classifier.per_class_accuracy(judge, test_x, test_y, n_classes, test_w)}
    real_feats, other_half = real_features(pipe.encoder, test_x)
    m["fd_real_vs_real"] = round(frechet(real_feats, other_half), 4)
    m["sampling_sweep"] = sampling_sweep(pipe, r, judge, n_classes, real_feats, log)
    s1, s2 = settings_of(default_sampling(r, m))
    samples = {}
    baseline = pipe.baseline()
    for decoder, path in (("direct", pipe), ("ar-vq", pipe), ("vq-gpt", baseline)):
        samples[decoder] = score_path(m, path, decoder, judge, real_feats, r.EVAL_PER_CLASS, s1, s2, log)
    m["validation_loss"] = {
        stage: run.load(stage)["report"]["validation_loss"] for stage in ("stage1", "vq_gpt", "stage2")
    }
    m["gpt_probe"] = {
        "digit": gpt_probe(pipe.stage1, pipe.ids, run.load("codebook")["tokens"], data, n_classes),
        "vq": gpt_probe(baseline.stage1, baseline.ids, run.load("vq")["tokens"], data, n_classes),
    }
    m["gpt_classifier"] = gpt_classifiers(run, pipe, test_w)
    log(f"validation loss per token {m['validation_loss']}; GPT probes per layer {m['gpt_probe']}")
    log(f"the GPTs as classifiers {m['gpt_classifier']}")

    m.update(reconstructions(run, pipe, judge, test_w, s2))
    x = test_x[: len(RECONSTRUCTED)]
    m["token_stability"] = token_stability(pipe.encoder, pipe.quantizer.centroids, run.vq_model(), x)
    return m, samples
