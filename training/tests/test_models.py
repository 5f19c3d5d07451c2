import torch
from agreement import stable_length

from digit.encoder import Encoder
from digit.fixture import example_image, tiny_pipeline
from digit.quantizer import Quantizer
from digit.sampling import SamplingSettings


def test_encoder_shapes_and_interpolated_positions():
    pipe = tiny_pipeline()
    feats = pipe.encoder(torch.rand(2, 3, 32, 32))
    assert feats.shape == (2, 16, 32)
    assert pipe.encoder.positions().shape == (1, 17, 32)


def test_baked_positions_give_identical_features():
    pipe = tiny_pipeline()
    image = example_image()
    baked = pipe.encoder.with_positions_baked()
    assert baked.pos_embed.shape == (1, 17, 32)
    torch.testing.assert_close(baked(image), pipe.encoder(image), rtol=0, atol=1e-6)


def test_encoder_drops_blocks_after_the_feature_block():
    pipe = tiny_pipeline()
    assert len(pipe.encoder.blocks) == pipe.encoder.cfg.feature_block + 1
    assert isinstance(pipe.encoder, Encoder)


def test_quantizer_uses_stored_norm():
    c = torch.tensor([[0.0, 0.0], [1.0, 0.0]])
    x = torch.tensor([[[0.6, 0.0]]])
    tokens, _ = Quantizer(c)(x)
    assert tokens.item() == 1
    # a stored norm that penalises centroid 1 flips the choice, as the official tokenizer would
    tokens, dist = Quantizer(c, torch.tensor([0.0, 1.5]))(x)
    assert tokens.item() == 0 and abs(dist.item() - 0.36) < 1e-6


def test_kv_cache_step_matches_full_forward():
    pipe = tiny_pipeline()
    for gpt, length in ((pipe.stage1, 16), (pipe.stage2, 32)):
        tokens = torch.randint(5, gpt.cfg.vocab_size, (2, length))
        with torch.no_grad():
            full = gpt(tokens)
            k, v = gpt.empty_cache(2, length)
            for t in range(length):
                logits, k, v = gpt.step(tokens[:, t : t + 1], torch.tensor([t]), k, v)
                torch.testing.assert_close(logits, full[:, t], rtol=1e-4, atol=1e-4)


def test_kv_cache_step_feeds_a_prompt_in_one_call():
    """A prompt through the fixed-capacity step at once, then 3 more tokens at once: the logits
    of each call's last token and the cache the single steps would write."""
    gpt = tiny_pipeline().stage2
    tokens = torch.randint(5, gpt.cfg.vocab_size, (2, 12))
    with torch.no_grad():
        full = gpt(tokens)
        k, v = gpt.empty_cache(2, 32)
        one_k, one_v = k, v
        for t in range(9):
            _, one_k, one_v = gpt.step(tokens[:, t : t + 1], torch.tensor([t]), one_k, one_v)
        logits, k, v = gpt.step(tokens[:, :9], torch.tensor([0]), k, v)
        torch.testing.assert_close(logits, full[:, 8], rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(k, one_k, rtol=1e-5, atol=1e-5)
        logits, k, v = gpt.step(tokens[:, 9:], torch.tensor([9]), k, v)
        torch.testing.assert_close(logits, full[:, 11], rtol=1e-4, atol=1e-4)


def heads_of(new, cfg):
    """Keys/values as step_past returns them [L, B, T, dim] -> the cache layout [L, B, H, T, hd]."""
    n_layer, b, t, _ = new.shape
    return new.view(n_layer, b, t, cfg.n_head, cfg.head_dim).transpose(2, 3)


def test_past_step_matches_full_forward():
    """step_past from position 0 (an empty past) to the end, one token at a time."""
    pipe = tiny_pipeline()
    for gpt, length in ((pipe.stage1, 16), (pipe.stage2, 32)):
        cfg = gpt.cfg
        tokens = torch.randint(5, cfg.vocab_size, (2, length))
        keys = torch.zeros(cfg.n_layer, 2, cfg.n_head, 0, cfg.head_dim)
        values = keys.clone()
        with torch.no_grad():
            full = gpt(tokens)
            for t in range(length):
                logits, k, v = gpt.step_past(tokens[:, t : t + 1], torch.tensor([t]), keys, values)
                torch.testing.assert_close(logits, full[:, t], rtol=1e-4, atol=1e-4)
                keys = torch.cat([keys, heads_of(k, cfg)], 3)
                values = torch.cat([values, heads_of(v, cfg)], 3)


def test_past_step_feeds_several_tokens_causally():
    """A prompt in one call gives its last logits and the keys/values the single steps give; so
    do 3 more tokens at once after it (each sees only those before it)."""
    gpt = tiny_pipeline().stage2
    cfg = gpt.cfg
    tokens = torch.randint(5, cfg.vocab_size, (2, 12))
    empty = torch.zeros(cfg.n_layer, 2, cfg.n_head, 0, cfg.head_dim)
    with torch.no_grad():
        full = gpt(tokens)
        _, k_all, _ = gpt.step_past(tokens, torch.tensor([0]), empty, empty)
        logits, k, v = gpt.step_past(tokens[:, :9], torch.tensor([0]), empty, empty)
        torch.testing.assert_close(logits, full[:, 8], rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(k, k_all[:, :, :9])
        logits, _, _ = gpt.step_past(tokens[:, 9:], torch.tensor([9]), heads_of(k, cfg), heads_of(v, cfg))
        torch.testing.assert_close(logits, full[:, 11], rtol=1e-4, atol=1e-4)


def test_post_ln_and_pre_ln_differ_only_by_config():
    pipe = tiny_pipeline()
    assert not pipe.stage1.cfg.normalize_before and not hasattr(pipe.stage1, "layer_norm")
    assert pipe.stage2.cfg.normalize_before and hasattr(pipe.stage2, "layer_norm")
    assert hasattr(pipe.stage2, "embed_positions_1")


def test_stage2_prefix_reads_its_own_position_table():
    gpt = tiny_pipeline().stage2
    table = gpt.position_table(20)
    torch.testing.assert_close(table[0], gpt.embed_positions_1.weight[2])
    torch.testing.assert_close(table[16], gpt.embed_positions.weight[2])


def test_decoders_upsample_grid_to_image():
    pipe = tiny_pipeline()
    tokens = torch.randint(0, 16, (2, 16))
    assert pipe.direct_decoder(tokens).shape == (2, 3, 32, 32)
    assert pipe.vq_decoder(tokens).shape == (2, 3, 32, 32)


def test_seeded_generation_is_reproducible_and_seed_dependent():
    pipe = tiny_pipeline()
    s = SamplingSettings(temperature=1.0, top_k=8)
    a, _, margins_a = pipe.sample_tokens(1, 7, 2, s)
    b, _, _ = pipe.sample_tokens(1, 7, 2, s)
    c, _, margins_c = pipe.sample_tokens(1, 8, 1, s)
    assert torch.equal(a, b)  # the same computation on the same machine: exact
    # image 1 of seed 7 is image 0 of seed 8, as far as a batch of another size (other kernels)
    # leaves the tokens determined
    n = stable_length(margins_a[1], margins_c[0])
    assert n > 8 and torch.equal(a[1, :n], c[0, :n])
    assert not torch.equal(a[0], a[1])
    assert a.min() >= 0 and a.max() < 16


def test_nearest_two_agrees_with_the_tokenizer_and_finds_the_second_centroid():
    from digit.quantizer import Quantizer

    torch.manual_seed(3)
    q = Quantizer(torch.randn(10, 4))
    x = torch.randn(2, 5, 4)
    tokens, distance = q(x)
    t, d, runner_up, runner_up_distance = q.nearest_two(x)
    assert torch.equal(t, tokens)  # one computation inside the quantizer: exact
    torch.testing.assert_close(d, distance)
    full = ((x.unsqueeze(2) - q.centroids) ** 2).sum(-1).sort(-1)
    # another formula for the distances: the same runner-up wherever the third is not a near tie
    decided = full.values[..., 2] - full.values[..., 1] > 1e-4
    assert decided.float().mean() > 0.5
    assert torch.equal(runner_up[decided], full.indices[..., 1][decided])
    assert (runner_up_distance >= distance).all()


def test_gpt_dropout_acts_only_in_training():
    from dataclasses import replace

    from digit.gpt import GPT

    plain = tiny_pipeline().stage1
    dropped = GPT(replace(plain.cfg, dropout=0.5))
    dropped.load_state_dict(plain.state_dict())  # dropout adds no weights
    tokens = torch.randint(0, plain.cfg.vocab_size, (2, 5), generator=torch.Generator().manual_seed(0))
    plain.eval(), dropped.eval()
    torch.testing.assert_close(dropped(tokens), plain(tokens), rtol=0, atol=0)
    dropped.train()
    assert not torch.allclose(dropped(tokens), plain(tokens))
