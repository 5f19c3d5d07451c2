"""The whole DiGIT pipeline in plain PyTorch: the reference every other implementation matches.

image -> encoder -> quantizer -> DiGIT tokens; stage-1 GPT samples DiGIT tokens; a pixel
decoder turns them into an image (stage-2 GPT + VQ decoder, or the direct decoder).
"""
from dataclasses import dataclass, replace
from typing import List, Optional, Sequence

import torch

from .encoder import Encoder
from .gpt import GPT
from .quantizer import Quantizer
from .sampling import Rng, SamplingSettings, draw_token, image_rng
from .token_decoder import TokenDecoder
from .vq_encoder import VQEncoder


@dataclass
class TokenIds:
    """Id layout of the two GPT vocabularies (official: K = 8192, VQ codebook 1024)."""

    codebook_size: int  # K, DiGIT codes
    vq_codebook_size: int = 0
    n_special: int = 5  # 0 bos, 1 pad, 2 eos, 3 unk, 4 mask
    bos: int = 2  # unconditional BOS of stage 1
    separator: int = 2  # between the stage-2 prefix and the VQ tokens

    @property
    def stage1_vocab(self) -> int:
        return self.n_special + self.codebook_size

    @property
    def class_offset(self) -> int:  # class c is stage-1 id class_offset + c
        return self.stage1_vocab

    @property
    def prefix_offset(self) -> int:  # stage-2 prefix: DiGIT code k is id prefix_offset + k
        return self.n_special + self.vq_codebook_size + self.n_special

    @property
    def stage2_vocab(self) -> int:
        return self.prefix_offset + self.codebook_size


def to_uint8(image: torch.Tensor) -> torch.Tensor:
    """Decoder output [B, C, H, W] -> uint8 [B, H, W, C]: clip(x * 255, 0, 255), truncated."""
    return (image * 255).clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1)


@torch.no_grad()
def sample_ids(
    gpt: GPT,
    prompts: List[List[int]],
    uncond: Optional[List[List[int]]],
    n: int,
    lo: int,
    hi: int,
    rngs: List[Rng],
    settings: SamplingSettings,
):
    """Extend each prompt by n sampled ids in [lo, hi), one KV-cache step at a time, exactly
    as the exported graphs run; unconditional rows (guidance) ride in the same batch.
    Returns the sampled ids [B][n] and each draw's margin [B][n] (see draw_token)."""
    rows = [list(p) for p in prompts] + [list(p) for p in (uncond or [])]
    margins = [[] for _ in prompts]
    batch, prompt_len = len(prompts), len(prompts[0])
    past_key, past_value = gpt.empty_cache(len(rows), prompt_len + n - 1)
    for pos in range(prompt_len + n - 1):
        tokens = torch.tensor([[row[pos]] for row in rows])
        logits, past_key, past_value = gpt.step(tokens, torch.tensor([pos]), past_key, past_value)
        if pos + 1 < prompt_len:
            continue
        for b in range(batch):
            base = logits[b + batch].tolist() if uncond else None
            tok, margin = draw_token(logits[b].tolist(), rngs[b].uniform(), lo, hi, settings, base)
            rows[b].append(tok)
            margins[b].append(margin)
            if uncond:
                rows[b + batch].append(tok)
    return [row[prompt_len:] for row in rows[:batch]], margins


@dataclass
class Pipeline:
    ids: TokenIds
    grid: int
    encoder: Encoder
    quantizer: Quantizer
    stage1: GPT
    stage2: Optional[GPT] = None
    vq_decoder: Optional[TokenDecoder] = None
    direct_decoder: Optional[TokenDecoder] = None
    # the paper's baseline, for comparison: image -> VQ codes, and a stage-1 GPT over VQ codes
    vq_encoder: Optional[VQEncoder] = None
    vq_stage1: Optional[GPT] = None

    @property
    def n_tokens(self) -> int:
        return self.grid * self.grid

    @torch.no_grad()
    def tokenize(self, image):
        return self.quantizer(self.encoder(image))

    def sample_tokens(
        self, class_id: Optional[int], seed: int, batch: int, settings: SamplingSettings, prefix: Sequence[int] = ()
    ):
        """Stage 1: returns DiGIT codes [batch, N], each image's RNG (stage 2 continues it) and
        the margins of the sampled codes. A prefix (the first codes of the grid, row-major) is
        kept and only the rest is sampled."""
        ids = self.ids
        rngs = [image_rng(seed, i) for i in range(batch)]
        bos = ids.bos if class_id is None else ids.class_offset + class_id
        guided = class_id is not None and settings.guidance != 1.0
        fixed = [ids.n_special + int(k) for k in prefix]
        sampled, margins = sample_ids(
            self.stage1,
            [[bos] + fixed] * batch,
            [[ids.bos] + fixed] * batch if guided else None,
            self.n_tokens - len(fixed),
            ids.n_special,
            ids.stage1_vocab,
            rngs,
            settings,
        )
        return torch.tensor([fixed + row for row in sampled]) - ids.n_special, rngs, margins

    def sample_vq_tokens(self, tokens, rngs: List[Rng], settings: SamplingSettings):
        """Stage 2: DiGIT codes [B, N] -> VQ codes [B, N] and their margins."""
        ids = self.ids
        prompts = [[ids.prefix_offset + int(k) for k in row] + [ids.separator] for row in tokens]
        lo = ids.n_special
        out, margins = sample_ids(
            self.stage2, prompts, None, self.n_tokens, lo, lo + ids.vq_codebook_size, rngs, settings
        )
        return torch.tensor(out) - lo, margins

    def baseline(self) -> "Pipeline":
        """The paper's baseline as a pipeline: its stage 1 is the GPT over VQ codes (decoder
        "vq-gpt": the VQ decoder straight from those codes)."""
        return replace(self, ids=TokenIds(codebook_size=self.ids.vq_codebook_size), stage1=self.vq_stage1)

    @torch.no_grad()
    def decode(self, tokens, decoder: str, rngs=None, settings: SamplingSettings = None):
        """Stage-1 codes [B, N] -> (uint8 images [B, H, W, C], VQ codes or None, their margins).
        The codes are DiGIT's, or VQ codes for "vq-gpt" (the baseline's)."""
        if decoder == "vq-gpt":
            return to_uint8(self.vq_decoder(tokens)), None, None
        if decoder == "direct":
            return to_uint8(self.direct_decoder(tokens)), None, None
        vq, margins = self.sample_vq_tokens(tokens, rngs, settings)
        return to_uint8(self.vq_decoder(vq)), vq, margins
