"""Example prompts and the sample images in assets/samples (made by assets/make_samples.py)."""

from __future__ import annotations

from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "assets"
SAMPLES = ASSETS / "samples"

TEXT_PROMPTS = (
    "An image of a lighthouse on a rocky coast at dawn, watercolor, soft pastel light",
    "A cozy reading nook with a green armchair, warm lamp light, photorealistic, 35mm",
    'A minimalist poster of a mountain range with the words "STAY WILD", flat vector, teal and orange',
    "An isometric 3D illustration of a tiny greenhouse full of plants, bright morning light",
)

PALETTES = (
    ("A calm living room interior, soft daylight, wide shot", "#264653, #2A9D8F, #E9C46A, #F4A261"),
    ("A jar of wildflowers on a wooden table, still life photo", "#7B2CBF, #F72585, #FFBE0B"),
    ("An abstract landscape poster, layered hills at sunset", "#03045E, #0077B6, #F77F00, #FCBF49, #EAE2B7"),
)


def sample(name: str) -> str:
    """Path (as text, for gr.Examples) of a sample image."""
    return str(SAMPLES / name)
