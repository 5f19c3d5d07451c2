"""Training of the two GPTs on cached token sequences (teacher forcing, cross-entropy).

Stage 1: [BOS or class token, c_0 .. c_N-2] -> c_0 .. c_N-1; the class token is replaced by the
unconditional BOS with probability `class_dropout`, so guidance and unconditional sampling work.
Stage 2: [DiGIT prefix (N), separator, v_0 .. v_N-2] -> v_0 .. v_N-1 (loss on the VQ part only).
"""
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from digit.gpt import GPT
from digit.pipeline import TokenIds

from .trainer import Checkpoint, Log, Trainer, batches, device


@dataclass
class GPTTrainConfig:
    steps: int = 1000
    batch: int = 128
    lr: float = 2e-3
    warmup: int = 100
    weight_decay: float = 0.05
    class_dropout: float = 0.1
    seed: int = 0


def stage1_sequences(codes, labels, ids: TokenIds, class_dropout: float, gen):
    drop = torch.rand(len(codes), generator=gen) < class_dropout
    bos = torch.where(drop, torch.full_like(labels, ids.bos), ids.class_offset + labels)
    seq = torch.cat([bos[:, None], codes + ids.n_special], 1)
    return seq[:, :-1], seq[:, 1:], torch.ones_like(seq[:, 1:], dtype=torch.bool)


def stage2_sequences(codes, vq_codes, ids: TokenIds):
    n = codes.shape[1]
    sep = torch.full((len(codes), 1), ids.separator, dtype=torch.long)
    seq = torch.cat([codes + ids.prefix_offset, sep, vq_codes + ids.n_special], 1)
    mask = torch.zeros_like(seq[:, 1:], dtype=torch.bool)
    mask[:, n:] = True
    return seq[:, :-1], seq[:, 1:], mask


def train(gpt: GPT, make_batch, n_examples: int, cfg: GPTTrainConfig, ckpt: Checkpoint, log: Log, weights=None) -> GPT:
    """make_batch(index tensor, generator) -> (inputs, targets, loss mask); `weights`: optional
    per-example sampling weights."""
    dev = device()
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    gpt = gpt.to(dev)
    decay = [p for n, p in gpt.named_parameters() if p.dim() >= 2 and "embed" not in n]
    rest = [p for n, p in gpt.named_parameters() if not (p.dim() >= 2 and "embed" not in n)]
    opt = torch.optim.AdamW(
        [{"params": decay}, {"params": rest, "weight_decay": 0.0}],
        lr=cfg.lr,
        betas=(0.9, 0.95),
        weight_decay=cfg.weight_decay,
    )
    trainer = Trainer(ckpt, log, {"model": gpt}, opt, gen, cfg)
    order = batches(n_examples, cfg.batch, gen, weights)
    running = None
    while trainer.running:
        trainer.set_lr()
        inputs, targets, mask = (t.to(dev) for t in make_batch(next(order), gen))
        logits = gpt(inputs)
        loss = F.cross_entropy(logits[mask], targets[mask])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(gpt.parameters(), 1.0)
        opt.step()
        running = loss.item() if running is None else 0.95 * running + 0.05 * loss.item()
        trainer.step += 1
        if trainer.step % 50 == 0 or not trainer.running:
            log(f"step {trainer.step}/{cfg.steps} loss {running:.4f}")
            trainer.save()
    return gpt.cpu().eval()
