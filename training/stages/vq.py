"""The `vq` stage, a VQ autoencoder: the VQ tokens the stage-2 GPT predicts, and the VQ-token baseline.

MaskGIT-VQGAN-style: a conv encoder down to the token grid, a codebook looked up by cosine
similarity (l2-normalised codes use the codebook evenly), the conv decoder of digit/ back to
pixels. Loss: pixel L2 + L1 + commitment; unused codes are restarted from recent encodings.
"""
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from digit.conv_decoder import ConvDecoder, ConvDecoderConfig, ResBlock
from digit.token_decoder import TokenDecoder

from common.trainer import Checkpoint, Log, Trainer, batches, device


@dataclass
class VQConfig:
    codebook_size: int = 256
    steps: int = 2000
    batch: int = 128
    lr: float = 2e-3
    warmup: int = 100
    commitment: float = 0.25
    restart_every: int = 100
    seed: int = 0


class ConvEncoder(nn.Module):
    """Image -> latent grid, downsampling by 2 per level (mirror of the conv decoder)."""

    def __init__(self, cfg: ConvDecoderConfig, in_channels: int):
        super().__init__()
        widths = [cfg.channels * m for m in cfg.channel_mult]
        self.conv_in = nn.Conv2d(in_channels, widths[0], 3, padding=1)
        layers = []
        for i, width in enumerate(widths):
            c_in = widths[max(0, i - 1)]
            layers.append(ResBlock(cfg, c_in, width))
            if i + 1 < len(widths):
                layers.append(nn.Conv2d(width, width, 3, stride=2, padding=1))
        self.body = nn.Sequential(*layers)
        self.norm_out = nn.GroupNorm(min(cfg.groups, widths[-1]), widths[-1], eps=1e-6)
        self.conv_out = nn.Conv2d(widths[-1], cfg.z_dim, 1)

    def forward(self, x):
        return self.conv_out(F.silu(self.norm_out(self.body(self.conv_in(x)))))


class VQAutoencoder(nn.Module):
    def __init__(self, dec_cfg: ConvDecoderConfig, codebook_size: int, in_channels: int, grid: int):
        super().__init__()
        self.grid = grid
        self.decoder_cfg = dec_cfg
        self.encoder = ConvEncoder(dec_cfg, in_channels)
        self.codebook = nn.Parameter(torch.randn(codebook_size, dec_cfg.z_dim))
        self.decoder = ConvDecoder(dec_cfg)

    def encode(self, x):
        """images -> (normalised latents [B, N, z], token ids [B, N])."""
        z = F.normalize(self.encoder(x).flatten(2).transpose(1, 2), dim=-1)
        ids = (z @ F.normalize(self.codebook, dim=-1).t()).argmax(-1)
        return z, ids

    def decode_ids(self, ids):
        q = F.normalize(self.codebook, dim=-1)[ids]
        return self.decoder(q.transpose(1, 2).reshape(ids.shape[0], -1, self.grid, self.grid))

    def forward(self, x):
        z, ids = self.encode(x)
        q = F.normalize(self.codebook, dim=-1)[ids]
        commit = F.mse_loss(z, q.detach())
        codebook = F.mse_loss(q, z.detach())
        q = z + (q - z).detach()  # straight-through
        recon = self.decoder(q.transpose(1, 2).reshape(x.shape[0], -1, self.grid, self.grid))
        return recon, ids, commit, codebook

    def token_decoder(self) -> TokenDecoder:
        """The pack's `vq_decoder`: the normalised codebook + the conv decoder."""
        dec = TokenDecoder(self.decoder_cfg, self.codebook.shape[0], self.grid)
        dec.codebook.weight.data.copy_(F.normalize(self.codebook.detach(), dim=-1))
        dec.decoder.load_state_dict(self.decoder.state_dict())
        return dec.eval()


@torch.no_grad()
def tokenize(model: VQAutoencoder, images, batch: int = 1000):
    return torch.cat([model.encode(images[i : i + batch])[1] for i in range(0, len(images), batch)])


def train(
    dec_cfg: ConvDecoderConfig, cfg: VQConfig, images: torch.Tensor, grid: int, ckpt: Checkpoint, log: Log
) -> VQAutoencoder:
    dev = device()
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    model = VQAutoencoder(dec_cfg, cfg.codebook_size, images.shape[1], grid).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, betas=(0.9, 0.99), weight_decay=0.0)
    trainer = Trainer(ckpt, log, {"model": model}, opt, gen, cfg)
    usage = trainer.extra.get("usage", torch.zeros(cfg.codebook_size)).to(dev)
    order = batches(len(images), cfg.batch, gen)
    while trainer.running:
        trainer.set_lr()
        x = images[next(order)].to(dev)
        recon, ids, commit, codebook = model(x)
        rec = F.mse_loss(recon, x) + 0.5 * F.l1_loss(recon, x)
        loss = rec + codebook + cfg.commitment * commit
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        usage += torch.bincount(ids.flatten(), minlength=cfg.codebook_size)
        trainer.step += 1
        if trainer.step % cfg.restart_every == 0:
            dead = (usage == 0).nonzero().flatten()
            if len(dead) and trainer.step < cfg.steps * 0.8:
                with torch.no_grad():
                    z, _ = model.encode(x)
                    pool = z.reshape(-1, z.shape[-1])
                    pick = torch.randint(len(pool), (len(dead),), generator=gen).to(dev)
                    model.codebook.data[dead] = pool[pick]
            used = int((usage > 0).sum())
            psnr = -10 * torch.log10(F.mse_loss(recon.clamp(0, 1), x)).item()
            log(
                f"step {trainer.step}/{cfg.steps} loss {loss.item():.4f} psnr {psnr:.2f} dB, "
                f"codes used {used}/{cfg.codebook_size}, restarted {len(dead)}"
            )
            usage.zero_()
            trainer.save(usage=usage)
    return model.cpu().eval()


def run_stage(run, log: Log):
    r = run.recipe
    model = train(r.PIXEL_DECODER, r.VQ, run.data["train"][0], r.ENCODER.grid, run.ckpt("vq"), log)
    tokens = {split: tokenize(model, run.data[split][0]) for split in ("train", "test")}
    run.save("vq", log, model=model.state_dict(), tokens=tokens)
