"""The k-means token lookup: the id of the nearest centroid by squared L2 distance."""
import torch
import torch.nn as nn


class Quantizer(nn.Module):
    """centroids [K, D]. `centroid_norm` [K] is stored, not recomputed: the official tokenizer
    uses the checkpoint's value, which is not exactly the sum of squares of the centroids."""

    def __init__(self, centroids: torch.Tensor, centroid_norm: torch.Tensor = None):
        super().__init__()
        self.register_buffer("centroids", centroids.float())
        if centroid_norm is None:
            centroid_norm = (centroids.float() ** 2).sum(1)
        self.register_buffer("centroid_norm", centroid_norm.float().reshape(-1))

    def forward(self, features):
        """features [B, N, D] -> (tokens [B, N] int64, squared distance [B, N])."""
        dist = (features**2).sum(-1, keepdim=True) - 2 * features @ self.centroids.t() + self.centroid_norm
        distance, tokens = dist.min(-1)
        return tokens, distance

    def nearest_two(self, features):
        """(tokens, distance, runner-up token, its distance), each [B, N]: the token map shows how
        close the second-nearest centroid came. The first two equal forward()'s."""
        dist = (features**2).sum(-1, keepdim=True) - 2 * features @ self.centroids.t() + self.centroid_norm
        distance, tokens = dist.min(-1)
        others = dist.scatter(-1, tokens.unsqueeze(-1), float("inf"))
        runner_up_distance, runner_up = others.min(-1)
        return tokens, distance, runner_up, runner_up_distance


class NearestTwo(nn.Module):
    """The exported tokenizer graph: Quantizer.nearest_two as a module."""

    def __init__(self, quantizer: Quantizer):
        super().__init__()
        self.quantizer = quantizer

    def forward(self, features):
        return self.quantizer.nearest_two(features)
