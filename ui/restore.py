"""From a stored run back to the page: the value of every control of the tab that made it.

`run_settings(run, input_path)` is the inverse of `Runner`: it reads a run's request (the
Titan body, images as "@inputs/<name>.png" references) and returns the keyword arguments a
`Runner` task method takes, so the same names fill the tab's controls and the API's
parameters. Pressing Generate on the restored tab sends the same body again:

- the seed is the request's seed, locked (so a batch repeats exactly, each image its seed);
- an inpainting mask comes back as a painted layer (black in the Titan mask = painted);
- an outpainting canvas made by the padding sliders is cut back into the original image
  and its paddings (the mask's black rectangle is the original), so the sliders show what
  was done; any other canvas is loaded as it is, with paddings 0.

Fields the body did not carry get the model's defaults, so nothing stale is left over.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from titan import MODELS, Task, get_model
from titan.history import Run
from titan.models import CONTROL_MODES, DEFAULT_MODEL_ID, OUTPAINT_MODES

from .handlers import REMOVE, REPLACE, size_value

#: The tab (and API name) of each task.
TAB_OF = {
    Task.TEXT_IMAGE: "text_image",
    Task.INPAINTING: "inpaint",
    Task.OUTPAINTING: "outpaint",
    Task.IMAGE_VARIATION: "variation",
    Task.COLOR_GUIDED_GENERATION: "color_guided",
    Task.BACKGROUND_REMOVAL: "remove_background",
}
PAINT = (255, 45, 111, 140)  # the inpaint brush: #FF2D6F at 55 %

InputPath = Callable[[str], "Path | None"]  # "maskImage.png" -> a local file, or None when not stored


def run_settings(run: Run, input_path: InputPath) -> tuple[str, dict[str, Any]]:
    """(tab id, {Runner keyword: value}) that repeat `run`; images are local file paths or arrays."""
    task = Task(run.task)
    model_id = run.model_id if run.model_id in MODELS else DEFAULT_MODEL_ID
    spec = get_model(model_id)
    params = run.request.get(task.params_key, {})
    config = run.request.get("imageGenerationConfig", {})

    def image(key: str) -> Any:
        ref = params.get(key)
        return input_path(ref.removeprefix("@inputs/")) if isinstance(ref, str) and ref.startswith("@") else None

    values: dict[str, Any] = {"model": model_id}
    if task is not Task.BACKGROUND_REMOVAL:
        values |= {
            "prompt": params.get("text", ""),
            "negative_prompt": params.get("negativeText", ""),
            "number_of_images": int(config.get("numberOfImages", spec.number_of_images.default)),
            "quality": config.get("quality", "standard"),
            "cfg_scale": float(config.get("cfgScale", spec.cfg_scale.default)),
            "seed": int(config.get("seed", spec.seed.default)),
            "lock_seed": True,
        }
        if task in (Task.TEXT_IMAGE, Task.IMAGE_VARIATION, Task.COLOR_GUIDED_GENERATION):
            width, height = config.get("width"), config.get("height")
            values["size"] = size_value(width, height) if width and height else size_value(*spec.picker_sizes[0])
    if task is Task.TEXT_IMAGE:
        values |= {
            "condition_image": image("conditionImage"),
            "control_mode": params.get("controlMode", CONTROL_MODES[0]),
            "control_strength": float(params.get("controlStrength", spec.control_strength.default)),
            "style": params.get("style", ""),
        }
    elif task is Task.INPAINTING:
        background, mask = image("image"), image("maskImage")
        layers = [mask_to_layer(mask)] if mask is not None else []
        values |= {
            "editor": {"background": background, "layers": layers, "composite": background},
            "mode": REPLACE if params.get("text") else REMOVE,
            "mask_prompt": params.get("maskPrompt", ""),
            "invert": False,  # the stored mask is already what was sent
        }
    elif task is Task.OUTPAINTING:
        values |= outpaint_values(image("image"), image("maskImage"))
        values |= {
            "mode": params.get("outPaintingMode", OUTPAINT_MODES[0]),
            "mask_prompt": params.get("maskPrompt", ""),
        }
    elif task is Task.IMAGE_VARIATION:
        refs = [input_path(ref.removeprefix("@inputs/")) for ref in params.get("images", [])]
        values |= {
            "images": [ref for ref in refs if ref is not None],
            "similarity": float(params.get("similarityStrength", spec.similarity_strength.default)),
        }
    elif task is Task.COLOR_GUIDED_GENERATION:
        values |= {"colors": ", ".join(params.get("colors", [])), "reference_image": image("referenceImage")}
    else:
        values["image"] = image("image")
    return TAB_OF[task], values


def mask_to_layer(mask: str | Path) -> np.ndarray:
    """A Titan inpainting mask (black = change) as the editor's painted RGBA layer."""
    with Image.open(mask) as opened:
        painted = np.asarray(opened.convert("L")) < 128
    layer = np.zeros((*painted.shape, 4), np.uint8)
    layer[painted] = PAINT
    return layer


def outpaint_values(canvas: str | Path | None, mask: str | Path | None) -> dict[str, Any]:
    """The image and paddings that make `canvas`: recovered from a padding mask, else the canvas as is."""
    values: dict[str, Any] = {"image": canvas, "left": 0, "right": 0, "top": 0, "bottom": 0}
    if canvas is None or mask is None:
        return values
    with Image.open(mask) as opened:
        kept = np.asarray(opened.convert("L")) == 0
    rows, cols = np.flatnonzero(kept.any(axis=1)), np.flatnonzero(kept.any(axis=0))
    if not rows.size:
        return values
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    if kept.sum() != (bottom - top) * (right - left):  # not a rectangle: not made by the sliders
        return values
    height, width = kept.shape
    with Image.open(canvas) as opened:
        original = np.asarray(opened.convert("RGB"))[top:bottom, left:right]
    return {
        "image": original,
        "left": int(left),
        "right": int(width - right),
        "top": int(top),
        "bottom": int(height - bottom),
    }


def metadata_run(meta: dict[str, Any], *, user: str) -> Run:
    """A `Run` from a PNG's metadata (`titan.history.read_png_metadata`), for `run_settings`."""
    return Run(
        run_id=str(meta.get("run_id", "")),
        user=user,
        created=str(meta.get("created", "")),
        task=str(meta.get("task", Task.TEXT_IMAGE.value)),
        model_id=str(meta.get("model_id", DEFAULT_MODEL_ID)),
        engine=str(meta.get("engine", "")),
        region=meta.get("region"),
        request=meta["request"],
        outputs=[],
        cost_usd=float(meta.get("cost_usd") or 0),
    )


# --- how a run reads in the History tab ---------------------------------------------------


def caption(run: Run, index: int) -> str:
    seed = run.outputs[index].seed
    prompt = run.prompt if len(run.prompt) <= 48 else run.prompt[:47] + "…"
    return " · ".join(
        part for part in (Task(run.task).label, prompt, f"seed {seed}" if seed is not None else "") if part
    )


def describe(run: Run, index: int) -> str:
    """The selected image's run as a short readable summary (the Request accordion has the rest)."""
    task, params = Task(run.task), run.request.get(Task(run.task).params_key, {})
    config = run.request.get("imageGenerationConfig", {})
    rows = [(key, value) for key, value in params.items() if key != "text"] + list(config.items())
    table = "\n".join(f"| {_label(key)} | {_short(value)} |" for key, value in rows)
    cost = f"${run.cost_usd:.3f} on Bedrock" if run.engine == "bedrock" else f"$0.00 ({run.engine})"
    model = MODELS[run.model_id].name if run.model_id in MODELS else run.model_id
    when = run.created.replace("T", " ")[:16] + " UTC"
    lines = [
        f"### {task.label}",
        f"**Prompt** {params.get('text') or '—'}",
        f"{model} · {run.engine}{' · ' + run.region if run.region else ''} · {when}",
        f"Image {index + 1} of {len(run.outputs)} · seed **{run.outputs[index].seed}** · {cost}",
        f"| Setting | Value |\n|---|---|\n{table}" if table else "",
    ]
    if run.note:
        lines.append(f"⚠ {run.note}")
    return "\n\n".join(line for line in lines if line)


def _label(key: str) -> str:
    """ "numberOfImages" -> "Number of images"; cfgScale keeps its API name."""
    named = {"cfgScale": "Prompt strength (cfgScale)", "outPaintingMode": "Outpainting mode"}
    if key in named:
        return named[key]
    words = re.sub(r"([A-Z])", r" \1", key).lower().strip()
    return words[0].upper() + words[1:]


def _short(value: Any) -> str:
    if isinstance(value, str) and value.startswith("@inputs/"):
        return "stored image"
    if isinstance(value, list):
        return ", ".join(_short(item) for item in value)
    return str(value).replace("|", "\\|")
