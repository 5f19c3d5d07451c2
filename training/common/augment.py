"""Batched image augmentations for self-supervised training (one affine warp per image)."""
import torch
import torch.nn.functional as F


def random_resized_crop(x, scale=(0.35, 1.0), ratio=(3 / 4, 4 / 3), flip=True, gen=None):
    """x [B, C, H, W] -> crops of random area/aspect/position, resized back to H x W."""
    b = x.shape[0]
    area = torch.empty(b).uniform_(*scale, generator=gen)
    log_r = torch.empty(b).uniform_(
        torch.log(torch.tensor(ratio[0])).item(), torch.log(torch.tensor(ratio[1])).item(), generator=gen
    )
    r = torch.exp(log_r)
    w = torch.sqrt(area * r).clamp(max=1.0)
    h = torch.sqrt(area / r).clamp(max=1.0)
    cx = (torch.rand(b, generator=gen) * 2 - 1) * (1 - w)
    cy = (torch.rand(b, generator=gen) * 2 - 1) * (1 - h)
    sx = w * torch.where(torch.rand(b, generator=gen) < 0.5, -1.0, 1.0) if flip else w
    theta = torch.zeros(b, 2, 3)
    theta[:, 0, 0], theta[:, 0, 2] = sx, cx
    theta[:, 1, 1], theta[:, 1, 2] = h, cy
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def jitter(x, brightness=0.3, contrast=0.3, gen=None):
    """Random brightness and contrast per image, clipped to [0, 1]."""
    b = x.shape[0]
    shape = (b,) + (1,) * (x.dim() - 1)
    c = 1 + (torch.rand(shape, generator=gen) * 2 - 1) * contrast
    br = (torch.rand(shape, generator=gen) * 2 - 1) * brightness
    mean = x.mean(dim=tuple(range(1, x.dim())), keepdim=True)
    return ((x - mean) * c + mean + br).clamp(0, 1)


def view(x, gen=None, scale=(0.35, 1.0)):
    return jitter(random_resized_crop(x, scale=scale, gen=gen), gen=gen)
