"""BACKGROUND_REMOVAL offline: a foreground cut-out as RGBA PNG with a transparent background.

How the subject is found (on a copy whose longer side is `WORK_SIDE`, for speed):
1. The border strip is taken as background; its colours are clustered (k-means in Lab).
2. Saliency = Lab distance to the nearest border cluster; Otsu's threshold splits it
   into probable foreground and probable background.
3. `cv2.grabCut` refines that initial mask (fixed RNG seed: the output is deterministic).
4. Morphology removes specks and small holes; tiny components are dropped.
The mask is upscaled and its edge anti-aliased into the alpha channel. The task has no
generation settings, so there is no seed and exactly one image.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from ._common import decode_rgb, finish, kmeans, to_uint8

TASK = "BACKGROUND_REMOVAL"
WORK_SIDE = 320
GRABCUT_ITERATIONS = 4


def run(request: Any) -> dict[str, Any]:
    """Answer a background-removal request with one RGBA image."""
    image = to_uint8(decode_rgb(request.image))
    alpha = subject_alpha(image)
    rgba = np.dstack([image, alpha])
    return {"images": [finish(rgba, task=TASK, seed=None)]}


def subject_alpha(image: np.ndarray) -> np.ndarray:
    """Alpha (uint8 H×W, 255 = subject) of the main subject of a uint8 RGB image."""
    height, width = image.shape[:2]
    scale = min(1.0, WORK_SIDE / max(width, height))
    small_size = (max(16, round(width * scale)), max(16, round(height * scale)))
    small = cv2.resize(image, small_size, interpolation=cv2.INTER_AREA)
    foreground = clean_mask(_grabcut(small, _initial_mask(small)))
    soft = cv2.resize(foreground.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    soft = cv2.GaussianBlur(soft, (0, 0), max(0.8, 0.5 / scale))
    alpha = np.clip((soft - 0.5) * 2.5 + 0.5, 0, 1)  # sharpen the edge back, keep ~2 px anti-aliasing
    return to_uint8(alpha)


def _border_width(shape: tuple[int, ...]) -> int:
    return max(2, round(0.03 * min(shape[:2])))


def _initial_mask(small: np.ndarray) -> np.ndarray:
    """grabCut labels: border = background, salient interior = probable foreground."""
    height, width = small.shape[:2]
    lab = cv2.cvtColor(small.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    b = _border_width(small.shape)
    strip = np.zeros((height, width), dtype=bool)
    strip[:b], strip[-b:], strip[:, :b], strip[:, -b:] = True, True, True, True
    _, centres = kmeans(lab[strip], 4)
    distance = np.min(np.linalg.norm(lab[:, :, None, :] - centres[None, None], axis=3), axis=2)
    saliency = to_uint8(np.clip(distance / max(float(distance.max()), 1e-6), 0, 1))
    threshold, _ = cv2.threshold(saliency, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    threshold = max(threshold, 20)  # a plain background must not split on noise
    labels = np.where(saliency > threshold, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    labels[saliency > min(255, threshold * 2)] = cv2.GC_PR_FGD
    labels[strip] = cv2.GC_BGD
    if not (labels == cv2.GC_PR_FGD).any():  # nothing stands out: let grabCut decide inside the border
        labels[~strip] = cv2.GC_PR_FGD
    return labels


def _grabcut(small: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Foreground (bool) after grabCut; the initial guess if grabCut cannot run."""
    guess = (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
    background_model = np.zeros((1, 65), np.float64)
    foreground_model = np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(20240229)  # grabCut's GMM initialisation draws from OpenCV's RNG
    try:
        cv2.grabCut(small, labels, None, background_model, foreground_model, GRABCUT_ITERATIONS, cv2.GC_INIT_WITH_MASK)
    except cv2.error:
        return guess
    return (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)


def clean_mask(foreground: np.ndarray) -> np.ndarray:
    """Open/close, drop components under 5% of the largest, fill small holes."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    mask = cv2.morphologyEx(foreground.astype(np.uint8), cv2.MORPH_OPEN, kernel)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return mask.astype(bool)
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.zeros(count, dtype=bool)
    keep[1:] = areas >= 0.05 * areas.max()
    mask = keep[labels]
    holes_count, holes, hole_stats, _ = cv2.connectedComponentsWithStats((~mask).astype(np.uint8), connectivity=4)
    small_holes = np.zeros(holes_count, dtype=bool)
    small_holes[1:] = hole_stats[1:, cv2.CC_STAT_AREA] < 0.002 * mask.size
    touches_border = np.unique(np.concatenate([holes[0], holes[-1], holes[:, 0], holes[:, -1]]))
    small_holes[touches_border] = False
    return mask | small_holes[holes]
