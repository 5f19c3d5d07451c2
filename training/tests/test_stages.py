"""Unit checks of the training stages' building blocks."""
import torch

from digit.pipeline import TokenIds
from common import kmeans
from common.augment import random_resized_crop
from evaluation.evaluate import add_noise, frechet
from common.gpt_training import stage1_sequences, stage2_sequences
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
    draws = next(batches(3, 30000, gen, torch.tensor([0.0, 1.0, 3.0])))
    counts = torch.bincount(draws, minlength=3)
    assert counts[0] == 0 and abs(counts[2] / counts[1] - 3) < 0.2
