"""Start the Titan Image Playground: `python app.py [--engine auto|bedrock|offline] ...`.

Every flag can also be set with an environment variable (TITAN_ENGINE, TITAN_MODEL,
TITAN_REGION, TITAN_HOST, TITAN_PORT, TITAN_AUTH, TITAN_CONCURRENCY, TITAN_OUTPUT_DIR);
`python app.py --help` lists them.
"""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> None:
    from titan import TitanError
    from ui import AppSettings, build_app, launch_options

    settings = AppSettings.from_args(argv)
    try:
        demo = build_app(settings)
    except TitanError as err:
        raise SystemExit(f"Cannot start: {err}") from None
    demo.launch(**launch_options(settings))


if __name__ == "__main__":
    main()
