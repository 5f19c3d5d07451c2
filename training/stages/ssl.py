"""Stage 1 of a pack: the self-supervised encoder, trained without labels.

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

from .augment import view
from .common import Checkpoint, Log, batches, cosine, device


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


def info_nce(a, b, temperature: float):
    """Each row of a must match the same row of b among all 2B - 1 other views."""
    z = F.normalize(torch.cat([a, b]), dim=-1)
    sim = z @ z.t() / temperature
    sim.fill_diagonal_(float("-inf"))
    n = len(a)
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(sim.device)
    return F.cross_entropy(sim, target)


def train(enc_cfg: EncoderConfig, cfg: SSLConfig, images: torch.Tensor, ckpt: Checkpoint,
          log: Log) -> Encoder:
    """images [N, C, H, W] in [0, 1]; returns the encoder (all blocks)."""
    dev = device()
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    encoder = init_weights(Encoder(enc_cfg)).to(dev)
    head = projection_head(enc_cfg.dim, cfg.proj_dim).to(dev)
    params = list(encoder.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW([{"params": [p for p in params if p.dim() > 1]},
                             {"params": [p for p in params if p.dim() <= 1], "weight_decay": 0.0}],
                            lr=cfg.lr, weight_decay=cfg.weight_decay)
    step = 0
    state = ckpt.load()
    if state:
        encoder.load_state_dict(state["encoder"])
        head.load_state_dict(state["head"])
        opt.load_state_dict(state["opt"])
        step = state["step"]
        gen.set_state(state["gen"])
        log(f"resumed at step {step}")
    order = batches(len(images), cfg.batch, gen)
    running = None
    while step < cfg.steps:
        lr = cosine(step, cfg.steps, cfg.lr, cfg.warmup, cfg.lr * 0.05)
        for g in opt.param_groups:
            g["lr"] = lr
        x = images[next(order)]
        a, b = (head(encoder(view(x, gen, cfg.crop_scale).to(dev)).mean(1)) for _ in range(2))
        loss = info_nce(a, b, cfg.temperature)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 3.0)
        opt.step()
        running = loss.item() if running is None else 0.9 * running + 0.1 * loss.item()
        step += 1
        if step % 25 == 0 or step == cfg.steps:
            log(f"step {step}/{cfg.steps} loss {running:.4f} lr {lr:.2e}")
        if step % 100 == 0 or step == cfg.steps:
            ckpt.save({"encoder": encoder.state_dict(), "head": head.state_dict(),
                       "opt": opt.state_dict(), "step": step, "gen": gen.get_state()})
    return encoder.cpu().eval()
