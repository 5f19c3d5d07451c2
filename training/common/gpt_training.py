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

from . import distributed
from .distributed import device
from .trainer import Checkpoint, Log, Trainer, batches


@dataclass
class GPTTrainConfig:
    steps: int = 1000  # at most: with `patience`, training stops once the validation loss does
    batch: int = 128
    lr: float = 2e-3
    warmup: int = 100
    weight_decay: float = 0.05
    class_dropout: float = 0.1
    eval_every: int = 200  # steps between validation losses
    patience: int = 0  # stop after this many validations without a new best (0: never stop early)
    seed: int = 0
    # stage 2: this many randomly cropped and flipped copies of the training images join them,
    # each tokenized afresh by both tokenizers (more DiGIT -> VQ pairs than the data holds)
    augmented_copies: int = 0


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


@torch.no_grad()
def validation_loss(gpt: GPT, sequences, batch: int = 256) -> float:
    """Mean cross-entropy per predicted token, in nats, over held-out (inputs, targets, mask);
    each process measures one part of them."""
    inputs, targets, mask = (torch.tensor_split(t, distributed.world_size())[distributed.rank()] for t in sequences)
    was_training = gpt.training
    gpt.eval()
    sums = torch.zeros(2, dtype=torch.float64)
    for i in range(0, len(inputs), batch):
        logits, m = gpt(inputs[i : i + batch].to(device())), mask[i : i + batch].to(device())
        sums[0] += F.cross_entropy(logits[m], targets[i : i + batch].to(device())[m], reduction="sum").item()
        sums[1] += int(m.sum())
    gpt.train(was_training)
    loss, count = distributed.total(sums).tolist()
    return loss / count


def validation_part(*splits, size: int = 2000):
    """The held-out examples a validation loss is measured on: the test split's first `size`."""
    return [split[:size] for split in splits]


def train_stage1(run, tokens: dict, ids: TokenIds, ckpt: Checkpoint, log: Log, schedule: GPTTrainConfig = None):
    """A class-conditional stage-1 GPT of the recipe's size and schedule (or `schedule`) over
    `tokens` ({train, test} codes per image; DiGIT's, or the VQ baseline's)."""
    r, labels = run.recipe, run.data["train"][1]
    schedule = schedule or r.STAGE1
    cfg = r.stage1_gpt(ids.stage1_vocab, len(run.data["classes"]), tokens["train"].shape[1])

    def sequences(idx, gen):
        return stage1_sequences(tokens["train"][idx], labels[idx], ids, schedule.class_dropout, gen)

    held_out = stage1_sequences(*validation_part(tokens["test"], run.data["test"][1]), ids, 0.0, None)
    weights = run.data.get("train_weights")
    return train(GPT(cfg), sequences, len(tokens["train"]), schedule, ckpt, log, weights, held_out)


def train(
    gpt: GPT,
    make_batch,
    n_examples: int,
    cfg: GPTTrainConfig,
    ckpt: Checkpoint,
    log: Log,
    weights=None,
    validation=None,
):
    """make_batch(index tensor, generator) -> (inputs, targets, loss mask); `weights`: optional
    per-example sampling weights; `validation`: held-out (inputs, targets, mask), measured every
    cfg.eval_every steps. Returns the GPT with its best validation weights (the last ones
    without validation) and the report {validation_loss, best_step, steps, history}."""
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
    best = trainer.extra or {"history": [], "loss": float("inf"), "step": 0, "model": None}
    net = distributed.wrap(gpt)
    order = batches(n_examples, cfg.batch, cfg.seed, trainer.step, weights, gen)
    running = None

    def patience_left() -> bool:
        evaluations_since_best = sum(1 for step, _ in best["history"] if step > best["step"])
        return not cfg.patience or evaluations_since_best < cfg.patience

    while trainer.running and patience_left():
        trainer.set_lr()
        inputs, targets, mask = (distributed.share(t).to(dev) for t in make_batch(next(order), gen))
        logits = net(inputs)
        loss = F.cross_entropy(logits[mask], targets[mask])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(gpt.parameters(), 1.0)
        opt.step()
        step_loss = trainer.record(loss.item())
        running = step_loss if running is None else 0.95 * running + 0.05 * step_loss
        if validation is not None and (trainer.step % cfg.eval_every == 0 or not trainer.running):
            held_out = validation_loss(gpt, validation)
            best["history"].append((trainer.step, round(held_out, 4)))
            if held_out < best["loss"]:
                best.update(
                    loss=held_out, step=trainer.step, model={k: v.clone() for k, v in gpt.state_dict().items()}
                )
            log(f"step {trainer.step}: validation loss {held_out:.4f} (best {best['loss']:.4f} at {best['step']})")
        if trainer.step % 50 == 0 or not trainer.running or not patience_left():
            log(f"step {trainer.step}/{cfg.steps} loss {running:.4f}")
            trainer.save(**best)
    if best["model"] is not None:
        gpt.load_state_dict(best["model"])
    report = {"steps": trainer.step, "history": best["history"]}
    if validation is not None:
        report.update(validation_loss=round(best["loss"], 4), best_step=best["step"])
    return gpt.cpu().eval(), report
