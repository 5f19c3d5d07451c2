"""Encoder features in bulk, and the linear probe that measures how discriminative they are."""
import torch
import torch.nn.functional as F

from digit.encoder import Encoder

from . import distributed


@torch.no_grad()
def patch_features(encoder: Encoder, images, batch: int = 512):
    """images [N, C, H, W] -> patch features [N, P, D] of the encoder's feature block (under
    torchrun, each process encodes one part of the images and all get every feature)."""
    encoder.eval()

    def encode(part):
        return torch.cat([encoder(part[i : i + batch]) for i in range(0, len(part), batch)])

    return distributed.map_rows(encode, images)


@torch.enable_grad()
def linear_probe(
    train_x, train_y, test_x, test_y, n_classes: int, steps: int = 150, weight_decay: float = 1e-4
) -> float:
    """Accuracy on the test set of a softmax classifier fit (L-BFGS) on standardised features."""
    mean, std = train_x.mean(0), train_x.std(0) + 1e-6
    tx, vx = (train_x - mean) / std, (test_x - mean) / std
    w = torch.zeros(tx.shape[1], n_classes, requires_grad=True)
    b = torch.zeros(n_classes, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1, max_iter=steps, history_size=20, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(tx @ w + b, train_y) + weight_decay * (w**2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        return ((vx @ w + b).argmax(1) == test_y).float().mean().item()
