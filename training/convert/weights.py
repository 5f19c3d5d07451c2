"""Loading converted weights: every key must match in name and shape, or the error lists what
does not (with the checkpoint's own key names)."""
import torch.nn as nn


def load_exactly(module: nn.Module, weights: dict, what: str, prefix: str = "") -> nn.Module:
    """weights: names as `module` calls them; `prefix` is what the checkpoint puts before them."""
    ours = module.state_dict()
    missing, unexpected = sorted(set(ours) - set(weights)), sorted(set(weights) - set(ours))
    if missing or unexpected:
        raise ValueError(
            f"{what} does not match the official layout: missing {[prefix + k for k in missing]}, "
            f"unexpected {[prefix + k for k in unexpected]}"
        )
    for key, value in weights.items():
        if value.shape != ours[key].shape:
            raise ValueError(f"{prefix}{key} is {tuple(value.shape)}, expected {tuple(ours[key].shape)}")
    module.load_state_dict({k: v.float() for k, v in weights.items()})
    return module.eval()
