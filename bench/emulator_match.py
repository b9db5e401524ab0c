"""The emulator with a `slow:SECONDS@TEXT` fault, for bench/load.py --mixed while titan.emulator lacks `@MATCH`.

titan/emulator.py documents `--fault slow:600@hang` (a fault only for bodies whose JSON
contains the text) but its `Fault` has no `match` yet, so the flag is refused. This runs
the same `Emulator` with placeholder answers and an engine that waits SECONDS more before
answering a body that contains TEXT; every other body is answered as usual. bench/serving.py
uses `python -m titan.emulator --fault slow:SECONDS@TEXT` instead once that works.

Run: python bench/emulator_match.py --port 8765 --delay 2 --placeholder --slow-match 600@hang
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from titan.emulator import Emulator, PlaceholderEngine


class SlowWhenMatched:
    """Placeholder answers, `seconds` later when the body's JSON contains `text` (or at once when stopping)."""

    name = "placeholder"
    billed = False
    region = None

    def __init__(self, seconds: float, text: str, stopping: threading.Event) -> None:
        self.seconds, self.text, self.stopping = seconds, text, stopping
        self.inner = PlaceholderEngine()

    def invoke(
        self, model_id: str, body: dict[str, Any], *, region: str | None = None, deadline: float | None = None
    ) -> dict[str, Any]:
        if self.text in json.dumps(body):
            self.stopping.wait(self.seconds)
        return self.inner.invoke(model_id, body)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--delay", type=float, default=0.0, help="latency added to every answer, seconds")
    parser.add_argument("--placeholder", action="store_true", help="accepted for titan.emulator's flag shape")
    parser.add_argument("--slow-match", required=True, metavar="SECONDS@TEXT")
    args = parser.parse_args()
    seconds, _, args.text = args.slow_match.partition("@")
    args.seconds = float(seconds)
    if not args.text:
        parser.error("--slow-match needs SECONDS@TEXT, e.g. 600@hang")
    return args


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> None:
    args = parse_args()
    stopping = threading.Event()
    engine = SlowWhenMatched(args.seconds, args.text, stopping)
    emulator = Emulator(host=args.host, port=args.port, delay=args.delay, engine=engine)
    signal.signal(signal.SIGTERM, _interrupt)
    emulator.log(f"listening on {emulator.url} (delay {args.delay:g} s; {args.seconds:g} s more for {args.text!r})")
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stopping.set()
        emulator.stop()


if __name__ == "__main__":
    main()
