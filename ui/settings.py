"""`AppSettings`: how the playground is started, built once in `main()` and passed down."""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from titan.client import ENGINE_NAMES
from titan.models import DEFAULT_MODEL_ID, MODELS

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
DEFAULT_CONCURRENCY = 2

#: flag name -> environment variable that provides its default.
ENV_VARS = {
    "engine": "TITAN_ENGINE",
    "model": "TITAN_MODEL",
    "region": "TITAN_REGION",
    "host": "TITAN_HOST",
    "port": "TITAN_PORT",
    "auth": "TITAN_AUTH",
    "concurrency": "TITAN_CONCURRENCY",
    "output_dir": "TITAN_OUTPUT_DIR",
}


@dataclass(frozen=True)
class AppSettings:
    """Everything the UI needs to know about how it was started."""

    engine: str = "auto"
    model: str = DEFAULT_MODEL_ID
    region: str | None = None
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    auth: tuple[tuple[str, str], ...] = ()
    concurrency: int = DEFAULT_CONCURRENCY
    output_dir: Path | None = None

    def outputs_folder(self) -> Path:
        """Where generated PNGs go: `output_dir`, else a fresh folder in the temp dir."""
        if self.output_dir is not None:
            self.output_dir.mkdir(parents=True, exist_ok=True)
            return self.output_dir
        return Path(tempfile.mkdtemp(prefix="titan-playground-"))

    @classmethod
    def from_args(cls, argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> AppSettings:
        """Parse command-line flags; each flag's default comes from its TITAN_* variable."""
        args = build_parser(os.environ if env is None else env).parse_args(argv)
        return cls(
            engine=args.engine,
            model=args.model,
            region=args.region or None,
            host=args.host,
            port=args.port,
            auth=args.auth,
            concurrency=args.concurrency,
            output_dir=Path(args.output_dir).expanduser() if args.output_dir else None,
        )


def build_parser(env: Mapping[str, str]) -> argparse.ArgumentParser:
    def default(name: str, fallback: object) -> object:
        return env.get(ENV_VARS[name], fallback)

    parser = argparse.ArgumentParser(
        prog="app.py",
        description="A browser playground for Amazon Titan Image Generator tasks. "
        "Every flag can also be set with the environment variable shown.",
    )
    parser.add_argument(
        "--engine",
        choices=ENGINE_NAMES,
        default=default("engine", "auto"),
        help="auto: Amazon Bedrock when boto3 finds AWS credentials, else the offline preview (TITAN_ENGINE)",
    )
    parser.add_argument(
        "--model",
        choices=list(MODELS),
        default=default("model", DEFAULT_MODEL_ID),
        help="model picked at start (TITAN_MODEL)",
    )
    parser.add_argument("--region", default=default("region", None), help="AWS region; default: boto3's (TITAN_REGION)")
    parser.add_argument("--host", default=default("host", DEFAULT_HOST), help="address to serve on (TITAN_HOST)")
    parser.add_argument("--port", type=int, default=str(default("port", DEFAULT_PORT)), help="port (TITAN_PORT)")
    parser.add_argument(
        "--auth",
        type=parse_auth,
        default=default("auth", ""),
        help='login "user:password", several comma-separated (TITAN_AUTH)',
    )
    parser.add_argument(
        "--concurrency",
        type=_positive,
        default=str(default("concurrency", DEFAULT_CONCURRENCY)),
        help="requests running at once across all users (TITAN_CONCURRENCY)",
    )
    parser.add_argument(
        "--output-dir", default=default("output_dir", None), help="folder for generated PNGs (TITAN_OUTPUT_DIR)"
    )
    return parser


def parse_auth(text: str | None) -> tuple[tuple[str, str], ...]:
    """ "ann:pw1,bob:pw2" -> (("ann", "pw1"), ("bob", "pw2")); empty -> no login."""
    pairs = []
    for item in (text or "").split(","):
        if not item.strip():
            continue
        user, sep, password = item.strip().partition(":")
        if not sep or not user or not password:
            raise argparse.ArgumentTypeError('--auth takes "user:password" pairs separated by commas')
        pairs.append((user, password))
    return tuple(pairs)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value
