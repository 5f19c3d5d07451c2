"""The `ssl` stage: the self-supervised encoder, trained without labels.

Contrastive (SimCLR-style): two augmented views of each image; the mean of the encoder's patch
features, through a small projection head, must pick out its partner view among all the other
views in the batch (InfoNCE). The pooled *patch* features carry the objective because those
are what DiGIT clusters into tokens. No labels and no pixel reconstruction.

(A DINO + iBOT self-distillation variant was tried first: in the budget we have, its CLS head
stayed collapsed to the uniform distribution and the probe fell below a random encoder's.)
"""
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from digit.encoder import Encoder, EncoderConfig, init_weights

from common.augment import view
from common import distributed
from common.distributed import device
from common.trainer import Checkpoint, Log, Trainer, batches


@dataclass
class SSLConfig:
    steps: int = 750
    batch: int = 128
    lr: float = 1e-3
    weight_decay: float = 0.05
    warmup: int = 50
    proj_dim: int = 128
    temperature: float = 0.2
    crop_scale: tuple = (0.35, 1.0)
    seed: int = 0


def projection_head(dim: int, out: int) -> nn.Module:
    return nn.Sequential(nn.Linear(dim, 256), nn.GELU(), nn.Linear(256, out))


class Projector(nn.Module):
    """Encoder + head: a batch of views -> one projection each (of its mean patch feature)."""

    def __init__(self, encoder: Encoder, head: nn.Module):
        super().__init__()
        self.encoder, self.head = encoder, head

    def forward(self, views):
        return self.head(self.encoder(views).mean(1))


def info_nce(a, b, temperature: float):
    """Each row of a must match the same row of b among all 2B - 1 other views."""
    z = F.normalize(torch.cat([a, b]), dim=-1)
    sim = z @ z.t() / temperature
    sim.fill_diagonal_(float("-inf"))
    n = len(a)
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(sim.device)
    return F.cross_entropy(sim, target)


def train(enc_cfg: EncoderConfig, cfg: SSLConfig, images: torch.Tensor, ckpt: Checkpoint, log: Log) -> Encoder:
    """images [N, C, H, W] in [0, 1]; returns the encoder (all blocks)."""
    dev = device()
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    encoder = init_weights(Encoder(enc_cfg)).to(dev)
    head = projection_head(enc_cfg.dim, cfg.proj_dim).to(dev)
    params = list(encoder.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(
        [
            {"params": [p for p in params if p.dim() > 1]},
            {"params": [p for p in params if p.dim() <= 1], "weight_decay": 0.0},
        ],
        lr=cfg.lr,
        weight_decay=cfg.weight_decay,
    )
    trainer = Trainer(ckpt, log, {"encoder": encoder, "head": head}, opt, gen, cfg)
    # The encoder's mask token (kept for the official layout) gets no gradient here.
    projector = distributed.wrap(Projector(encoder, head), unused_parameters=True)
    order = batches(len(images), cfg.batch, cfg.seed, trainer.step)
    running = None
    while trainer.running:
        lr = trainer.set_lr()
        x = images[next(order)]
        views = [distributed.share(view(x, gen, cfg.crop_scale)) for _ in range(2)]
        a, b = projector(torch.cat(views).to(dev)).chunk(2)
        # The negatives are every process's views; see gather_keeping_grad for the scaling.
        loss = info_nce(distributed.gather_keeping_grad(a), distributed.gather_keeping_grad(b), cfg.temperature)
        opt.zero_grad(set_to_none=True)
        (loss * distributed.world_size()).backward()
        torch.nn.utils.clip_grad_norm_(params, 3.0)
        opt.step()
        step_loss = trainer.record(loss.item())
        running = step_loss if running is None else 0.9 * running + 0.1 * step_loss
        if trainer.step % 25 == 0 or not trainer.running:
            log(f"step {trainer.step}/{cfg.steps} loss {running:.4f} lr {lr:.2e}")
        if trainer.step % 100 == 0 or not trainer.running:
            trainer.save()
    return encoder.cpu().eval()


def run_stage(run, log: Log):
    encoder = train(run.recipe.ENCODER, run.recipe.SSL, run.data["train"][0], run.ckpt("ssl"), log)
    run.save("ssl", log, encoder=encoder.state_dict())
