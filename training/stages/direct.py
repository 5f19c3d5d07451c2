"""The `direct` stage: the direct pixel decoder, DiGIT tokens -> pixels in one pass (the\nVQGAN-LC idea).

Trained on (tokens of a real image, that image) pairs with pixel L2 + L1, plus a feature-
matching term through the frozen SSL encoder, which keeps the output from blurring towards
the mean of everything a token can stand for.
"""
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from digit.conv_decoder import ConvDecoderConfig
from digit.encoder import Encoder
from digit.token_decoder import TokenDecoder

from common import adversarial, distributed
from common.distributed import device
from common.trainer import Checkpoint, Log, Trainer, batches


@dataclass
class DirectConfig:
    steps: int = 1000
    batch: int = 128
    lr: float = 2e-3
    warmup: int = 50
    feature_weight: float = 0.1
    seed: int = 0


def reconstruction_loss(encoder: Encoder, feature_weight: float):
    """Pixel L2 + L1/2, plus feature matching through the frozen encoder: fn(recon, x)."""

    def loss(recon, x):
        pixels = F.mse_loss(recon, x) + 0.5 * F.l1_loss(recon, x)
        if not feature_weight:
            return pixels
        with torch.no_grad():
            target = encoder(x)
        return pixels + feature_weight * F.mse_loss(encoder(recon.clamp(0, 1)), target)

    return loss


def frozen(encoder: Encoder) -> Encoder:
    encoder = encoder.to(device()).eval()
    for p in encoder.parameters():
        p.requires_grad = False
    return encoder


def train(
    dec_cfg: ConvDecoderConfig,
    codebook_size: int,
    grid: int,
    codes,
    images,
    encoder: Encoder,
    cfg: DirectConfig,
    ckpt: Checkpoint,
    log: Log,
    weights=None,
) -> TokenDecoder:
    dev = device()
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    model = TokenDecoder(dec_cfg, codebook_size, grid).to(dev)
    loss_fn = reconstruction_loss(frozen(encoder), cfg.feature_weight)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, betas=(0.9, 0.99), weight_decay=0.0)
    trainer = Trainer(ckpt, log, {"model": model}, opt, gen, cfg)
    net = distributed.wrap(model)
    order = batches(len(codes), cfg.batch, cfg.seed, trainer.step, weights, gen)
    while trainer.running:
        trainer.set_lr()
        idx = distributed.share(next(order))
        x, tok = images[idx].to(dev), codes[idx].to(dev)
        recon = net(tok)
        loss = loss_fn(recon, x)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        trainer.record(loss.item())
        if trainer.step % 50 == 0 or not trainer.running:
            psnr = -10 * math.log10(distributed.mean(F.mse_loss(recon.detach().clamp(0, 1), x).item()))
            log(f"step {trainer.step}/{cfg.steps} loss {loss.item():.4f} psnr {psnr:.2f} dB")
            trainer.save()
    return model.cpu().eval()


def run_stage(run, log: Log):
    """Train the decoder, then, if the recipe asks, fine-tune it against a patch critic."""
    r = run.recipe
    codes, images, weights = (
        run.load("codebook")["tokens"]["train"],
        run.data["train"][0],
        run.data.get("train_weights"),
    )
    model = train(
        r.PIXEL_DECODER,
        run.ids().codebook_size,
        r.ENCODER.grid,
        codes,
        images,
        run.encoder(),
        r.DIRECT,
        run.ckpt("direct"),
        log,
        weights,
    )
    if r.ADVERSARIAL.steps:
        loss = reconstruction_loss(frozen(run.encoder()), r.DIRECT.feature_weight)
        ckpt = run.ckpt("direct_adversarial")
        model = adversarial.finetune(model, loss, codes, images, r.ADVERSARIAL, ckpt, log, weights)
    run.save("direct", log, model=model.state_dict())
