"""The emoji data rules, on synthetic emoji.json entries (no download in tests)."""
import io

import numpy as np
from PIL import Image

from data.emoji import CLASSES, class_of, is_validation, items, on_white


def entry(unified, category, subcategory, tones=0):
    e = {
        "unified": unified,
        "image": f"{unified}.png",
        "category": category,
        "subcategory": subcategory,
        "has_img_google": True,
        "has_img_twitter": False,
    }
    if tones:
        e["skin_variations"] = {f"t{i}": {"image": f"{unified}-{i}.png", "has_img_google": True} for i in range(tones)}
    return e


def test_every_class_is_reachable_and_components_are_skipped():
    names = [n for n, _ in CLASSES]
    assert class_of("Smileys & Emotion", "face-smiling") == names.index("faces")
    assert class_of("People & Body", "hand-fingers-open") == names.index("hands & body")
    assert class_of("Travel & Places", "transport-air") == names.index("vehicles")
    assert class_of("Component", "skin-tone") is None


def test_skin_tones_share_one_concept_weight_and_vendor_filter():
    rows = items(
        [
            entry("1F44D", "People & Body", "hand-fingers-closed", tones=5),
            entry("1F600", "Smileys & Emotion", "face-smiling"),
        ],
        "google",
    )
    thumbs = [r for r in rows if r.concept == "1F44D"]
    assert len(thumbs) == 6 and abs(sum(r.weight for r in thumbs) - 1.0) < 1e-9
    assert items([entry("1F600", "Smileys & Emotion", "face-smiling")], "twitter") == []


def test_validation_split_is_by_concept_and_stable():
    concepts = [f"{i:05X}" for i in range(2000)]
    held = [c for c in concepts if is_validation(c)]
    assert 150 < len(held) < 250
    assert held == [c for c in concepts if is_validation(c)]


def test_transparent_pixels_become_white():
    rgba = Image.new("RGBA", (2, 1), (0, 0, 0, 0))
    rgba.putpixel((1, 0), (255, 0, 0, 255))
    buf = io.BytesIO()
    rgba.save(buf, format="PNG")
    out = on_white(buf.getvalue())
    assert np.array_equal(out[0, 0], [255, 255, 255]) and np.array_equal(out[0, 1], [255, 0, 0])


def test_specific_rules_win_over_their_category_catch_all():
    names = [n for n, _ in CLASSES]
    assert class_of("Food & Drink", "food-fruit") == names.index("fruit & vegetables")
    assert class_of("Food & Drink", "food-asian") == names.index("meals & sweets")
    assert class_of("Food & Drink", "drink") == names.index("drinks & tableware")
    assert class_of("Objects", "clothing") == names.index("clothing")
    assert class_of("Objects", "tool") == names.index("objects")
    assert class_of("Symbols", "keycap") == names.index("keycaps, arrows & buttons")
    assert class_of("Symbols", "math") == names.index("marks")
