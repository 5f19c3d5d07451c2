"""Token grid -> pixels: an embedding table, then the conv decoder. Both pixel decoders have
this shape:
- `ar-vq` (the paper): the VQGAN codebook over the VQ tokens that the stage-2 GPT samples;
- `direct` (the VQGAN-LC idea): an embedding over the DiGIT codes themselves, one pass, no
  stage-2 GPT.
"""
import torch.nn as nn

from .conv_decoder import ConvDecoder, ConvDecoderConfig


class TokenDecoder(nn.Module):
    def __init__(self, cfg: ConvDecoderConfig, codebook_size: int, grid: int):
        super().__init__()
        self.grid = grid
        self.codebook = nn.Embedding(codebook_size, cfg.z_dim)
        self.decoder = ConvDecoder(cfg)

    def forward(self, tokens):
        """tokens [B, grid*grid] in [0, codebook_size) -> image [B, C, H, W], ~[0, 1]."""
        z = self.codebook(tokens).transpose(1, 2)
        return self.decoder(z.reshape(tokens.shape[0], -1, self.grid, self.grid))
