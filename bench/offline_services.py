"""Time the offline Stability services at 1024² and measure the peak memory of a 4K upscale.

Usage: ``python bench/offline_services.py [--repeat 3]``. Each function runs once to warm
up, then the best of `--repeat` runs counts. Inputs are synthetic (bench/offline.py's
photo-like picture). Upscale fast starts from 512² (→ 2048²), conservative and creative
from 1024² (→ 3072²).

Peak memory: each 4K upscale (fast, 1024² → 4096²) runs in a fresh Python process that
reports its resident memory with the input made and its peak during the upscale (Linux
/proc/self/status; the peak is reset just before); the difference is what the upscale
itself needed at its peak, its result included.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from offline import synthetic_photo  # bench/offline.py

from titan.offline._common import rng_for
from titan.offline.recolor import recolor, select_region
from titan.offline.style import style_guide, transfer_style
from titan.offline.upscale import upscale


def photo(size: int, dtype: type = np.float32) -> np.ndarray:
    pixels = np.asarray(synthetic_photo(size))
    return pixels if dtype is np.uint8 else pixels.astype(np.float32) / 255


def cases() -> dict[str, Callable[[], object]]:
    """One call per function, on 1024² inputs unless the name says otherwise."""
    content, small = photo(1024), photo(512)
    style = np.ascontiguousarray(photo(1024)[::-1, :, ::-1])  # upside down, channels swapped: other colours
    region = select_region(content, "the red ball")

    def rng(seed: int = 42) -> np.random.Generator:
        return rng_for(seed, "BENCH")

    return {
        "select_region (colour word)": lambda: select_region(content, "the red ball"),
        "select_region (subject)": lambda: select_region(content, "the ball"),
        "recolor": lambda: recolor(content, region, "teal", None, rng(), seed=42),
        "transfer_style": lambda: transfer_style(content, style, composition_fidelity=0.5, rng=rng()),
        "style_guide (1024² out)": lambda: style_guide(style, "a teal lake", None, 1024, 1024, rng=rng(), seed=42),
        "upscale fast 512² → 2048²": lambda: upscale(small, mode="fast", creativity=None, prompt=None, rng=rng()),
        "upscale conservative → 3072²": lambda: upscale(
            content, mode="conservative", creativity=0.35, prompt="a red ball", rng=rng()
        ),
        "upscale creative → 3072²": lambda: upscale(
            content, mode="creative", creativity=0.3, prompt="a red ball", rng=rng()
        ),
        "upscale fast 1024² → 4096²": lambda: upscale(content, mode="fast", creativity=None, prompt=None, rng=rng()),
    }


def best_of(run: Callable[[], object], repeat: int) -> float:
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def memory_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status: VmRSS (now) or VmHWM (peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"{field} not in /proc/self/status")


def measure_rss(dtype_name: str) -> None:
    """In a fresh process: resident memory with the 1024² input made, then the peak during the 4K upscale.

    The peak ("high-water mark") is reset just before the upscale (Linux: writing 5 to
    /proc/self/clear_refs), so making the input does not count.
    """
    image = photo(1024, np.uint8 if dtype_name == "uint8" else np.float32)
    Path("/proc/self/clear_refs").write_text("5")
    before = memory_mb("VmRSS")
    out = upscale(image, mode="fast", creativity=None, prompt=None, rng=np.random.default_rng(0))
    print(f"{before:.0f} {memory_mb('VmHWM'):.0f} {out.nbytes / 2**20:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rss", choices=["uint8", "float32"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss:
        measure_rss(args.rss)
        return
    print(f"{'function':<32} {'seconds':>8}")
    for name, run in cases().items():
        print(f"{name:<32} {best_of(run, args.repeat):>8.3f}")
    print("\npeak RSS of the 4K fast upscale (1024² → 4096², fresh process):")
    for dtype_name in ("uint8", "float32"):
        answer = subprocess.run(
            [sys.executable, __file__, "--rss", dtype_name], capture_output=True, text=True, check=True
        ).stdout.split()
        before, after, result = (float(v) for v in answer)
        print(
            f"  {dtype_name:>7} in/out: peak {after:.0f} MB, of which the upscale {after - before:.0f} MB "
            f"(its result alone {result:.0f} MB)"
        )


if __name__ == "__main__":
    main()
