"""Properties of the offline preview engine: what each task must really do.

Small images (256–512 px) keep the whole file fast; the benchmark in bench/offline.py
covers 1024² timing.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import Any, ClassVar

import cv2
import numpy as np
import pytest
from PIL import Image

from titan import (
    BackgroundRemovalRequest,
    BodyImage,
    ColorGuidedRequest,
    Engine,
    InpaintRequest,
    OutpaintRequest,
    Request,
    TextImageRequest,
    TitanClient,
    VariationRequest,
)
from titan.engines.offline import OfflineEngine
from titan.errors import TitanEngineUnavailableError, TitanValidationError
from titan.families import Outcome, family_named
from titan.families.titan import body_of
from titan.images import encode_png_b64
from titan.models import STABLE_IMAGE_CORE, TITAN_V2
from titan.offline import run
from titan.offline._common import METADATA, add_mark, mark_layout, palette_from_text

# --- helpers ----------------------------------------------------------------------------


def b64(image: Image.Image | np.ndarray) -> str:
    return encode_png_b64(image if isinstance(image, Image.Image) else Image.fromarray(image))


def body_image(image: Image.Image | np.ndarray) -> BodyImage:
    """An image as a request carries it once read from a body (or validated)."""
    picture = image if isinstance(image, Image.Image) else Image.fromarray(image)
    return BodyImage(b64(picture), picture.size)


def decode(data: str) -> Image.Image:
    image = Image.open(io.BytesIO(base64.b64decode(data)))
    image.load()
    return image


def pixels(data: str) -> np.ndarray:
    return np.asarray(decode(data)).astype(np.int16)


def first(request: Request) -> np.ndarray:
    """The pixels of the first image the offline engine makes for `request`."""
    return pixels(run(request).images[0])


def photo(width: int = 256, height: int = 256, *, seed: int = 0) -> np.ndarray:
    """Sky gradient, green hills, a red disc, a little noise: a stand-in for a photo."""
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    sky = np.array([0.45, 0.65, 0.9], np.float32) * (1 - y) + np.array([0.9, 0.85, 0.75], np.float32) * y
    image = np.broadcast_to(sky, (height, width, 3)).copy()
    ridge = (0.65 + 0.05 * np.sin(np.arange(width) / width * 9)) * height
    image[np.arange(height)[:, None] > ridge[None, :]] = (0.25, 0.45, 0.2)
    image = (image * 255).astype(np.uint8)
    cv2.circle(image, (width // 2, height // 2), min(width, height) // 6, (200, 30, 30), -1, cv2.LINE_AA)
    return np.clip(image + rng.normal(0, 3, image.shape), 0, 255).astype(np.uint8)


def square_mask(width: int, height: int, box: tuple[int, int, int, int]) -> np.ndarray:
    """Titan mask: black (0) inside `box` (x0, y0, x1, y1), white elsewhere."""
    mask = np.full((height, width), 255, np.uint8)
    x0, y0, x1, y1 = box
    mask[y0:y1, x0:x1] = 0
    return mask


SETTINGS = {"number_of_images": 1, "seed": 42}


def text_request(
    text: str = "a teal lake at sunset", size: tuple[int, int] = (256, 256), **fields: Any
) -> TextImageRequest:
    return TextImageRequest(text=text, width=size[0], height=size[1], **{**SETTINGS, **fields})


def guided(condition: np.ndarray, mode: str, **fields: Any) -> TextImageRequest:
    return text_request(condition_image=body_image(condition), control_mode=mode, **fields)


def inpaint_request(image: np.ndarray, mask: np.ndarray, **fields: Any) -> InpaintRequest:
    return InpaintRequest(image=body_image(image), mask_image=body_image(mask), **{**SETTINGS, **fields})


def outpaint_canvas(size: int = 256) -> tuple[np.ndarray, np.ndarray, tuple[int, int, int, int]]:
    """A photo in the middle of a grey canvas and its mask (black = keep the photo)."""
    inner = photo(size // 2, size // 2)
    canvas = np.full((size, size, 3), 127, np.uint8)
    box = (size // 4, size // 4, size // 4 + size // 2, size // 4 + size // 2)
    canvas[box[1] : box[3], box[0] : box[2]] = inner
    return canvas, square_mask(size, size, box), box


def outpaint_request(mode: str = "PRECISE", size: int = 256, **fields: Any) -> OutpaintRequest:
    canvas, mask, _ = outpaint_canvas(size)
    return OutpaintRequest(
        image=body_image(canvas),
        mask_image=body_image(mask),
        text="a green valley",
        mode=mode,
        **{**SETTINGS, **fields},
    )


def variation_request(similarity: float, images: list[np.ndarray] | None = None, **fields: Any) -> VariationRequest:
    return VariationRequest(
        images=[body_image(i) for i in images or [photo()]],
        similarity_strength=similarity,
        width=256,
        height=256,
        **{**SETTINGS, **fields},
    )


PALETTE = ["#1B3A4B", "#FF8C42", "#FFF3B0"]


def color_request(
    reference: np.ndarray | None = None, colors: list[str] = PALETTE, **fields: Any
) -> ColorGuidedRequest:
    return ColorGuidedRequest(
        text="a poster",
        colors=colors,
        reference_image=body_image(reference) if reference is not None else None,
        **{"width": 256, "height": 256, **SETTINGS, **fields},
    )


SEEDED_REQUESTS = {
    "text": lambda: text_request(),
    "text+canny": lambda: guided(photo(), "CANNY_EDGE"),
    "inpaint-removal": lambda: inpaint_request(photo(), square_mask(256, 256, (80, 80, 176, 176))),
    "inpaint-text": lambda: inpaint_request(photo(), square_mask(256, 256, (80, 80, 176, 176)), text="a golden sun"),
    "outpaint": lambda: outpaint_request("DEFAULT"),
    "variation": lambda: variation_request(0.7),
    "color": lambda: color_request(),
    "color+reference": lambda: color_request(photo()),
}


# --- every task -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SEEDED_REQUESTS))
def test_same_seed_same_bytes_other_seed_other_image(name: str) -> None:
    request = SEEDED_REQUESTS[name]()
    once, again = run(request), run(request)
    other = run(request.replace(seed=43))
    assert once.images == again.images
    difference = np.abs(pixels(once.images[0]) - pixels(other.images[0])).astype(np.float32).mean(axis=2)
    most = cv2.blur(difference, (16, 16)).max()  # in/outpainting may only change part of the picture
    assert most > 2, f"seeds 42 and 43 look the same ({most:.2f} levels at most)"


@pytest.mark.parametrize("name", sorted(SEEDED_REQUESTS))
def test_outputs_are_marked_as_offline_previews(name: str) -> None:
    outcome = run(SEEDED_REQUESTS[name]())
    assert isinstance(outcome, Outcome) and outcome.seeds == [42]
    info = decode(outcome.images[0]).info
    assert info["titan:engine"] == METADATA["titan:engine"] == "offline"
    assert info["titan:notice"] == "Offline preview — not Titan output"
    assert info["titan:seed"] == "42"


def test_image_i_of_a_batch_uses_seed_plus_i() -> None:
    outcome = run(text_request(number_of_images=3, seed=10))
    assert len(outcome.images) == 3 and outcome.seeds == [10, 11, 12]
    assert outcome.images[2] == run(text_request(seed=12)).images[0]
    assert [decode(image).info["titan:seed"] for image in outcome.images] == ["10", "11", "12"]


def test_number_of_images_and_size_are_honoured() -> None:
    images = [decode(i) for i in run(text_request(size=(384, 576), number_of_images=2)).images]
    assert [(i.size, i.mode) for i in images] == [((384, 576), "RGB")] * 2
    assert len(run(variation_request(0.5, number_of_images=3)).images) == 3
    assert decode(run(color_request(width=576, height=384)).images[0]).size == (576, 384)


def test_defaults_without_generation_settings() -> None:
    outcome = run(TextImageRequest(text="red"))
    (image,) = outcome.images
    assert decode(image).size == (1024, 1024)
    assert decode(image).info["titan:seed"] == "42" and outcome.seeds == [42]


def test_mark_is_drawn_in_the_bottom_right_corner() -> None:
    black = np.zeros((256, 256, 3), np.uint8)
    marked = add_mark(black)
    _, box_w, box_h, margin = mark_layout(256, 256)
    changed = np.argwhere(marked.any(axis=2))
    assert len(changed) > 20
    assert changed[:, 0].min() >= 256 - box_h - margin and changed[:, 1].min() >= 256 - box_w - margin


def test_mark_stays_inside_the_allowed_area() -> None:
    allowed = np.zeros((256, 256), bool)
    allowed[40:140, 30:220] = True
    marked = add_mark(np.zeros((256, 256, 3), np.uint8), allowed=allowed)
    changed = marked.any(axis=2)
    assert changed.any() and not (changed & ~allowed).any()


# --- engine -----------------------------------------------------------------------------


def test_a_request_read_back_from_its_titan_body_gives_the_same_bytes() -> None:
    request = guided(photo(), "SEGMENTATION", negative_text="red")
    decoded = family_named("titan").decode(TITAN_V2.model_id, body_of(request))
    assert decoded == request
    assert run(decoded).images == run(request).images


def test_engine_runs_bodies_and_refuses_mask_prompts() -> None:
    engine = OfflineEngine()
    assert isinstance(engine, Engine) and engine.name == "offline" and not engine.billed
    answer = engine.invoke(TITAN_V2.model_id, body_of(text_request(number_of_images=2, seed=7)))
    assert len(answer["images"]) == 2 and answer["error"] is None and answer["seeds"] == [7, 8]
    body = {
        "taskType": "INPAINTING",
        "inPaintingParams": {"image": b64(photo()), "maskPrompt": "the red ball"},
    }
    with pytest.raises(TitanEngineUnavailableError, match="Bedrock") as info:
        engine.invoke(TITAN_V2.model_id, body)
    assert "paint" in str(info.value).lower()


def test_engine_answers_stability_bodies_in_stability_shape() -> None:
    body = {"prompt": "a teal lake", "aspect_ratio": "1:1", "seed": 5, "output_format": "png"}
    answer = OfflineEngine().invoke(STABLE_IMAGE_CORE.model_id, body)
    assert answer["seeds"] == [5] and answer["finish_reasons"] == [None] and len(answer["images"]) == 1
    assert decode(answer["images"][0]).info["titan:engine"] == "offline"


def test_engine_refuses_unknown_task_types() -> None:
    with pytest.raises(TitanValidationError, match="VIRTUAL_TRY_ON") as info:
        OfflineEngine().invoke("amazon.nova-canvas-v1:0", {"taskType": "VIRTUAL_TRY_ON"})
    assert "TEXT_IMAGE" in str(info.value)  # the message lists the task types it takes


@dataclass
class UnknownTaskRequest(Request):
    """A task with no offline module (named after this test module, not a `titan.offline` one)."""

    task: ClassVar[str] = "UNKNOWN_TASK"
    label: ClassVar[str] = "Unknown task"


def test_a_task_without_an_offline_module_is_refused() -> None:
    with pytest.raises(TitanEngineUnavailableError, match="choose Amazon Bedrock") as info:
        run(UnknownTaskRequest())
    assert info.value.code == "OfflineUnsupportedTask" and "unknown task" in str(info.value)


# --- TEXT_IMAGE -------------------------------------------------------------------------


def test_colour_words_pick_the_palette_and_negative_text_removes_them() -> None:
    red = first(text_request("a red poppy field")).mean(axis=(0, 1))
    blue = first(text_request("a blue ocean")).mean(axis=(0, 1))
    assert red[0] - red[2] > blue[0] - blue[2] + 40
    palette = palette_from_text("red and blue", "red") * 255
    assert not (np.linalg.norm(palette - (214, 48, 49), axis=1) < 60).any()


def _edge_correlation(output: np.ndarray, condition_edges: np.ndarray, *, tolerance: float = 1.5) -> float:
    """Correlation of the output's gradient magnitude with (blurred) condition edges."""
    grey = cv2.cvtColor(output.astype(np.uint8), cv2.COLOR_RGB2GRAY).astype(np.float32)
    magnitude = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    target = cv2.GaussianBlur(condition_edges.astype(np.float32), (0, 0), tolerance)
    return float(np.corrcoef(magnitude.ravel(), target.ravel())[0, 1])


def shapes_condition(size: int = 256) -> np.ndarray:
    image = np.full((size, size, 3), 235, np.uint8)
    cv2.rectangle(image, (30, 40), (150, 200), (20, 20, 20), 3)
    cv2.circle(image, (190, 100), 45, (20, 20, 20), 3)
    cv2.line(image, (10, 230), (246, 170), (20, 20, 20), 3)
    return image


def test_canny_conditioning_follows_the_edges_by_control_strength() -> None:
    condition = shapes_condition()
    edges = cv2.Canny(cv2.cvtColor(condition, cv2.COLOR_RGB2GRAY), 50, 150) > 0
    scores = {}
    for strength in (1.0, 0.1):
        scores[strength] = _edge_correlation(first(guided(condition, "CANNY_EDGE", control_strength=strength)), edges)
    assert scores[1.0] > 0.3
    assert scores[1.0] > scores[0.1] + 0.15


def test_segmentation_conditioning_paints_the_regions() -> None:
    condition = np.zeros((256, 256, 3), np.uint8)
    condition[:, :90] = (200, 40, 40)
    condition[:, 90:170] = (40, 60, 200)
    condition[:, 170:] = (240, 240, 230)
    regions = np.zeros((256, 256), int)
    regions[:, 90:170], regions[:, 170:] = 1, 2

    def explained(strength: float) -> float:
        grey = first(guided(condition, "SEGMENTATION", control_strength=strength)).mean(axis=2)
        means = np.array([grey[regions == r].mean() for r in range(3)])
        return float(1 - ((grey - means[regions]) ** 2).mean() / grey.var())

    strong, weak = explained(1.0), explained(0.1)
    assert strong > 0.6
    assert strong > weak + 0.2


# --- INPAINTING -------------------------------------------------------------------------


def test_removal_changes_the_masked_area_and_nothing_else() -> None:
    image = photo(256, 256)
    mask = square_mask(256, 256, (80, 80, 176, 176))  # covers the red disc (radius 42 at 128, 128)
    outcome = run(inpaint_request(image, mask, return_mask=True))
    out = pixels(outcome.images[0])
    inside = mask == 0
    assert out.shape == image.shape
    assert np.array_equal(out[~inside], image[~inside])
    red = (out[..., 0] > 150) & (out[..., 1] < 80)
    assert red[inside].mean() < 0.02, "the red disc should be gone"
    assert np.array_equal(pixels(outcome.mask), mask)


def test_inpainting_with_text_paints_the_prompt_inside_only() -> None:
    image = photo(256, 256)
    mask = square_mask(256, 256, (60, 150, 200, 230))  # over the green ground
    out = first(inpaint_request(image, mask, text="a bright yellow flower"))
    inside = mask == 0
    assert np.array_equal(out[~inside], image[~inside])
    before, after = image[inside].astype(float).mean(axis=0), out[inside].mean(axis=0)
    assert after[0] > before[0] + 30, "yellow adds red to the green ground"


def test_inpainting_output_has_the_input_size() -> None:
    image = photo(384, 576)
    outcome = run(inpaint_request(image, square_mask(384, 576, (100, 100, 200, 300))))
    assert decode(outcome.images[0]).size == (384, 576)


# --- OUTPAINTING ------------------------------------------------------------------------


def test_precise_outpainting_keeps_the_kept_pixels_bit_identical() -> None:
    canvas, mask, (x0, y0, x1, y1) = outpaint_canvas(256)
    outcome = run(outpaint_request("PRECISE", return_mask=True))
    out = pixels(outcome.images[0])
    assert out.shape == canvas.shape
    assert np.array_equal(out[y0:y1, x0:x1], canvas[y0:y1, x0:x1])
    assert np.abs(out[mask == 255] - 127).mean() > 15, "the grey canvas must be replaced"
    assert np.array_equal(pixels(outcome.mask), mask)


def test_outpainting_continues_the_picture() -> None:
    _, _, (x0, y0, x1, y1) = outpaint_canvas(256)
    out = first(outpaint_request("DEFAULT"))
    for columns in (slice(x0 - 20, x0 - 8), slice(x1 + 8, x1 + 20)):  # left and right of the photo
        sky = out[y0 + 5 : y0 + 20, columns].mean(axis=(0, 1))
        ground = out[y1 - 12 : y1 - 4, columns].mean(axis=(0, 1))
        assert sky[2] > sky[1] > sky[0], "the sky continues sideways"
        assert ground[1] > ground[0] and ground[1] > ground[2], "the green ground continues sideways"


def test_default_outpainting_only_softens_the_seam() -> None:
    canvas, _, (x0, y0, x1, y1) = outpaint_canvas(256)
    out = first(outpaint_request("DEFAULT"))
    inner = (slice(y0 + 8, y1 - 8), slice(x0 + 8, x1 - 8))
    assert np.array_equal(out[inner], canvas[inner])
    kept = out[y0:y1, x0:x1] - canvas[y0:y1, x0:x1]
    assert np.abs(kept).mean() < 3


# --- IMAGE_VARIATION --------------------------------------------------------------------


def test_variation_closeness_follows_similarity_strength() -> None:
    reference = photo(256, 256)
    distance = {s: np.abs(first(variation_request(s, [reference])) - reference).mean() for s in (0.2, 0.6, 1.0)}
    assert distance[0.2] > distance[0.6] > distance[1.0]
    assert distance[1.0] < 6


def test_variation_mixes_several_references() -> None:
    red = np.full((256, 256, 3), (220, 30, 30), np.uint8)
    blue = np.full((256, 256, 3), (30, 30, 220), np.uint8)
    out = first(variation_request(0.9, [red, blue]))
    reddish = (out[..., 0] > out[..., 2] + 40).mean()
    bluish = (out[..., 2] > out[..., 0] + 40).mean()
    assert reddish > 0.05 and bluish > 0.05


# --- COLOR_GUIDED_GENERATION ------------------------------------------------------------


def _palette_coverage(image: np.ndarray, colors: list[str]) -> tuple[float, np.ndarray]:
    """(share of pixels near some palette colour, share nearest to each colour)."""
    palette = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in colors], float)
    distances = np.linalg.norm(image[..., None, :3].astype(float) - palette, axis=-1)
    nearest = distances.argmin(axis=-1)
    close = distances.min(axis=-1) < 45
    return float(close.mean()), np.bincount(nearest[close], minlength=len(colors)) / nearest.size


@pytest.mark.parametrize("with_reference", [False, True])
def test_color_guided_dominant_colours_are_the_palette(with_reference: bool) -> None:
    out = first(color_request(photo() if with_reference else None))
    near, shares = _palette_coverage(out, PALETTE)
    assert near > 0.85
    assert (shares > 0.03).all(), f"every colour should show: {shares}"


def test_color_guided_reference_keeps_its_layout() -> None:
    reference = photo()
    edges = cv2.Canny(cv2.cvtColor(reference, cv2.COLOR_RGB2GRAY), 30, 90) > 0
    with_reference = _edge_correlation(first(color_request(reference)), edges, tolerance=4)
    without = _edge_correlation(first(color_request()), edges, tolerance=4)
    assert with_reference > 0.2
    assert with_reference > without + 0.15


# --- BACKGROUND_REMOVAL -----------------------------------------------------------------


def test_background_removal_cuts_out_the_subject() -> None:
    image = np.full((256, 256, 3), (205, 215, 225), np.uint8)
    cv2.circle(image, (128, 120), 60, (210, 30, 40), -1, cv2.LINE_AA)
    image = np.clip(image + np.random.default_rng(1).normal(0, 3, image.shape), 0, 255).astype(np.uint8)
    outcome = run(BackgroundRemovalRequest(image=body_image(image)))
    (data,) = outcome.images
    assert outcome.seeds == [None]  # the task has no seed
    out = decode(data)
    assert out.mode == "RGBA" and out.size == (256, 256)
    alpha = np.asarray(out)[..., 3].astype(int)
    frame = np.ones_like(alpha, bool)
    frame[4:-4, 4:-4] = False
    assert (alpha[frame] == 0).all(), "transparent border"
    assert (alpha[100:140, 108:148] == 255).all(), "opaque centre"
    disc = np.zeros((256, 256), np.uint8)
    cv2.circle(disc, (128, 120), 60, 1, -1)
    subject = alpha >= 128
    iou = (subject & disc.astype(bool)).sum() / (subject | disc.astype(bool)).sum()
    assert iou > 0.9
    assert np.array_equal(
        np.asarray(out)[..., :3][disc.astype(bool) & (alpha == 255)], image[disc.astype(bool) & (alpha == 255)]
    )
    assert data == run(BackgroundRemovalRequest(image=body_image(image))).images[0]


def test_a_large_edit_is_previewed_smaller_and_comes_back_at_its_full_size(monkeypatch) -> None:
    from titan.engines import offline as engine
    from titan.offline import inpaint as offline_inpaint

    worked_on: list[tuple[int, int]] = []
    real_run = offline_inpaint.run
    monkeypatch.setattr(
        offline_inpaint, "run", lambda request: worked_on.append(request.image.size) or real_run(request)
    )
    picture = Image.fromarray(np.random.default_rng(0).integers(0, 255, (2500, 3000, 3), dtype=np.uint8))
    mask = Image.new("L", (3000, 2500), 255)
    mask.paste(0, (1000, 1000, 2000, 2000))
    result = TitanClient(engine="offline", model_id=STABLE_IMAGE_CORE.model_id).inpaint(
        picture, mask_image=mask, text="a blue cube", seed=4
    )
    assert result.images[0].size == (3000, 2500) and result.image_seeds == [4]
    assert result.images[0].info["titan:engine"] == "offline"
    width, height = worked_on[0]
    assert width * height <= engine.PREVIEW_PIXELS
