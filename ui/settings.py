"""`AppSettings`: how the playground is started, built once in `main()` and passed down."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from titan import (
    DEFAULT_MODEL_ID,
    MODELS,
    Budget,
    Signer,
    default_data_dir,
    default_history_dir,
    engine_names,
    open_ledger,
)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
#: Bedrock calls wait on the network, not the CPU: a room's worth run at once.
DEFAULT_CONCURRENCY = 16
DEFAULT_REQUEST_TIMEOUT = 90.0

#: flag name -> environment variable that provides its default.
ENV_VARS = {
    "engine": "TITAN_ENGINE",
    "model": "TITAN_MODEL",
    "region": "TITAN_REGION",
    "host": "TITAN_HOST",
    "port": "TITAN_PORT",
    "auth": "TITAN_AUTH",
    "concurrency": "TITAN_CONCURRENCY",
    "request_timeout": "TITAN_REQUEST_TIMEOUT",
    "auth_file": "TITAN_AUTH_FILE",
    "budget_usd": "TITAN_BUDGET_USD",
    "session_budget_usd": "TITAN_SESSION_BUDGET_USD",
    "spend": "TITAN_SPEND",
    "max_upload_mb": "TITAN_MAX_UPLOAD_MB",
    "history_dir": "TITAN_HISTORY_DIR",
    "history": "TITAN_HISTORY",
    "history_index_dir": "TITAN_HISTORY_INDEX_DIR",
    "c2pa_cert": "TITAN_C2PA_CERT",
    "c2pa_key": "TITAN_C2PA_KEY",
    "mcp": "TITAN_MCP",
}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
DEFAULT_MAX_UPLOAD_MB = 20


@dataclass(frozen=True)
class AppSettings:
    """Everything the UI needs to know about how it was started."""

    engine: str = "auto"
    model: str = DEFAULT_MODEL_ID
    #: True when no --model / TITAN_MODEL was given: start on the lifecycle's default choice instead
    pick_model: bool = False
    region: str | None = None
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    auth: tuple[tuple[str, str], ...] = ()
    concurrency: int = DEFAULT_CONCURRENCY
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    budget_usd: float | None = None  # per day (UTC) for the whole server, kept in the `spend` ledger
    session_budget_usd: float | None = None  # per person per day: the user with logins, else the browser session
    spend: str | None = None  # a JSON file, or dynamodb://TABLE shared by several replicas
    max_upload_mb: int = DEFAULT_MAX_UPLOAD_MB
    history_dir: Path | None = None  # default: titan.history.default_history_dir()
    history: str | None = None  # "s3://bucket/prefix": store history in S3 instead
    history_index_dir: Path | None = None  # default: the user's cache dir
    c2pa_cert: Path | None = None  # sign every image with a C2PA manifest (needs c2pa-python)
    c2pa_key: Path | None = None
    mcp: bool = False  # also serve every task as an MCP tool (needs pip install "gradio[mcp]")

    @property
    def exposed_without_login(self) -> bool:
        """Bound beyond this machine with no login: anyone on the network could spend."""
        return not self.auth and self.host not in LOOPBACK_HOSTS

    def budget(self) -> Budget:
        """The spending limits; spending is kept in the `spend` ledger (default: spend.json in the data dir)."""
        ledger = open_ledger(self.spend or default_data_dir() / "spend.json")
        return Budget(day_limit_usd=self.budget_usd, person_limit_usd=self.session_budget_usd, ledger=ledger)

    def signer(self) -> Signer | None:
        """The C2PA signer when a certificate and key were given (checked now: a bad pair stops the start)."""
        if not (self.c2pa_cert and self.c2pa_key):
            return None
        return Signer.from_files(self.c2pa_cert, self.c2pa_key)

    def history_location(self) -> str | Path:
        """Where every generated image is stored: S3 (`history`), else a local folder, else the user's data dir."""
        return self.history or self.history_dir or default_history_dir()

    @classmethod
    def from_args(cls, argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> AppSettings:
        """Parse command-line flags; each flag's default comes from its TITAN_* variable."""
        args = build_parser(os.environ if env is None else env).parse_args(argv)
        return cls(
            engine=args.engine,
            model=args.model or DEFAULT_MODEL_ID,
            pick_model=args.model is None,
            region=args.region or None,
            host=args.host,
            port=args.port,
            auth=tuple(pair for group in args.auth or () for pair in group) + read_auth_file(args.auth_file),
            concurrency=args.concurrency,
            request_timeout=args.request_timeout,
            budget_usd=args.budget_usd,
            session_budget_usd=args.session_budget_usd,
            spend=args.spend or None,
            max_upload_mb=args.max_upload_mb,
            history_dir=_path(args.history_dir),
            history=args.history or None,
            history_index_dir=_path(args.history_index_dir),
            c2pa_cert=_path(args.c2pa_cert),
            c2pa_key=_path(args.c2pa_key),
            mcp=args.mcp,
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
        choices=engine_names(),
        default=default("engine", "auto"),
        help="auto: Amazon Bedrock when boto3 finds AWS credentials, else the offline preview "
        "(TITAN_ENGINE; default %(default)s)",
    )
    parser.add_argument(
        "--model",
        choices=list(MODELS),
        default=default("model", None),
        help="model picked at start; default: the first usable one, Stability first (TITAN_MODEL)",
    )
    parser.add_argument(
        "--region",
        default=default("region", None),
        help="AWS region (TITAN_REGION); default: AWS_REGION or AWS_DEFAULT_REGION or the AWS config, else us-west-2, "
        "where every Stability task runs",
    )
    parser.add_argument(
        "--host", default=default("host", DEFAULT_HOST), help="address to serve on (TITAN_HOST; default %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=str(default("port", DEFAULT_PORT)), help="port (TITAN_PORT; default %(default)s)"
    )
    parser.add_argument(
        "--auth",
        type=parse_auth,
        action="append",
        default=[parse_auth(str(default("auth", "")))],
        help='login "user:password"; repeat the flag or separate pairs with commas (TITAN_AUTH)',
    )
    parser.add_argument(
        "--auth-file",
        default=default("auth_file", None),
        help='file with one "user:password" per line; # starts a comment (TITAN_AUTH_FILE)',
    )
    parser.add_argument(
        "--budget-usd",
        type=_money,
        default=default("budget_usd", None),
        help="most the whole server may spend on Bedrock per day (UTC), kept across restarts (TITAN_BUDGET_USD; "
        "default: no limit)",
    )
    parser.add_argument(
        "--session-budget-usd",
        type=_money,
        default=default("session_budget_usd", None),
        help="most one person may spend per day (UTC): with --auth each login, without logins each browser "
        "session, so a new session starts again at $0 (TITAN_SESSION_BUDGET_USD; default: no limit)",
    )
    parser.add_argument(
        "--spend",
        default=default("spend", None),
        metavar="FILE_OR_DYNAMODB",
        help="where spending is kept: a JSON file, or dynamodb://TABLE to share one budget between replicas "
        "(TITAN_SPEND; default: spend.json in the user's data dir)",
    )
    parser.add_argument(
        "--max-upload-mb",
        type=_positive,
        default=str(default("max_upload_mb", DEFAULT_MAX_UPLOAD_MB)),
        help="largest file a person may upload, in MB (TITAN_MAX_UPLOAD_MB; default %(default)s)",
    )
    parser.add_argument(
        "--concurrency",
        type=_positive,
        default=str(default("concurrency", DEFAULT_CONCURRENCY)),
        help="requests running at once across all users (TITAN_CONCURRENCY; default %(default)s)",
    )
    parser.add_argument(
        "--request-timeout",
        type=_seconds,
        default=str(default("request_timeout", DEFAULT_REQUEST_TIMEOUT)),
        help="longest one request may take, Bedrock's retries included, before the person is told "
        "(TITAN_REQUEST_TIMEOUT; default %(default)s s)",
    )
    parser.add_argument(
        "--history-dir",
        default=default("history_dir", None),
        help="folder where every image is kept with its settings; default: the user's data dir (TITAN_HISTORY_DIR)",
    )
    parser.add_argument(
        "--history",
        default=default("history", None),
        metavar="s3://BUCKET/PREFIX",
        help="keep the history in S3 instead of a folder (TITAN_HISTORY)",
    )
    parser.add_argument(
        "--history-index-dir",
        default=default("history_index_dir", None),
        help="where History's search indexes live; rebuilt from the history when missing "
        "(TITAN_HISTORY_INDEX_DIR; default: the user's cache dir)",
    )
    parser.add_argument(
        "--c2pa-cert",
        default=default("c2pa_cert", None),
        help="PEM certificate chain to sign every image with a C2PA manifest; needs pip install c2pa-python "
        "(TITAN_C2PA_CERT)",
    )
    parser.add_argument("--c2pa-key", default=default("c2pa_key", None), help="its PEM private key (TITAN_C2PA_KEY)")
    parser.add_argument(
        "--mcp",
        action=argparse.BooleanOptionalAction,
        default=_flag(str(default("mcp", ""))),
        help="also serve every task as a tool for AI assistants (MCP) at /gradio_api/mcp/; "
        'needs pip install "gradio[mcp]" (TITAN_MCP=1; default: off)',
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


def read_auth_file(path: str | None) -> tuple[tuple[str, str], ...]:
    """Logins from a file of "user:password" lines (blank lines and # comments skipped)."""
    if not path:
        return ()
    try:
        lines = Path(path).expanduser().read_text().splitlines()
    except OSError as exc:
        raise SystemExit(f"Cannot read --auth-file {path}: {exc.strerror}") from None
    wanted = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    try:
        return parse_auth(",".join(wanted))
    except argparse.ArgumentTypeError as exc:
        raise SystemExit(f"--auth-file {path}: {exc}") from None


def _money(text: str | None) -> float | None:
    if text in (None, ""):
        return None
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _flag(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "yes", "on")


def _path(text: str | None) -> Path | None:
    return Path(text).expanduser() if text else None


def _seconds(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value
