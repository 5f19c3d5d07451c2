"""Unit checks of the training stages' building blocks."""
import torch

from digit.pipeline import TokenIds
from common import kmeans
from common.augment import random_resized_crop
from evaluation import classifier
from evaluation.mean_cell_decoder import MeanCellDecoder
from evaluation.evaluate import add_noise, frechet
from common.gpt_training import stage1_sequences, stage2_sequences
from stages import tokenizers
from stages.ssl import info_nce


def test_kmeans_recovers_separated_blobs():
    gen = torch.Generator().manual_seed(0)
    centers = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    labels = torch.randint(3, (600,), generator=gen)
    x = centers[labels] + 0.1 * torch.randn(600, 2, generator=gen)
    c = kmeans.fit(x, 3, iters=10)
    ids, _ = kmeans.assign(x, c)
    assert kmeans.nmi(ids, labels) > 0.99
    assert torch.cdist(c, centers).min(1).values.max() < 0.1


def test_nmi_bounds():
    a = torch.arange(1000) % 5
    assert abs(kmeans.nmi(a, a) - 1) < 1e-6
    b = torch.randint(5, (1000,), generator=torch.Generator().manual_seed(1))
    assert kmeans.nmi(a, b) < 0.02


def test_frechet_distance_of_known_gaussians():
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(20000, 4, generator=gen)
    b = torch.randn(20000, 4, generator=gen) + torch.tensor([1.0, 0, 0, 0])
    assert abs(frechet(a, b) - 1.0) < 0.05
    assert frechet(a, a) < 1e-6


def test_noise_hits_the_requested_snr():
    x = torch.rand(64, 1, 28, 28)
    noisy = add_noise(x, 10.0, torch.Generator().manual_seed(0))
    snr = 10 * torch.log10(x.pow(2).mean() / (noisy - x).pow(2).mean())
    assert abs(snr.item() - 10.0) < 0.2


def test_info_nce_prefers_matching_pairs():
    a = torch.randn(32, 16)
    assert info_nce(a, a, 0.2) < info_nce(a, torch.randn(32, 16), 0.2)


def test_crop_of_full_area_without_flip_is_identity():
    x = torch.rand(4, 1, 28, 28)
    out = random_resized_crop(x, scale=(1.0, 1.0), ratio=(1.0, 1.0), flip=False)
    torch.testing.assert_close(out, x, atol=1e-5, rtol=0)


def test_sequence_layouts_follow_the_token_ids():
    ids = TokenIds(codebook_size=8, vq_codebook_size=4)
    codes = torch.tensor([[0, 7, 3]])
    inputs, targets, mask = stage1_sequences(codes, torch.tensor([2]), ids, 0.0, torch.Generator())
    assert inputs.tolist() == [[ids.class_offset + 2, 5, 12]] and targets.tolist() == [[5, 12, 8]]
    assert mask.all()
    inputs, targets, mask = stage2_sequences(codes, torch.tensor([[1, 0, 3]]), ids)
    p = ids.prefix_offset
    assert inputs.tolist() == [[p, p + 7, p + 3, ids.separator, 6, 5]]
    assert targets.tolist() == [[p + 7, p + 3, ids.separator, 6, 5, 8]]
    assert mask.tolist() == [[False, False, False, True, True, True]]


def test_trainer_resumes_weights_optimiser_step_and_rng(tmp_path):
    from dataclasses import dataclass

    from common.trainer import Checkpoint, Trainer

    @dataclass
    class Cfg:
        steps: int = 10
        lr: float = 0.1
        warmup: int = 2

    def fresh():
        model = torch.nn.Linear(3, 2)
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        return model, opt, torch.Generator().manual_seed(0)

    ckpt = Checkpoint(str(tmp_path / "stage.ckpt"))
    model, opt, gen = fresh()
    trainer = Trainer(ckpt, print, {"model": model}, opt, gen, Cfg())
    model(torch.randn(4, 3)).sum().backward()
    opt.step()
    torch.rand(1, generator=gen)
    trainer.step = 3
    trainer.save(note=torch.tensor([7]))
    model2, opt2, gen2 = fresh()
    resumed = Trainer(ckpt, print, {"model": model2}, opt2, gen2, Cfg())
    assert resumed.step == 3 and resumed.extra["note"].item() == 7
    torch.testing.assert_close(model2.weight, model.weight)
    assert torch.rand(1, generator=gen2).item() == torch.rand(1, generator=gen).item()
    assert 0 < resumed.set_lr() < 0.1


def test_weighted_batches_follow_the_weights():
    from common.trainer import batches

    gen = torch.Generator().manual_seed(0)
    draws = next(batches(3, 30000, 0, weights=torch.tensor([0.0, 1.0, 3.0]), gen=gen))
    counts = torch.bincount(draws, minlength=3)
    assert counts[0] == 0 and abs(counts[2] / counts[1] - 3) < 0.2


def test_batches_cover_each_epoch_once_and_resume_where_they_stopped():
    from itertools import islice

    from common.trainer import batches

    run = list(islice(batches(10, 3, seed=5), 7))  # 3 batches an epoch (one example left out)
    for epoch in (run[0:3], run[3:6]):
        assert len(set(torch.cat(epoch).tolist())) == 9
    assert not torch.equal(torch.cat(run[0:3]), torch.cat(run[3:6]))  # a new order each epoch
    resumed = list(islice(batches(10, 3, seed=5, start=4), 3))
    assert all(torch.equal(a, b) for a, b in zip(resumed, run[4:7]))


def test_gpt_training_stops_when_the_validation_loss_stops_improving_and_keeps_the_best(tmp_path):
    """Held-out targets the training data cannot teach: the validation loss soon stops improving,
    training stops `patience` evaluations after its best, returns the best weights, and a rerun
    resumes at the end with the same report."""
    from common.gpt_training import GPTTrainConfig, train, validation_loss
    from common.trainer import Checkpoint
    from digit.gpt import GPT, GPTConfig

    gen = torch.Generator().manual_seed(0)
    seqs = torch.randint(0, 8, (64, 9), generator=gen)
    held_out = torch.randint(0, 8, (32, 9), generator=gen)
    mask = torch.ones(64, 8, dtype=torch.bool)
    validation = (held_out[:, :-1], held_out[:, 1:], torch.ones(32, 8, dtype=torch.bool))
    cfg = GPTTrainConfig(steps=400, batch=16, lr=1e-2, warmup=1, eval_every=5, patience=3)
    model = GPTConfig(vocab_size=8, embed_rows=8, n_layer=1, n_head=2, dim=32, ffn_dim=64, max_positions=10)

    def make_batch(idx, _gen):
        return seqs[idx, :-1], seqs[idx, 1:], mask[idx]

    def run():
        torch.manual_seed(0)
        return train(
            GPT(model), make_batch, 64, cfg, Checkpoint(str(tmp_path / "gpt.ckpt")), lambda _: None, None, validation
        )

    gpt, report = run()
    after_best = [step for step, _ in report["history"] if step > report["best_step"]]
    assert report["steps"] < cfg.steps and len(after_best) == cfg.patience
    assert abs(validation_loss(gpt, validation) - report["validation_loss"]) < 1e-4
    again, report_again = run()
    assert report_again == report
    assert all(torch.equal(a, b) for a, b in zip(gpt.state_dict().values(), again.state_dict().values()))


def test_class_balanced_weights_give_every_class_the_same_total():
    labels = torch.tensor([0, 0, 0, 1, 2, 2])
    concept = torch.tensor([1.0, 0.5, 0.5, 1.0, 1.0, 1.0])
    w = classifier.class_balanced(labels, concept, 3)
    totals = torch.zeros(3).index_add_(0, labels, w)
    assert torch.allclose(totals, torch.full((3,), 1 / 3))
    assert torch.isclose(w[1], w[2]) and torch.isclose(w[0], 2 * w[1])  # ratios inside a class kept


def test_weighted_and_per_class_accuracy():
    class Fixed(torch.nn.Module):  # "predicts" the label stored in the image's first pixel
        def forward(self, x):
            return torch.nn.functional.one_hot(x[:, 0, 0, 0].long(), 2).float()

    images = torch.tensor([0.0, 0.0, 0.0, 1.0]).view(4, 1, 1, 1)
    labels = torch.tensor([0, 0, 1, 1])  # class 0 always right, class 1 half right
    assert classifier.accuracy(Fixed(), images, labels) == 0.75
    balanced = classifier.class_balanced(labels, torch.ones(4), 2)
    assert abs(classifier.accuracy(Fixed(), images, labels, balanced) - 0.75) < 1e-6
    skewed = torch.tensor([1.0, 1.0, 1.0, 0.0])
    assert abs(classifier.accuracy(Fixed(), images, labels, skewed) - 2 / 3) < 1e-6
    assert classifier.per_class_accuracy(Fixed(), images, labels, 3) == [1.0, 0.5, None]


def test_mean_cell_decoder_paints_each_token_as_the_mean_of_its_cells():
    images = torch.zeros(2, 1, 4, 4)
    images[0, :, :2, :2] = 1.0  # image 0: top-left cell white
    images[1, :, :2, :2] = 0.5
    tokens = torch.tensor([[1, 0, 0, 0], [1, 0, 0, 0]])  # the top-left cell is token 1 in both
    painter = MeanCellDecoder(tokens, images, 3, 2)
    out = painter(torch.tensor([[0, 1, 2, 0]]))
    assert torch.allclose(out[0, 0, :2, :2], torch.full((2, 2), 0.0))
    assert torch.allclose(out[0, 0, :2, 2:], torch.full((2, 2), 0.75))  # token 1's mean
    assert torch.allclose(out[0, 0, 2:, :2], torch.full((2, 2), 0.5))  # token 2 never seen: grey


def test_token_purity_and_the_study_choice():
    tokens = torch.tensor([[0, 0], [0, 1], [1, 1]])
    labels = torch.tensor([0, 0, 1])
    assert abs(tokenizers.purity(tokens, labels, 2) - 5 / 6) < 1e-6  # token 1's minority: one patch

    def row(block, ratio, loss, samples=10**9):
        return {
            "block": block,
            "k": 8,
            "cas_ratio": ratio,
            "loss_over_log_k": loss,
            "samples": samples,
            "cas_mean_cell": ratio / 2,
            "real_mean_cell": 0.5,
        }

    rows = [row(1, 0.70, 0.5), row(2, 0.80, 0.6), row(3, 0.79, 0.4)]
    assert tokenizers.choose(rows, 0.02)["block"] == 3  # within the tie margin, lower loss wins
    assert tokenizers.choose(rows, 0.0)["block"] == 2
    # with few samples the best's noise is wider than the margin: block 1 ties, and its loss is lowest
    noisy = [row(1, 0.70, 0.3, 100), row(2, 0.80, 0.6, 100)]
    assert tokenizers.ratio_standard_error(noisy[1]) > 0.05
    assert tokenizers.choose(noisy, 0.0)["block"] == 1
