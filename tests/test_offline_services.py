"""Properties of the offline Stability services: search-recolor, style transfer/guide, upscale.

Pictures are small and synthetic (sky, grass, a red "car", a yellow sun) so each
property is checked against a known answer; one 1024² case covers the 4K fast upscale.
"""

from __future__ import annotations

import functools
import itertools

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from titan import TitanClient
from titan.errors import TitanValidationError
from titan.models import STABILITY_ASPECT_RATIOS, STABLE_IMAGE_CORE
from titan.offline._common import COLOR_WORDS, THEME_WORDS, luminance, palette_from_text, rng_for
from titan.offline.recolor import grow_region, recolor, select_region
from titan.offline.style import PALETTE_SATURATION, style_guide, transfer_style
from titan.offline.text_image import render_scene, saturate
from titan.offline.upscale import (
    OUTPUT_MAX_PIXELS,
    OUTPUT_MAX_SIDE,
    check_upscale_input,
    upscale,
    upscaled_size,
)

SKY, GRASS, RED, DARK_RED, YELLOW = (110, 170, 230), (70, 150, 60), (200, 30, 30), (120, 20, 20), (250, 214, 60)
CAR = (60, 120, 180, 190)  # x0, y0, x1, y1 of the red box (its lower part in shadow)
SUN = (210, 50, 20)  # cx, cy, radius
STYLE_WORDS = sorted({*COLOR_WORDS, *THEME_WORDS})

quick = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def scene(width: int = 256, height: int = 256, *, seed: int = 0) -> np.ndarray:
    """Float RGB: sky over grass, a red box half in shadow, a yellow disc, a little noise."""
    image = np.zeros((height, width, 3), np.uint8)
    image[:] = SKY
    image[height * 2 // 3 :] = GRASS
    x0, y0, x1, y1 = CAR
    cv2.rectangle(image, (x0, y0), (x1, (y0 + y1) // 2), RED, -1)
    cv2.rectangle(image, (x0, (y0 + y1) // 2), (x1, y1), DARK_RED, -1)
    cv2.circle(image, SUN[:2], SUN[2], YELLOW, -1)
    noise = np.random.default_rng(seed).normal(0, 3, image.shape)
    return (np.clip(image + noise, 0, 255) / 255).astype(np.float32)


def small_scene() -> np.ndarray:
    """`scene` shrunk to 96² (car, sun and all), for the slower property tests."""
    return cv2.resize(scene(), (96, 96), interpolation=cv2.INTER_AREA)


def truth(name: str, width: int = 256, height: int = 256) -> np.ndarray:
    """Where each part of `scene` really is."""
    yy, xx = np.mgrid[:height, :width]
    x0, y0, x1, y1 = CAR
    car = (xx >= x0) & (xx <= x1) & (yy >= y0) & (yy <= y1)
    sun = (xx - SUN[0]) ** 2 + (yy - SUN[1]) ** 2 <= SUN[2] ** 2
    grass = yy >= height * 2 // 3
    return {"car": car, "sun": sun, "grass": grass & ~car, "sky": ~grass & ~car & ~sun}[name]


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


def lab_stats(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lab = cv2.cvtColor(np.clip(image, 0, 1).astype(np.float32), cv2.COLOR_RGB2Lab).reshape(-1, 3)
    return lab.mean(axis=0), lab.std(axis=0)


def stats_distance(image: np.ndarray, reference: np.ndarray) -> float:
    (m1, s1), (m2, s2) = lab_stats(image), lab_stats(reference)
    return float(np.linalg.norm(m1 - m2) + np.linalg.norm(s1 - s2))


def lightness(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.clip(image, 0, 1).astype(np.float32), cv2.COLOR_RGB2Lab)[..., 0]


def ranks(values: np.ndarray) -> np.ndarray:
    """Rank of each value (for a rank correlation: only the order of light and dark counts)."""
    order = np.empty(values.size)
    order[np.argsort(values.ravel(), kind="stable")] = np.arange(values.size)
    return order


def laplacian_variance(image: np.ndarray) -> float:
    grey = cv2.cvtColor(image if image.dtype == np.uint8 else (image * 255).astype(np.uint8), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def style_picture(seed: int, width: int = 96, height: int = 80) -> np.ndarray:
    """A colourful, textured style image: an abstract render in two seeded colour/theme words' palette, plus strokes."""
    rng = np.random.default_rng(seed)
    palette = palette_from_text(" ".join(rng.choice(STYLE_WORDS, 2)))
    picture = render_scene(rng, palette, width, height, abstract=True)
    for y in range(0, height, 7):
        cv2.line(picture, (0, y), (width, y + 15), tuple(float(v) for v in palette[0]), 1)
    return picture


# --- search-recolor ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "part"),
    [("the red car", "car"), ("yellow sun", "sun"), ("blue sky", "sky"), ("the green grass", "grass")],
)
def test_a_colour_word_selects_the_region_of_that_colour(words, part):
    selected = select_region(scene(), words, grow=0)
    assert iou(selected, truth(part)) > 0.9


def test_a_red_object_in_shadow_is_still_red():
    selected = select_region(scene(), "red", grow=0)
    shadow = truth("car") & (np.mgrid[:256, :256][0] > (CAR[1] + CAR[3]) // 2 + 2)
    assert selected[shadow].mean() > 0.95


def test_words_without_a_colour_select_the_salient_subject():
    selected = select_region(scene(), "the car", grow=0)
    assert selected[truth("car")].mean() > 0.9
    assert selected[truth("sky")].mean() < 0.05


def test_a_colour_the_picture_lacks_falls_back_to_the_subject():
    assert (select_region(scene(), "purple car", grow=0) == select_region(scene(), "car", grow=0)).all()


@functools.cache
def red_car_selection() -> np.ndarray:
    return select_region(scene(), "red car", grow=0)


@given(grow=st.integers(0, 20))
@quick
def test_grow_widens_the_selection_by_that_many_pixels(grow):
    base = red_car_selection()
    grown = select_region(scene(), "red car", grow=grow)
    assert (grown >= base).all()

    def box(mask: np.ndarray) -> np.ndarray:
        ys, xs = np.nonzero(mask)
        return np.array([xs.min(), ys.min(), xs.max(), ys.max()])

    assert (box(grown) == box(base) + np.array([-grow, -grow, grow, grow])).all()


@given(
    box=st.tuples(st.integers(0, 40), st.integers(0, 40), st.integers(4, 24), st.integers(4, 24)),
    grow=st.integers(0, 20),
    seed=st.integers(0, 2**32 - 2),
    prompt=st.sampled_from(["blue", "a golden sunset", "white", "teal and coral", "something"]),
)
@quick
def test_recolor_leaves_every_pixel_outside_the_region_bit_identical(box, grow, seed, prompt):
    image = scene(64, 64, seed=seed % 7)
    x, y, w, h = box
    region = np.zeros((64, 64), bool)
    region[y : y + h, x : x + w] = True
    region = grow_region(region, grow)
    out = recolor(image, region, prompt, None, rng_for(seed, "SEARCH_RECOLOR", prompt), seed=seed, grow=grow)
    assert out.dtype == image.dtype and out.shape == image.shape
    assert np.array_equal(out[~region].view(np.uint32), image[~region].view(np.uint32))


def test_recolor_gives_the_region_the_prompt_colour_and_keeps_its_light_and_shade():
    image = scene()
    region = select_region(image, "red car")
    out = recolor(image, region, "blue", None, rng_for(1, "SEARCH_RECOLOR", "blue"), seed=1)
    car = truth("car")
    red, green, blue = out[car].mean(axis=0)
    assert blue > red + 0.3 and blue > green
    lit = luminance(image[car])
    assert np.corrcoef(lit, luminance(out[car]))[0, 1] > 0.9  # the shadow stays a shadow


def test_recolor_leaves_out_colours_named_in_the_negative():
    image = scene()
    region = select_region(image, "red car")
    out = recolor(image, region, "blue or green", "blue", rng_for(1, "x"), seed=1)
    _, green, blue = out[truth("car")].mean(axis=0)
    assert green > blue


def test_recolor_is_seeded():
    image = scene()
    region = select_region(image, "red car")

    def run(seed: int) -> np.ndarray:
        return recolor(image, region, "violet", None, rng_for(seed, "SEARCH_RECOLOR", "violet"), seed=seed)

    assert np.array_equal(run(3), run(3))
    assert not np.array_equal(run(3), run(4))


# --- style transfer ---------------------------------------------------------------------


@given(seed=st.integers(0, 10_000))
@quick
def test_transfer_moves_colour_statistics_toward_the_style_monotonically(seed):
    content, style = small_scene(), style_picture(seed)
    distances = [
        stats_distance(transfer_style(content, style, style_strength=s, rng=np.random.default_rng(1)), style)
        for s in (0.0, 0.25, 0.5, 0.75, 1.0)
    ]
    # closer at every step, but for texture at full strength, which may move the statistics a little
    slack = 0.1 * distances[0]
    assert all(later < earlier + slack for earlier, later in itertools.pairwise(distances))
    assert distances[-1] < 0.5 * distances[0]


def test_style_strength_zero_returns_the_content():
    content = scene(64, 64)
    unchanged = transfer_style(content, style_picture(1), style_strength=0, rng=np.random.default_rng(1))
    assert np.array_equal(unchanged, content)


@given(seed=st.integers(0, 10_000))
@quick
def test_full_composition_fidelity_keeps_the_content_structure(seed):
    content, style = small_scene(), style_picture(seed)

    def structure(fidelity: float) -> float:
        """Rank correlation of the result's lightness (Lab L) with the content's: is light still light?"""
        out = transfer_style(content, style, composition_fidelity=fidelity, change_strength=1.0, rng=rng_for(seed))
        return float(np.corrcoef(ranks(lightness(out)), ranks(lightness(content)))[0, 1])

    kept = structure(1.0)
    assert kept > 0.95
    assert structure(0.0) < kept


def test_transfer_is_seeded():
    content, style = small_scene(), style_picture(5)

    def run(seed: int) -> np.ndarray:
        return transfer_style(content, style, composition_fidelity=0.5, rng=rng_for(seed, "STYLE_TRANSFER"))

    assert np.array_equal(run(1), run(1))
    assert not np.array_equal(run(1), run(2))


# --- style guide ------------------------------------------------------------------------


@pytest.mark.parametrize(("width", "height"), [(128, 96), (80, 144)])
def test_style_guide_has_the_requested_size_and_the_reference_colours(width, height):
    reference = style_picture(9, 120, 120)
    prompt, seed = "a teal lake at sunset", 7
    guided = style_guide(reference, prompt, None, width, height, fidelity=0.8, rng=rng_for(seed, "G"), seed=seed)
    palette = saturate(palette_from_text(prompt, None, seed=seed), PALETTE_SATURATION)
    plain = render_scene(rng_for(seed, "G"), palette, width, height)
    assert guided.shape == (height, width, 3) and guided.dtype == np.float32
    assert stats_distance(guided, reference) < 0.5 * stats_distance(plain, reference)


def test_style_guide_at_fidelity_zero_is_the_plain_render():
    prompt, seed = "a red desert", 3
    guided = style_guide(style_picture(2), prompt, None, 96, 64, fidelity=0, rng=rng_for(seed, "G"), seed=seed)
    palette = saturate(palette_from_text(prompt, None, seed=seed), PALETTE_SATURATION)
    assert np.array_equal(guided, render_scene(rng_for(seed, "G"), palette, 96, 64))


def test_style_guide_is_seeded():
    def run(seed: int) -> np.ndarray:
        return style_guide(style_picture(2), "forest", None, 96, 64, rng=rng_for(seed, "STYLE_GUIDE"), seed=seed)

    assert np.array_equal(run(1), run(1))
    assert not np.array_equal(run(1), run(2))


# --- upscale ----------------------------------------------------------------------------


def test_fast_upscale_is_exactly_4x_lanczos_and_sharper_than_a_plain_resize():
    image = scene(96, 64)
    out = upscale(image, mode="fast", creativity=None, prompt=None, rng=np.random.default_rng(0))
    plain = cv2.resize(image, (384, 256), interpolation=cv2.INTER_LANCZOS4)
    assert out.shape == (256, 384, 3) and out.dtype == np.float32
    assert np.abs(out - plain).mean() < 0.02  # the same picture...
    assert laplacian_variance(out) > 1.3 * laplacian_variance(plain)  # ...with crisper edges


def test_fast_upscale_of_a_megapixel_makes_4k_in_uint8():
    image = (scene(1024, 1024) * 255).astype(np.uint8)
    out = upscale(image, mode="fast", creativity=None, prompt=None, rng=np.random.default_rng(0))
    assert out.shape == (4096, 4096, 3) and out.dtype == np.uint8
    assert out.shape[0] * out.shape[1] == OUTPUT_MAX_PIXELS


def test_fast_upscale_does_not_depend_on_the_seed():
    image = scene(48, 48)
    one = upscale(image, mode="fast", creativity=None, prompt=None, rng=np.random.default_rng(1))
    two = upscale(image, mode="fast", creativity=None, prompt=None, rng=np.random.default_rng(2))
    assert np.array_equal(one, two)


valid_sizes = st.sampled_from(["fast", "conservative", "creative"]).flatmap(
    lambda mode: st.tuples(st.just(mode), st.integers(32 if mode == "fast" else 64, 4000), st.integers(32, 4000))
)


@given(case=valid_sizes)
@settings(max_examples=300, deadline=None)
def test_output_sizes_respect_the_4k_limit(case):
    mode, width, height = case
    try:
        check_upscale_input(width, height, mode)
    except TitanValidationError:
        return
    out_width, out_height = upscaled_size(width, height, mode)
    assert out_width * out_height <= OUTPUT_MAX_PIXELS
    assert out_width >= width and out_height >= height
    if mode == "fast":
        assert (out_width, out_height) == (4 * width, 4 * height)
    else:
        assert max(out_width, out_height) <= OUTPUT_MAX_SIDE
        assert abs(out_width / out_height - width / height) <= 1.5 / min(out_width, out_height) * width / height + 1e-9


@pytest.mark.parametrize(
    ("width", "height", "mode"),
    [(1025, 1024, "creative"), (2048, 2048, "creative"), (63, 500, "creative"), (1537, 100, "fast"),
     (31, 64, "fast"), (1024, 1025, "fast"), (1536, 600, "fast"), (4000, 4000, "conservative")],
)  # fmt: skip
def test_sizes_outside_the_limits_are_refused(width, height, mode):
    with pytest.raises(TitanValidationError) as refused:
        check_upscale_input(width, height, mode)
    assert refused.value.field == "image"
    assert f"{width}×{height} px" in str(refused.value)


def test_creative_refuses_more_than_a_megapixel_before_doing_any_work():
    image = np.zeros((1024, 1025, 3), np.uint8)
    with pytest.raises(TitanValidationError, match="1 megapixel"):
        upscale(image, mode="creative", creativity=0.3, prompt="a castle", rng=np.random.default_rng(0))


@pytest.mark.parametrize(("width", "height", "mode"), [(1024, 1024, "creative"), (2000, 2000, "conservative")])
def test_sizes_inside_the_limits_are_accepted(width, height, mode):
    check_upscale_input(width, height, mode)


@pytest.mark.parametrize(("mode", "creativity"), [("creative", 0.6), ("creative", 0.05), ("conservative", 0.1)])
def test_creativity_outside_its_range_is_refused(mode, creativity):
    with pytest.raises(TitanValidationError, match="creativity"):
        upscale(scene(64, 64), mode=mode, creativity=creativity, prompt="x", rng=np.random.default_rng(0))


def test_an_unknown_mode_is_refused():
    with pytest.raises(TitanValidationError, match="mode"):
        upscale(scene(64, 64), mode="magic", creativity=None, prompt=None, rng=np.random.default_rng(0))


@pytest.mark.parametrize("mode", ["conservative", "creative"])
def test_conservative_and_creative_upscales_are_seeded(mode):
    image = scene(160, 400)  # as thin as allowed: the 4,096 px long side caps the result at 6.7 MP

    def run(seed: int) -> np.ndarray:
        return upscale(image, mode=mode, creativity=None, prompt="warm", rng=rng_for(seed, "UPSCALE", mode))

    first = run(1)
    assert first.shape[:2] == upscaled_size(160, 400, mode)[::-1] == (4096, 1638)
    assert np.array_equal(first, run(1))
    assert not np.array_equal(first, run(2))


def test_creative_grades_toward_the_colours_the_prompt_names():
    image = scene(160, 400)

    def mean_colour(prompt: str) -> np.ndarray:
        out = upscale(image, mode="creative", creativity=0.5, prompt=prompt, rng=np.random.default_rng(0))
        return out.reshape(-1, 3).mean(axis=0)

    plain, red = mean_colour("a castle"), mean_colour("a crimson castle")
    assert red[0] - red[2] > plain[0] - plain[2] + 0.05
    sharp = upscale(image, mode="creative", creativity=0.5, prompt="a castle", rng=np.random.default_rng(0))
    lanczos = cv2.resize(image, (1638, 4096), interpolation=cv2.INTER_LANCZOS4)
    assert laplacian_variance(sharp) > laplacian_variance(lanczos)


# --- the services answer through the offline engine ------------------------------------


def _picture(width: int, height: int) -> Image.Image:
    return Image.fromarray((scene(width, height) * 255).astype(np.uint8))


SERVICE_CALLS = {
    "search_recolor": ({"select_prompt": "the red box", "text": "a green box"}, (256, 192)),
    "style_guide": ({"text": "a castle", "image": "style", "aspect_ratio": "16:9"}, (1344, 768)),
    "style_transfer": ({"style_image": "style"}, (256, 192)),
    "upscale": ({"upscaler": "conservative", "text": "a red box"}, upscaled_size(256, 192, "conservative")),
}


@pytest.mark.parametrize("task", sorted(SERVICE_CALLS))
def test_every_stability_service_answers_offline_with_its_size_and_seeds(task):
    settings_, size = SERVICE_CALLS[task]
    client = TitanClient(engine="offline", model_id=STABLE_IMAGE_CORE.model_id)
    photo, style = _picture(256, 192), _picture(200, 200)
    inputs = {"image": photo} | {name: style if value == "style" else value for name, value in settings_.items()}
    if "aspect_ratio" in inputs:
        ratio = inputs.pop("aspect_ratio")
        inputs["width"], inputs["height"] = STABILITY_ASPECT_RATIOS[ratio]
    result = getattr(client, task)(seed=7, number_of_images=2, **inputs)
    assert [image.size for image in result.images] == [size, size]
    assert result.image_seeds == [7, 8]
    assert not np.array_equal(np.asarray(result.images[0]), np.asarray(result.images[1]))


def test_the_fast_upscale_offline_is_four_times_larger_and_says_no_seed():
    client = TitanClient(engine="offline", model_id=STABLE_IMAGE_CORE.model_id)
    result = client.upscale(_picture(100, 80))
    assert result.images[0].size == (400, 320) and result.image_seeds == [None]
