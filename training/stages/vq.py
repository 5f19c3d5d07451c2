"""The `vq` stage, a VQ autoencoder: the VQ tokens the stage-2 GPT predicts, and the VQ-token baseline.

MaskGIT-VQGAN-style: a conv encoder down to the token grid, a codebook looked up by cosine
similarity (l2-normalised codes use the codebook evenly), the conv decoder of digit/ back to
pixels. Loss: pixel L2 + L1 + commitment; unused codes are restarted from recent encodings.
"""
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from digit.conv_decoder import ConvDecoder, ConvDecoderConfig
from digit.token_decoder import TokenDecoder
from digit.vq_encoder import ConvEncoder, VQEncoder, nearest_code

from common import distributed
from common.distributed import device
from common.trainer import Checkpoint, Log, Trainer, batches


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
        return nearest_code(self.encoder(x).flatten(2).transpose(1, 2), self.codebook)

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

    def vq_encoder(self) -> VQEncoder:
        """The pack's `vq_encoder`: the conv encoder + the codebook."""
        enc = VQEncoder(self.decoder_cfg, self.codebook.shape[0], self.encoder.conv_in.in_channels)
        enc.encoder.load_state_dict(self.encoder.state_dict())
        enc.codebook.copy_(self.codebook.detach())
        return enc.eval()

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
    net = distributed.wrap(model)
    order = batches(len(images), cfg.batch, cfg.seed, trainer.step)
    while trainer.running:
        trainer.set_lr()
        x = distributed.share(images[next(order)]).to(dev)
        recon, ids, commit, codebook = net(x)
        rec = F.mse_loss(recon, x) + 0.5 * F.l1_loss(recon, x)
        loss = rec + codebook + cfg.commitment * commit
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        usage += distributed.total(torch.bincount(ids.flatten(), minlength=cfg.codebook_size))
        trainer.record(loss.item())
        if trainer.step % cfg.restart_every == 0:
            dead = (usage == 0).nonzero().flatten()
            if len(dead) and trainer.step < cfg.steps * 0.8:
                with torch.no_grad():  # from the whole global batch, alike on every process
                    z = distributed.unshare(model.encode(x)[0])
                    pool = z.reshape(-1, z.shape[-1])
                    pick = torch.randint(len(pool), (len(dead),), generator=gen).to(dev)
                    model.codebook.data[dead] = pool[pick]
            used = int((usage > 0).sum())
            psnr = -10 * math.log10(distributed.mean(F.mse_loss(recon.clamp(0, 1), x).item()))
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
