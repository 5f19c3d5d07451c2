"""A pixel decoder with nothing to train: each token is painted as the mean of the image cells
it stands for in the training images. Blurry, but the same for every tokenizer, so it lets a
study compare what a GPT's token grids show without training a decoder per tokenizer."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class MeanCellDecoder(nn.Module):
    def __init__(self, tokens, images, codebook_size: int, grid: int):
        """tokens [N, grid * grid] of images [N, C, H, W]; a token never seen paints grey."""
        super().__init__()
        self.grid, self.size, self.channels = grid, images.shape[-1], images.shape[1]
        cells = self.to_cells(images)  # [N * P, C * s * s]
        flat = tokens.reshape(-1)
        sums = torch.zeros(codebook_size, cells.shape[1]).index_add_(0, flat, cells)
        counts = torch.bincount(flat, minlength=codebook_size).float()[:, None]
        self.register_buffer("means", torch.where(counts > 0, sums / counts.clamp(min=1), torch.full_like(sums, 0.5)))

    def to_cells(self, images):
        s = self.size // self.grid
        return F.unfold(images, s, stride=s).transpose(1, 2).reshape(-1, self.channels * s * s)

    def forward(self, tokens):
        """tokens [B, grid * grid] -> images [B, C, H, W] in [0, 1]."""
        s = self.size // self.grid
        cells = self.means[tokens].transpose(1, 2)  # [B, C * s * s, P]
        return F.fold(cells, self.size, s, stride=s)
