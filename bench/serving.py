"""Servers for the benches, each its own process as in a deployment: the emulator, the playground, the minimal app.

A `Server` knows its URL, its log file and its memory (VmRSS now, VmHWM peak, from
/proc/PID/status: psutil is not installed here). `start_*` waits until the server answers
and stops it again when that fails, with the end of its log in the message.
Not a bench itself: bench/load.py and bench/uploads.py import it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
START_TIMEOUT = 120.0  # the playground imports Gradio and builds every tab: slow on a busy 2-core machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """One running server process."""

    name: str
    process: subprocess.Popen
    url: str
    log: Path

    def memory_mb(self, key: str = "VmHWM") -> float:
        """VmHWM (peak resident memory so far) or VmRSS (now) of the server process, in MB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def log_tail(self, lines: int = 15) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(name: str, command: list[str], *, url: str, health: str, env: dict[str, str], workdir: Path) -> Server:
    """Start `command`, its output to WORKDIR/NAME.log, and wait until `health` answers."""
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    server = Server(name, process, url, log)
    try:
        wait_until_answering(server, health)
    except BaseException:
        server.stop()
        raise
    return server


def wait_until_answering(server: Server, url: str, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"{server.name} exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{server.name} did not answer {url} within {timeout:g} s:\n{server.log_tail()}")


def base_env() -> dict[str, str]:
    """The environment the servers start with: as the Docker image sets it (MALLOC_ARENA_MAX=2)."""
    return dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", MALLOC_ARENA_MAX="2")


def start_emulator(workdir: Path, *, delay: float, slow_match: tuple[float, str] | None = None) -> Server:
    """The Bedrock emulator with placeholder answers after `delay` s; `slow_match` = (seconds, text) adds
    that many seconds for bodies containing the text (the `slow:SECONDS@TEXT` fault)."""
    port = free_port()
    command = [sys.executable, "-m", "titan.emulator", "--port", str(port), "--delay", str(delay), "--placeholder"]
    if slow_match:
        seconds, text = slow_match
        command += ["--fault", f"slow:{seconds:g}@{text}"]
    url = f"http://127.0.0.1:{port}"
    return start("emulator", command, url=url, health=f"{url}/_emulator/health", env=base_env(), workdir=workdir)


def bedrock_env(emulator: Server) -> dict[str, str]:
    """What boto3 needs to reach the emulator: its endpoint and dummy keys."""
    return base_env() | {
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": emulator.url,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
    }


def start_playground(
    workdir: Path, *, engine: str, concurrency: int, env: dict[str, str], extra: tuple[str, ...] = ()
) -> Server:
    """`python app.py` on a free port, History, its index and the spend file in `workdir`."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [
        sys.executable, str(ROOT / "app.py"), "--engine", engine, "--region", "us-west-2",
        "--concurrency", str(concurrency), "--port", str(port),
        "--history-dir", str(workdir / "history"), "--history-index-dir", str(workdir / "history-index"),
        "--spend", str(workdir / "spend.json"), *extra,
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    return start("playground", command, url=url, health=f"{url}config", env=env, workdir=workdir)


def start_minimal_app(workdir: Path, *, concurrency: int, env: dict[str, str]) -> Server:
    """bench/minimal_app.py on a free port, its images in `workdir`."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [
        sys.executable, str(BENCH / "minimal_app.py"), "--port", str(port), "--concurrency", str(concurrency),
        "--region", "us-west-2", "--out-dir", str(workdir / "minimal-out"),
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    return start("minimal", command, url=url, health=f"{url}config", env=env, workdir=workdir)


def config_size(server: Server) -> int:
    """Bytes of the page config (`GET /config`), what every browser and `Client()` downloads first."""
    with urllib.request.urlopen(f"{server.url}config", timeout=30) as response:
        return len(response.read())
