"""Start the Titan Image Playground: `python app.py [--engine auto|bedrock|offline] ...`.

Every flag can also be set with an environment variable (TITAN_ENGINE, TITAN_MODEL,
TITAN_REGION, TITAN_HOST, TITAN_PORT, TITAN_AUTH, ...); `python app.py --help` lists them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

log = logging.getLogger("titan.playground")


def main(argv: Sequence[str] | None = None) -> None:
    from ui.settings import AppSettings

    settings = AppSettings.from_args(argv)  # --help answers here, before anything heavy is imported
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from titan import TitanError
    from ui import build_app, launch_options

    if settings.exposed_without_login:
        log.warning(
            "Serving on %s without --auth: anyone who can reach this address can generate images "
            "(and spend on Bedrock). Add --auth user:password.",
            settings.host,
        )
    try:
        demo = build_app(settings)
    except (TitanError, OSError) as err:
        raise SystemExit(f"Cannot start: {err}") from None
    for line in demo.start_facts:  # type: ignore[attr-defined]
        print(line, flush=True)
    demo.launch(**launch_options(settings, demo))


if __name__ == "__main__":
    main()
