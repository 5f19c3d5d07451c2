"""What every training stage shares: device, schedules, batches, resumable checkpoints, logs."""
import math
import os
import time

import torch
from torch.utils.data import DistributedSampler

from . import distributed


def cosine(step: int, total: int, peak: float, warmup: int = 0, floor: float = 0.0) -> float:
    """Linear warm-up to `peak`, then cosine decay to `floor`."""
    if step < warmup:
        return peak * (step + 1) / warmup
    t = (step - warmup) / max(1, total - warmup)
    return floor + (peak - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, t)))


class Checkpoint:
    """A stage's resumable state in `path` (atomic writes, by rank 0 only)."""

    def __init__(self, path: str):
        self.path = path

    def load(self):
        return torch.load(self.path, map_location="cpu") if os.path.exists(self.path) else None

    def save(self, state: dict):
        if not distributed.is_main():
            return
        tmp = self.path + ".tmp"
        torch.save(state, tmp)
        os.replace(tmp, self.path)


class Trainer:
    """A stage's training state: named modules, optimiser, step, data RNG and the loss of every
    step so far, resumed from the stage's checkpoint when there is one, and the warm-up + cosine
    schedule every stage uses."""

    def __init__(self, ckpt: Checkpoint, log, modules: dict, opt, gen: torch.Generator, cfg):
        self.ckpt, self.modules, self.opt, self.gen, self.cfg = ckpt, modules, opt, gen, cfg
        self.step, self.extra, self.losses = 0, {}, []
        state = ckpt.load()
        if state:
            for name, module in modules.items():
                module.load_state_dict(state[name])
            opt.load_state_dict(state["opt"])
            gen.set_state(state["gen"])
            self.step, self.extra, self.losses = state["step"], state.get("extra", {}), state.get("losses", [])
            log(f"resumed at step {self.step}")

    @property
    def running(self) -> bool:
        return self.step < self.cfg.steps

    def record(self, loss: float) -> float:
        """Counts a finished step and its loss (averaged over processes: the global batch's)."""
        self.losses.append(distributed.mean(loss))
        self.step += 1
        return self.losses[-1]

    def set_lr(self) -> float:
        cfg = self.cfg
        lr = cosine(self.step, cfg.steps, cfg.lr, cfg.warmup, cfg.lr * 0.05)
        for group in self.opt.param_groups:
            group["lr"] = lr
        return lr

    def save(self, **extra):
        state = {name: m.state_dict() for name, m in self.modules.items()}
        self.ckpt.save(
            {
                **state,
                "opt": self.opt.state_dict(),
                "step": self.step,
                "gen": self.gen.get_state(),
                "losses": self.losses,
                "extra": extra,
            }
        )


class Log:
    """Prints progress with elapsed wall time; the totals go into the model card."""

    def __init__(self, stage: str):
        self.stage, self.start = stage, time.time()

    @property
    def elapsed(self) -> float:
        return time.time() - self.start

    def __call__(self, msg: str):
        if distributed.is_main():
            print(f"[{self.stage} {self.elapsed / 60:6.1f} min] {msg}", flush=True)


def batches(n: int, size: int, seed: int, start: int = 0, weights=None, gen: torch.Generator = None):
    """Endless global batches of indices into range(n), from step `start` on (so a resumed stage
    sees the batches an uninterrupted one would): shuffled epochs, epoch e in the order
    DistributedSampler gives with seed + e; or, given per-example `weights`, draws with
    replacement in proportion to them from `gen`. Each process keeps its share (`distributed.share`)."""
    if weights is not None:
        while True:
            yield torch.multinomial(weights, size, replacement=True, generator=gen)
    per_epoch = n // size
    if not per_epoch:
        raise ValueError(f"a batch of {size} is larger than the {n} examples")
    epoch, offset = divmod(start, per_epoch)
    while True:
        sampler = DistributedSampler(range(n), num_replicas=1, rank=0, shuffle=True, seed=seed)
        sampler.set_epoch(epoch)
        order = torch.tensor(list(sampler))
        for i in range(offset * size, per_epoch * size, size):
            yield order[i : i + size]
        epoch, offset = epoch + 1, 0
