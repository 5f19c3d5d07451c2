"""What every training stage shares: device, threads, schedules, resumable checkpoints, logs."""
import math
import os
import time

import torch


def device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def cosine(step: int, total: int, peak: float, warmup: int = 0, floor: float = 0.0) -> float:
    """Linear warm-up to `peak`, then cosine decay to `floor`."""
    if step < warmup:
        return peak * (step + 1) / warmup
    t = (step - warmup) / max(1, total - warmup)
    return floor + (peak - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, t)))


class Checkpoint:
    """A stage's resumable state in `path` (atomic writes); `done` marks a finished stage."""

    def __init__(self, path: str):
        self.path = path

    def load(self):
        return torch.load(self.path, map_location="cpu") if os.path.exists(self.path) else None

    def save(self, state: dict):
        tmp = self.path + ".tmp"
        torch.save(state, tmp)
        os.replace(tmp, self.path)


class Trainer:
    """A stage's training state: named modules, optimiser, step and data RNG, resumed from the
    stage's checkpoint when there is one, and the warm-up + cosine schedule every stage uses."""

    def __init__(self, ckpt: Checkpoint, log, modules: dict, opt, gen: torch.Generator, cfg):
        self.ckpt, self.modules, self.opt, self.gen, self.cfg = ckpt, modules, opt, gen, cfg
        self.step, self.extra = 0, {}
        state = ckpt.load()
        if state:
            for name, module in modules.items():
                module.load_state_dict(state[name])
            opt.load_state_dict(state["opt"])
            gen.set_state(state["gen"])
            self.step, self.extra = state["step"], state.get("extra", {})
            log(f"resumed at step {self.step}")

    @property
    def running(self) -> bool:
        return self.step < self.cfg.steps

    def set_lr(self) -> float:
        cfg = self.cfg
        lr = cosine(self.step, cfg.steps, cfg.lr, cfg.warmup, cfg.lr * 0.05)
        for group in self.opt.param_groups:
            group["lr"] = lr
        return lr

    def save(self, **extra):
        state = {name: m.state_dict() for name, m in self.modules.items()}
        self.ckpt.save(
            {**state, "opt": self.opt.state_dict(), "step": self.step, "gen": self.gen.get_state(), "extra": extra}
        )


class Log:
    """Prints progress with elapsed wall time; the totals go into the model card."""

    def __init__(self, stage: str):
        self.stage, self.start = stage, time.time()

    @property
    def elapsed(self) -> float:
        return time.time() - self.start

    def __call__(self, msg: str):
        print(f"[{self.stage} {self.elapsed / 60:6.1f} min] {msg}", flush=True)


def batches(n: int, size: int, gen: torch.Generator, weights=None):
    """Endless index batches over range(n): shuffled epochs, or, given per-example `weights`,
    draws with replacement in proportion to them."""
    while True:
        if weights is not None:
            yield torch.multinomial(weights, size, replacement=True, generator=gen)
            continue
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n - size + 1, size):
            yield perm[i : i + size]
