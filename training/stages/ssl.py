"""Stage 1 of a pack: the self-supervised encoder, trained without labels.

DINO-style self-distillation (a student matches an EMA teacher across two augmented views on
the CLS token) plus iBOT's masked-patch distillation (on masked patches, the student matches
the teacher's view of the unmasked image). The patch term matters here: DiGIT clusters *patch*
features, so they must be discriminative too. No labels and no pixel reconstruction.
"""
import copy
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from digit.encoder import Encoder, EncoderConfig, init_weights

from .augment import view
from .common import Checkpoint, Log, batches, cosine, device


@dataclass
class SSLConfig:
    steps: int = 1500
    batch: int = 256
    lr: float = 1e-3
    weight_decay: float = 0.04
    warmup: int = 100
    out_dim: int = 512           # prototypes of the projection head
    student_temp: float = 0.1
    teacher_temp: float = 0.05
    momentum: float = 0.99       # EMA of the teacher, cosine to 1
    center_momentum: float = 0.9
    mask_ratio: tuple = (0.1, 0.5)
    crop_scale: tuple = (0.35, 1.0)
    patch_weight: float = 1.0
    seed: int = 0


class ProjectionHead(nn.Module):
    """MLP -> L2-normalised bottleneck -> weight-normalised prototypes, as in DINO."""

    def __init__(self, dim: int, out_dim: int, hidden: int = 256, bottleneck: int = 64):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, bottleneck))
        self.prototypes = nn.utils.weight_norm(nn.Linear(bottleneck, out_dim, bias=False))
        self.prototypes.weight_g.data.fill_(1)
        self.prototypes.weight_g.requires_grad = False

    def forward(self, x):
        return self.prototypes(F.normalize(self.mlp(x), dim=-1))


def distill(student, teacher, center, cfg: SSLConfig):
    """Cross-entropy of the student's distribution against the centred, sharpened teacher."""
    target = F.softmax((teacher - center) / cfg.teacher_temp, dim=-1)
    return -(target * F.log_softmax(student / cfg.student_temp, dim=-1)).sum(-1)


def random_masks(b: int, n: int, ratio, gen):
    """Half the images get a random fraction (within `ratio`) of patches masked."""
    frac = torch.empty(b).uniform_(*ratio, generator=gen) * (torch.rand(b, generator=gen) < 0.5)
    scores = torch.rand(b, n, generator=gen)
    return scores < frac.unsqueeze(1)


def train(enc_cfg: EncoderConfig, cfg: SSLConfig, images: torch.Tensor, ckpt: Checkpoint,
          log: Log) -> Encoder:
    """images [N, C, H, W] in [0, 1]; returns the teacher encoder (all blocks)."""
    dev = device()
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    student = init_weights(Encoder(enc_cfg)).to(dev)
    head = ProjectionHead(enc_cfg.dim, cfg.out_dim).to(dev)
    teacher = copy.deepcopy(student)
    teacher_head = ProjectionHead(enc_cfg.dim, cfg.out_dim).to(dev)
    teacher_head.load_state_dict(head.state_dict())
    for p in list(teacher.parameters()) + list(teacher_head.parameters()):
        p.requires_grad = False
    params = [p for p in list(student.parameters()) + list(head.parameters()) if p.requires_grad]
    decay = [p for p in params if p.dim() > 1]
    no_decay = [p for p in params if p.dim() <= 1]
    opt = torch.optim.AdamW([{"params": decay}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=cfg.lr, weight_decay=cfg.weight_decay)
    centers = {"cls": torch.zeros(cfg.out_dim, device=dev), "patch": torch.zeros(cfg.out_dim, device=dev)}
    step = 0
    state = ckpt.load()
    if state:
        student.load_state_dict(state["student"])
        head.load_state_dict(state["head"])
        teacher.load_state_dict(state["teacher"])
        teacher_head.load_state_dict(state["teacher_head"])
        opt.load_state_dict(state["opt"])
        centers = {k: v.to(dev) for k, v in state["centers"].items()}
        step = state["step"]
        gen.set_state(state["gen"])
        log(f"resumed at step {step}")
    n_reg = enc_cfg.n_registers
    order = batches(len(images), cfg.batch, gen)
    while step < cfg.steps:
        lr = cosine(step, cfg.steps, cfg.lr, cfg.warmup, cfg.lr * 0.05)
        for g in opt.param_groups:
            g["lr"] = lr
        x = images[next(order)]
        views = [view(x, gen, cfg.crop_scale).to(dev) for _ in range(2)]
        masks = [random_masks(len(x), enc_cfg.grid ** 2, cfg.mask_ratio, gen).to(dev) for _ in range(2)]
        with torch.no_grad():
            t_tok = [teacher.tokens(v) for v in views]
        s_tok = [student.tokens(v, m) for v, m in zip(views, masks)]
        cls_loss = patch_loss = 0.0
        t_cls, t_patch = [], []
        for i in range(2):
            with torch.no_grad():
                t_cls.append(teacher_head(t_tok[i][:, 0]))
                t_patch.append(teacher_head(t_tok[i][:, 1 + n_reg:][masks[i]]))
        for i in range(2):
            s_cls = head(s_tok[1 - i][:, 0])
            cls_loss = cls_loss + distill(s_cls, t_cls[i], centers["cls"], cfg).mean() / 2
            if masks[i].any():
                s_patch = head(s_tok[i][:, 1 + n_reg:][masks[i]])
                patch_loss = patch_loss + distill(s_patch, t_patch[i], centers["patch"], cfg).mean() / 2
        loss = cls_loss + cfg.patch_weight * patch_loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 3.0)
        opt.step()
        with torch.no_grad():
            mom = 1 - (1 - cfg.momentum) * (1 + torch.cos(torch.tensor(step / cfg.steps * 3.14159))).item() / 2
            for pt, ps in zip(list(teacher.parameters()) + list(teacher_head.parameters()),
                              list(student.parameters()) + list(head.parameters())):
                pt.mul_(mom).add_(ps.detach(), alpha=1 - mom)
            for key, outs in (("cls", t_cls), ("patch", t_patch)):
                batch_center = torch.cat(outs).mean(0)
                centers[key].mul_(cfg.center_momentum).add_(batch_center, alpha=1 - cfg.center_momentum)
        step += 1
        if step % 25 == 0 or step == cfg.steps:
            log(f"step {step}/{cfg.steps} loss {float(loss):.3f} (cls {float(cls_loss):.3f} "
                f"patch {float(patch_loss):.3f}) lr {lr:.2e}")
        if step % 100 == 0 or step == cfg.steps:
            ckpt.save({"student": student.state_dict(), "head": head.state_dict(),
                       "teacher": teacher.state_dict(), "teacher_head": teacher_head.state_dict(),
                       "opt": opt.state_dict(), "centers": centers, "step": step,
                       "gen": gen.get_state()})
    return teacher.cpu().eval()
