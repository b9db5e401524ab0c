"""Draw the sample images in assets/samples with PIL and numpy (no downloads).

Run from the project root: python assets/make_samples.py. Deterministic: the same files
every time. assets/SOURCES.md describes each one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

OUT = Path(__file__).resolve().parent / "samples"


def vertical_gradient(width: int, height: int, top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    t = np.linspace(0.0, 1.0, height)[:, None, None]
    rows = (1 - t) * np.array(top) + t * np.array(bottom)
    return Image.fromarray(np.repeat(rows, width, axis=1).astype(np.uint8), "RGB")


def grain(image: Image.Image, amount: float, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    array = np.asarray(image).astype(np.float32)
    array += rng.normal(0.0, amount, array.shape[:2])[..., None]
    return Image.fromarray(array.clip(0, 255).astype(np.uint8), "RGB")


def still_life() -> Image.Image:
    """A bowl with an orange and a blue vase on a wooden table, 768 × 768."""
    w = h = 768
    image = vertical_gradient(w, h, (236, 228, 214), (206, 194, 176))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 500, w, h), fill=(150, 104, 70))
    for y in range(510, h, 22):
        draw.line((0, y, w, y + 6), fill=(136, 92, 60), width=3)
    shadow = Image.new("L", (w, h), 0)
    ImageDraw.Draw(shadow).ellipse((150, 560, 640, 640), fill=120)
    image.paste((90, 60, 40), mask=shadow.filter(ImageFilter.GaussianBlur(18)))
    draw.rounded_rectangle((430, 270, 560, 590), radius=50, fill=(52, 98, 160))
    draw.ellipse((455, 240, 535, 300), fill=(40, 80, 140))
    draw.line((495, 240, 470, 150), fill=(70, 120, 60), width=6)
    draw.line((495, 240, 540, 140), fill=(70, 120, 60), width=6)
    draw.ellipse((440, 110, 500, 170), fill=(230, 200, 60))
    draw.ellipse((515, 100, 575, 160), fill=(240, 120, 140))
    draw.chord((160, 470, 420, 620), start=0, end=180, fill=(232, 232, 226))
    draw.ellipse((220, 420, 330, 530), fill=(240, 140, 30))
    draw.ellipse((255, 440, 280, 460), fill=(250, 190, 110))
    return grain(image, 3.0, seed=1)


def landscape() -> Image.Image:
    """Hills under a low sun, 512 × 512: a small picture to extend by outpainting."""
    w = h = 512
    image = vertical_gradient(w, h, (120, 170, 220), (250, 210, 160))
    draw = ImageDraw.Draw(image)
    draw.ellipse((300, 180, 380, 260), fill=(255, 236, 180))
    x = np.arange(w)
    for base, amp, phase, colour in (
        (300, 40, 0.0, (110, 140, 120)),
        (350, 30, 1.7, (80, 120, 90)),
        (410, 20, 3.1, (60, 95, 70)),
    ):
        ys = base + amp * np.sin(x / 70.0 + phase)
        draw.polygon([(0, h), *zip(x.tolist(), ys.tolist(), strict=True), (w, h)], fill=colour)
    draw.rectangle((120, 380, 150, 420), fill=(240, 236, 226))
    draw.polygon([(112, 382), (135, 360), (158, 382)], fill=(170, 60, 50))
    return grain(image, 2.5, seed=2)


def product() -> Image.Image:
    """A teal mug on a plain studio backdrop, 640 × 640: for background removal."""
    w = h = 640
    image = vertical_gradient(w, h, (244, 244, 246), (218, 220, 226))
    draw = ImageDraw.Draw(image)
    shadow = Image.new("L", (w, h), 0)
    ImageDraw.Draw(shadow).ellipse((170, 470, 470, 520), fill=110)
    image.paste((120, 120, 130), mask=shadow.filter(ImageFilter.GaussianBlur(14)))
    draw.ellipse((400, 260, 500, 400), outline=(30, 130, 130), width=22)
    draw.rounded_rectangle((200, 200, 440, 500), radius=28, fill=(40, 150, 150))
    draw.ellipse((200, 180, 440, 230), fill=(30, 120, 120))
    draw.ellipse((214, 188, 426, 222), fill=(70, 45, 30))
    draw.rectangle((225, 250, 245, 460), fill=(90, 185, 185))
    return grain(image, 1.5, seed=3)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, make in (("still_life.png", still_life), ("landscape.png", landscape), ("product.png", product)):
        make().save(OUT / name, format="PNG", optimize=True)
        print("wrote", OUT / name)


if __name__ == "__main__":
    main()
