"""Loading converted weights: every key must match in name and shape, or the error lists what
does not (with the checkpoint's own key names); and every key of a checkpoint must be used or
skipped on purpose, exactly once (KeyLedger)."""
from typing import Iterable

import torch.nn as nn


class KeyLedger:
    """The keys of one checkpoint's `model`, and what the conversion did with each: a key taken
    twice, or one that nothing took, is an error (a layout this converter does not know)."""

    def __init__(self, model: dict, file: str):
        self.keys, self.file, self.used = list(model), file, {}

    def take(self, keys: Iterable[str], use: str):
        for key in keys:
            if key in self.used:
                raise ValueError(f"{self.file}: {key} is read twice ({self.used[key]}; {use})")
            self.used[key] = use

    def check_complete(self):
        left = [k for k in self.keys if k not in self.used]
        if left:
            shown = ", ".join(left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
            raise ValueError(
                f"{self.file} has weights this converter does not know: {shown}. It reads the official DiGIT "
                "layouts (training/convert/official_layout.json); is this a DiGIT checkpoint?"
            )


def load_exactly(
    module: nn.Module, weights: dict, what: str, prefix: str = "", ledger: KeyLedger = None, names: dict = None
) -> nn.Module:
    """weights: names as `module` calls them; `prefix` is what the checkpoint puts before them and
    `names` maps our name to the checkpoint's where the rest differs."""
    names = names or {}

    def official(key):
        return prefix + names.get(key, key)

    ours = module.state_dict()
    missing, unexpected = sorted(set(ours) - set(weights)), sorted(set(weights) - set(ours))
    if missing or unexpected:
        raise ValueError(
            f"{what} does not match the official layout: missing {[official(k) for k in missing]}, "
            f"unexpected {[official(k) for k in unexpected]}"
        )
    for key, value in weights.items():
        if value.shape != ours[key].shape:
            raise ValueError(f"{official(key)} is {tuple(value.shape)}, expected {tuple(ours[key].shape)}")
    module.load_state_dict({k: v.float() for k, v in weights.items()})
    if ledger is not None:
        ledger.take([official(k) for k in weights], what)
    return module.eval()
