"""Long fuzz run: thousands of random parameters and uploads; prints crashes (target 0).

A crash is any exception that is not a TitanError: those would reach a person as a
traceback. Uses the same strategies as tests/test_fuzz.py.
Run: python bench/fuzz.py [--examples 1500]
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import test_fuzz as cases
from hypothesis import HealthCheck, given, settings

from titan import TitanError

crashes: Counter[str] = Counter()
calls = 0


def counting(call, images: int = 1) -> str:
    global calls
    calls += 1
    try:
        call()
    except TitanError:
        return "refused"
    except Exception as exc:
        crashes[f"{type(exc).__name__}: {exc}"[:160]] += 1
        if crashes.total() <= 3:
            traceback.print_exc()
        return "crash"
    return "ok"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1500)
    examples = parser.parse_args().examples
    cases.outcome = counting  # count instead of raising
    long_run = settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    started = time.perf_counter()
    for test in (cases.test_text_image_parameters, cases.test_other_task_parameters, cases.test_uploaded_bytes):
        given_test = long_run(given(**test.hypothesis._given_kwargs)(test.hypothesis.inner_test))
        given_test()
    print(f"{calls} fuzzed calls in {time.perf_counter() - started:.1f} s; crashes: {crashes.total()}")
    for message, count in crashes.most_common(10):
        print(f"  {count}× {message}")


if __name__ == "__main__":
    main()
