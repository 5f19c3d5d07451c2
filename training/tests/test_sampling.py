import math

import pytest

from digit.sampling import Rng, SamplingSettings, draw_token, fmix32, image_rng


def sample_token(*args, **kwargs) -> int:
    return draw_token(*args, **kwargs)[0]


def test_fmix32_known_values():
    # murmur3's finaliser: 0 is a fixed point, and these are its published outputs.
    assert fmix32(0) == 0
    assert fmix32(1) == 0x514E28B7


def test_uniform_range_and_spread():
    rng = Rng(123)
    draws = [rng.uniform() for _ in range(20000)]
    assert all(0.0 <= u < 1.0 for u in draws)
    assert abs(sum(draws) / len(draws) - 0.5) < 0.01


def test_streams_per_image():
    a = [image_rng(10, 3).uniform() for _ in range(1)]
    b = [image_rng(13, 0).uniform() for _ in range(1)]
    assert a == b
    assert image_rng(0xFFFFFFFF, 1).s == Rng(0).s


def test_greedy_ties_break_by_lowest_id():
    s = SamplingSettings(temperature=0.0)
    assert sample_token([1.0, 3.0, 3.0, 2.0], 0.99, 0, 4, s) == 1


def test_mask_excludes_ids():
    s = SamplingSettings()
    picks = {sample_token([9.0, 0.0, 0.0, 9.0], u / 10, 1, 3, s) for u in range(10)}
    assert picks == {1, 2}


def test_top_k_one_is_greedy():
    s = SamplingSettings(top_k=1)
    assert all(sample_token([0.1, 0.5, 0.2], u / 7, 0, 3, s) == 1 for u in range(7))


def test_top_p_keeps_smallest_prefix():
    # probabilities 0.5, 0.3, 0.2 (ids 0, 1, 2): top-p 0.7 keeps ids 0 and 1 only
    logits = [math.log(0.5), math.log(0.3), math.log(0.2)]
    s = SamplingSettings(top_p=0.7)
    picks = {sample_token(logits, u / 100, 0, 3, s) for u in range(100)}
    assert picks == {0, 1}


def test_draw_follows_cumulative_probabilities():
    logits = [math.log(0.25), math.log(0.75)]
    s = SamplingSettings()
    assert sample_token(logits, 0.74, 0, 2, s) == 1  # id 1 is first (largest)
    assert sample_token(logits, 0.76, 0, 2, s) == 0


def test_guidance_mixes_rows():
    s = SamplingSettings(temperature=0.0, guidance=3.0)
    # cond prefers 0 slightly; uncond prefers 0 strongly -> guidance flips to 1
    assert sample_token([1.0, 0.9], 0.5, 0, 2, s, uncond=[2.0, 0.0]) == 1
    assert sample_token([1.0, 0.9], 0.5, 0, 2, SamplingSettings(temperature=0.0)) == 0


def test_margin_is_the_distance_to_the_nearest_decision():
    # probabilities 0.25 / 0.75 (id 1 first): u = 0.7 is 0.05 below the edge at 0.75, so the
    # margin is 0.05 / 2; the logit gap log(3) = 1.1 is farther
    logits = [math.log(0.25), math.log(0.75)]
    assert draw_token(logits, 0.7, 0, 2, SamplingSettings()) == (1, pytest.approx(0.025))
    # temperature 2 halves what a logit error does; guidance 3 multiplies it by 5
    assert draw_token([x * 2 for x in logits], 0.7, 0, 2, SamplingSettings(temperature=2.0))[1] == pytest.approx(0.05)
    guided = draw_token(logits, 0.7, 0, 2, SamplingSettings(guidance=3.0), uncond=logits)
    assert guided == (1, pytest.approx(0.005))


def test_margin_counts_the_top_k_cut_and_ties():
    # ids 0 and 1 differ by 0.001 at the top-1 cut: a tiny error changes the pick
    assert draw_token([1.0, 0.999, 0.0], 0.5, 0, 3, SamplingSettings(top_k=1)) == (0, pytest.approx(0.0005))
    assert draw_token([2.0, 2.0], 0.1, 0, 2, SamplingSettings(temperature=0.0)) == (0, 0.0)
    assert draw_token([2.0], 0.1, 0, 1, SamplingSettings(temperature=0.0)) == (0, math.inf)
