"""History: every generated image is stored, with its exact request, before it is shown.

A run is one task call. It is stored as files under a key prefix per user:

    users/<user>/runs/<run_id>/run.json         the request's record (`Request.to_record`: its set
                                                fields, images as file references), the calls made,
                                                model, engine, region, time, cost, each image's seed
    users/<user>/runs/<run_id>/output_<i>.png   the model's PNG bytes unchanged, plus iTXt metadata
    users/<user>/runs/<run_id>/inputs/<n>.png   every input image and mask the request used
    users/<user>/runs/<run_id>/thumb_<i>.webp   a small copy of output <i> for the History gallery

so a run can be repeated exactly (`History.restore_request`) and any PNG the app made can be
dropped back in to restore its settings (`read_png_metadata`). Runs stored before requests
were typed hold a Titan body instead of a record; they are read back through the Titan
family's own decoder. Stores are plain blob
stores: a local folder (default) or S3 (any S3-compatible server). Outputs are written
before run.json, and run.json last and atomically, so a crash never leaves a half run
visible, and nothing already returned by the model is lost.

Listings and searches are answered by a per-user index kept outside the store
(`titan.history_index`), so opening History reads no run.json; the store stays the truth and
the index heals itself from it.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import io
import json
import logging
import os
import re
import secrets
import tempfile
import zipfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from PIL import Image

from . import metadata
from .errors import TitanError, TitanValidationError
from .history_index import REMOTE_READERS, IndexRow, RunIndex, make_thumbnail, thumbnail_name
from .images import peek_size, work_memory
from .requests import shown_calls
from .tasks import Request, request_type

log = logging.getLogger(__name__)

METADATA_KEY = "titan:run"
_IMAGE_KEYS = ("image", "maskImage", "conditionImage", "referenceImage")
_SAFE_USER = re.compile(r"[^A-Za-z0-9_.@-]")
_RUN_ID = re.compile(r"[0-9T]{21}-[0-9a-f]{6}")


class HistoryError(TitanError):
    """A history store could not be read or written (disk full, S3 denied, run missing)."""


# --- blob stores ------------------------------------------------------------------------


class BlobStore(Protocol):
    """Where history files live: keys are "/"-separated paths."""

    def put(self, key: str, data: bytes, *, durable: bool = True) -> None: ...
    def get(self, key: str) -> bytes: ...
    def keys(self, prefix: str) -> list[str]: ...
    def delete(self, key: str) -> None: ...
    def local_path(self, key: str) -> Path:
        """A local file with the key's bytes (the store's own file, or a cached copy)."""
        ...

    def folders(self, prefix: str) -> list[str]:
        """Names of the "folders" directly under `prefix` (a cheap listing that reads no file)."""
        ...

    def exists(self, key: str) -> bool: ...
    def prune(self, prefix: str) -> None:
        """Remove the empty folders left under `prefix` after deletes (nothing to do on S3)."""
        ...


class LocalBlobStore:
    """A folder on disk. Writes go to a temporary file and are renamed into place."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def describe(self) -> str:
        return str(self.root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise HistoryError(f"Refused a history key outside the store: {key!r}")
        return path

    def put(self, key: str, data: bytes, *, durable: bool = True) -> None:
        """Write `data` whole or not at all; `durable`: on disk before this returns (what a person
        made), else left to the system (what can be made again, like thumbnails)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, prefix=".tmp-") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(handle.name, path)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise HistoryError(f"Not in history: {key}") from exc

    def keys(self, prefix: str) -> list[str]:
        base = self._path(prefix) if prefix else self.root
        if not base.exists():
            return []
        return sorted(
            path.relative_to(self.root).as_posix()
            for path in base.rglob("*")
            if path.is_file() and not path.name.startswith(".tmp-")
        )

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def local_path(self, key: str) -> Path:
        return self._path(key)

    def folders(self, prefix: str) -> list[str]:
        try:
            with os.scandir(self._path(prefix)) as entries:
                return [entry.name for entry in entries if entry.is_dir(follow_symlinks=False)]
        except (FileNotFoundError, NotADirectoryError):
            return []

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def prune(self, prefix: str) -> None:
        top = self._path(prefix)
        for folder in [*sorted((p for p in top.rglob("*") if p.is_dir()), reverse=True), top]:
            with contextlib.suppress(OSError):  # not empty, or already gone
                folder.rmdir()


class S3BlobStore:
    """An S3 bucket/prefix through boto3; files shown in the UI are cached locally."""

    def __init__(self, url: str, *, client: Any = None, cache_dir: str | os.PathLike | None = None) -> None:
        if not url.startswith("s3://"):
            raise TitanValidationError("history", url, "s3://bucket/prefix")
        bucket, _, prefix = url[5:].partition("/")
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.url = url
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client("s3", config=Config(max_pool_connections=REMOTE_READERS))  # parallel reads
        self.client = client
        self.cache = Path(cache_dir or tempfile.mkdtemp(prefix="titan-s3-cache-"))

    def describe(self) -> str:
        return self.url

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, *, durable: bool = True) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)
        except Exception as exc:
            raise HistoryError(
                f"Could not save to {self.url}: {type(exc).__name__}. Check the bucket and IAM."
            ) from exc

    def get(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except Exception as exc:
            raise HistoryError(f"Not in history: {key}") from exc

    def keys(self, prefix: str) -> list[str]:
        found: list[str] = []
        strip = len(self.prefix) + 1 if self.prefix else 0
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
                found += [item["Key"][strip:] for item in page.get("Contents", [])]
        except Exception as exc:
            raise HistoryError(f"Could not list {self.url}: {type(exc).__name__}.") from exc
        return sorted(found)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        (self.cache / key).unlink(missing_ok=True)

    def folders(self, prefix: str) -> list[str]:
        start = self._key(prefix.rstrip("/") + "/")
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            pages = paginator.paginate(Bucket=self.bucket, Prefix=start, Delimiter="/")
            return [
                item["Prefix"][len(start) :].rstrip("/") for page in pages for item in page.get("CommonPrefixes", [])
            ]
        except Exception as exc:
            raise HistoryError(f"Could not list {self.url}: {type(exc).__name__}.") from exc

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:
            if getattr(exc, "response", {}).get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise HistoryError(f"Could not read {self.url}: {type(exc).__name__}.") from exc
        return True

    def prune(self, prefix: str) -> None:
        """S3 has no folders: a prefix without keys is gone."""

    def local_path(self, key: str) -> Path:
        path = self.cache / key
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(self.get(key))
        return path


def open_store(location: str | os.PathLike, *, s3_client: Any = None) -> BlobStore:
    """A local folder, or an S3 store for "s3://bucket/prefix"."""
    text = str(location)
    if text.startswith("s3://"):
        return S3BlobStore(text, client=s3_client)
    return LocalBlobStore(text)


def default_data_dir() -> Path:
    """The user's data dir for the playground, e.g. ~/.local/share/titan-playground."""
    import platformdirs

    return Path(platformdirs.user_data_dir("titan-playground"))


def default_history_dir() -> Path:
    """Under the user's data dir, e.g. ~/.local/share/titan-playground/history."""
    return default_data_dir() / "history"


# --- runs -------------------------------------------------------------------------------


@dataclass
class OutputImage:
    file: str
    seed: int | None
    batch_index: int


@dataclass
class Run:
    """One stored task call."""

    run_id: str
    user: str
    created: str
    task: str
    model_id: str
    engine: str
    region: str | None
    request: dict[str, Any]  # the body with images replaced by "@inputs/<name>.png"
    outputs: list[OutputImage]
    cost_usd: float
    note: str | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)
    """What was sent: {"modelId", "body"} per call, images shortened (for the Request panel)."""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def prompt(self) -> str:
        if "taskType" in self.request:  # stored before requests were typed: a Titan body
            params = next((value for value in self.request.values() if isinstance(value, dict)), {})
            return str(params.get("text", ""))
        return str(self.request.get("text") or "")

    @property
    def label(self) -> str:
        """The task in words ("Inpaint")."""
        return task_label(self.task)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Run:
        data = dict(data)
        data["outputs"] = [OutputImage(**item) for item in data.get("outputs", [])]
        return cls(**data)


class History:
    """Saves and finds runs in a blob store. Each user sees only their own runs.

    `index_dir` holds the per-user listing indexes (default: the user's cache dir; they are
    rebuilt from the store when missing). `relist_every`: seconds between checks of an S3
    store for runs written by other processes (a local folder is checked on every listing).
    """

    def __init__(
        self,
        store: BlobStore,
        *,
        index_dir: str | os.PathLike | None = None,
        relist_every: float = 30.0,
        signer: Signer | None = None,
    ) -> None:
        self.store = store
        self.index = RunIndex(_StoreRuns(store), index_dir, relist_every=relist_every)
        self.signer = signer

    # writing

    def save(
        self, result: Any, *, user: str | None = None, region: str | None = None, extra: dict[str, Any] | None = None
    ) -> Run:
        """Store a `GenerationResult`: inputs, outputs (with metadata), then run.json.

        `extra` is kept with the run, e.g. {"comparison": id} for the runs of one model comparison.
        """
        user = safe_user(user)
        run_id = new_run_id()
        prefix = _run_prefix(user, run_id)

        def save_input(name: str, image: Any) -> str:
            key = f"inputs/{name}.png"
            self.store.put(f"{prefix}/{key}", image.data)
            return "@" + key

        request = result.request.to_record(save_input)
        seeds = list(getattr(result, "image_seeds", None) or [result.seed] * len(result.raw_images))
        run = Run(
            run_id=run_id,
            user=user,
            created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            task=result.task,
            model_id=result.model_id,
            engine=result.engine,
            region=region,
            request=request,
            outputs=[OutputImage(f"output_{i}.png", seeds[i], i) for i in range(len(result.raw_images))],
            cost_usd=result.cost_usd,
            note=result.error,
            calls=shown_calls(result.calls),
            extra=dict(extra or {}),
        )
        for output, raw in zip(run.outputs, result.raw_images, strict=True):
            self.store.put(f"{prefix}/{output.file}", self.stamped(raw, run, output, result))
        self._save_thumbnails(prefix, result.raw_images)
        self.store.put(f"{prefix}/run.json", json.dumps(run.to_json(), indent=1).encode())
        self.index.add(user, index_row(run))
        return run

    def stamped(self, png: bytes, run: Run, output: OutputImage, result: Any) -> bytes:
        """The model's PNG with what other tools read added, its pixels untouched: AUTOMATIC1111's
        `parameters`, the IPTC "made by AI" mark in XMP, our own `titan:run` chunk for exact restore,
        and, when the operator gave a certificate, a signed C2PA manifest (written last)."""
        edited = result.request.edits
        source = metadata.DIGITAL_SOURCE_COMPOSITE if edited else metadata.DIGITAL_SOURCE_GENERATED
        stamped = metadata.png_with_chunks(
            png,
            text={metadata.A1111_KEY: a1111_text(run, output, result)},
            itxt=output_metadata(run, output),
            xmp=metadata.xmp_packet(source),
        )
        if self.signer is None:
            return stamped
        return metadata.sign_c2pa(
            stamped,
            cert_pem=self.signer.cert_pem,
            key_pem=self.signer.key_pem,
            digital_source_type=source,
            title=f"{run.label}: {run.prompt[:80]}" if run.prompt else run.label,
        )

    def delete(self, user: str | None, run_id: str) -> None:
        user = safe_user(user)
        prefix = _run_prefix(user, _checked_id(run_id))
        self.index.remove(user, run_id)
        for key in sorted(self.store.keys(prefix), key=lambda key: not key.endswith("/run.json")):
            self.store.delete(key)  # run.json first: a delete cut short leaves no run with missing images
        self.store.prune(prefix)  # an empty folder left behind would look like a run being written

    def _save_thumbnails(self, prefix: str, images: list[bytes]) -> None:
        for index, raw in enumerate(images):
            try:
                width, height = peek_size(raw)
                with work_memory(width * height * 8):  # decoded RGBA, and its reduction
                    thumbnail = make_thumbnail(raw)
            except (OSError, ValueError, Image.DecompressionBombError):  # made when first shown instead
                continue
            self.store.put(f"{prefix}/{thumbnail_name(index)}", thumbnail, durable=False)

    # reading

    def page(
        self, user: str | None, *, task: str | None = None, query: str = "", offset: int = 0, limit: int = 48
    ) -> RunPage:
        """One page of the user's runs, newest first, from the index (no run.json is read).

        `task` keeps one task type; `query` keeps runs whose prompt contains every word of it,
        in any order and case, each word matching the start of a prompt word ("light" finds
        "lighthouse"). `offset` counts runs already shown ("Load more" asks for the next page).
        """
        user = safe_user(user)
        found = self.index.page(user, task=task or None, query=query, offset=offset, limit=limit)
        return RunPage([RunSummary.from_row(user, row) for row in found.rows], found.total, found.offset)

    def runs(self, user: str | None, *, task: str | None = None, query: str = "", limit: int = 200) -> list[Run]:
        """Like `page` from the start, as full runs (reads one run.json per run returned)."""
        found = []
        for summary in self.page(user, task=task, query=query, limit=limit).runs:
            try:
                found.append(self.get(summary.user, summary.run_id))
            except HistoryError:  # deleted since the page was read
                continue
        return found

    def refresh(self, user: str | None) -> None:
        """Check the store for runs written or deleted by others now, rather than at the next due listing."""
        self.index.refresh(safe_user(user))

    def get(self, user: str | None, run_id: str) -> Run:
        data = self.store.get(f"{_run_prefix(safe_user(user), _checked_id(run_id))}/run.json")
        return Run.from_json(json.loads(data))

    def output_path(self, run: Run | RunSummary, index: int) -> Path:
        """The full PNG, as stored: for opening, downloading and sending to another tab."""
        return self.store.local_path(f"{_run_prefix(run.user, run.run_id)}/{run.outputs[index].file}")

    def thumbnail_path(self, run: Run | RunSummary, index: int) -> Path:
        """A small WebP of output `index` for the gallery (≤ 256 px); made now for runs saved without
        one. The full PNG when no thumbnail can be made or stored (a read-only store)."""
        prefix = _run_prefix(run.user, run.run_id)
        key = f"{prefix}/{thumbnail_name(index)}"
        try:
            path = self.store.local_path(key)
            if path.is_file():
                return path
        except HistoryError:  # not in S3 yet
            pass
        image = self.store.get(f"{prefix}/{run.outputs[index].file}")
        try:
            self.store.put(key, make_thumbnail(image), durable=False)
            return self.store.local_path(key)
        except (OSError, ValueError, Image.DecompressionBombError, HistoryError) as exc:
            log.warning("No thumbnail for %s image %d: %s", run.run_id, index, exc)
            return self.output_path(run, index)

    def thumbnails(self, runs: Sequence[Run | RunSummary]) -> list[tuple[Run | RunSummary, int, Path]]:
        """(run, output index, thumbnail) for every image of `runs`, in order; fetched in parallel
        from S3. Images whose run was deleted meanwhile are left out."""
        images = [(run, index) for run in runs for index in range(len(run.outputs))]

        def fetch(image: tuple[Run | RunSummary, int]) -> Path | None:
            try:
                return self.thumbnail_path(*image)
            except HistoryError:
                return None

        if isinstance(self.store, LocalBlobStore):
            paths = list(map(fetch, images))
        else:
            with ThreadPoolExecutor(max_workers=REMOTE_READERS) as pool:
                paths = list(pool.map(fetch, images))
        return [(run, index, path) for (run, index), path in zip(images, paths, strict=True) if path is not None]

    def input_path(self, run: Run, name: str) -> Path:
        return self.store.local_path(f"{_run_prefix(run.user, run.run_id)}/inputs/{name}")

    def restore_request(self, run: Run) -> Request:
        """The request that made `run`, its input images read back from the store."""
        prefix = _run_prefix(run.user, run.run_id)
        return request_of(run.request, lambda ref: self._input(f"{prefix}/{ref.removeprefix('@')}"))

    def _input(self, key: str) -> bytes | None:
        try:
            return self.store.get(key)
        except HistoryError:
            return None

    def zip(self, user: str | None, run_ids: list[str]) -> bytes:
        """A ZIP of the chosen runs: their outputs and run.json, one folder per run."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            for run_id in run_ids:
                run = self.get(user, run_id)
                prefix = _run_prefix(run.user, run.run_id)
                archive.writestr(f"{run_id}/run.json", json.dumps(run.to_json(), indent=1))
                for output in run.outputs:
                    archive.writestr(f"{run_id}/{output.file}", self.store.get(f"{prefix}/{output.file}"))
        return buffer.getvalue()


@dataclass(frozen=True)
class RunSummary:
    """A run as History lists it, from the index: what a gallery caption needs, not the request.

    Has the `Run` attributes a listing uses (`outputs[i].seed`, `prompt`, ...); `History.get`
    gives the whole run when one is opened.
    """

    run_id: str
    user: str
    created: str
    task: str
    model_id: str
    engine: str
    prompt: str
    outputs: tuple[OutputImage, ...]

    @property
    def label(self) -> str:
        return task_label(self.task)

    @classmethod
    def from_row(cls, user: str, row: IndexRow) -> RunSummary:
        outputs = tuple(OutputImage(f"output_{i}.png", seed, i) for i, seed in enumerate(row.seeds))
        return cls(row.run_id, user, row.created, row.task, row.model_id, row.engine, row.prompt, outputs)


@dataclass(frozen=True)
class RunPage:
    """One page of a listing: `runs` from `offset` on, out of `total` matching runs."""

    runs: list[RunSummary]
    total: int
    offset: int

    @property
    def more(self) -> bool:
        """Whether runs are left after this page ("Load more")."""
        return self.offset + len(self.runs) < self.total


def task_label(task: str) -> str:
    """A task type in words ("INPAINTING" -> "Inpaint"); an unknown type as it is."""
    try:
        return request_type(task).label
    except TitanValidationError:
        return task


def index_row(run: Run) -> IndexRow:
    seeds = tuple(output.seed for output in run.outputs)
    return IndexRow(run.run_id, run.created, run.task, run.model_id, run.engine, run.prompt, seeds)


class _StoreRuns:
    """The index's view of a blob store: a user's run folders, and one row per run.json."""

    def __init__(self, store: BlobStore) -> None:
        self.store = store
        self.local = isinstance(store, LocalBlobStore)

    def identity(self) -> str:
        if isinstance(self.store, LocalBlobStore):
            return str(self.store.root.resolve())
        if isinstance(self.store, S3BlobStore):  # the same bucket name on another endpoint is another store
            return f"{self.store.client.meta.endpoint_url} {self.store.url}"
        return self.store.describe()

    def run_ids(self, user: str) -> set[str]:
        return {name for name in self.store.folders(f"users/{user}/runs") if _RUN_ID.fullmatch(name)}

    def has_run(self, user: str, run_id: str) -> bool:
        return self.store.exists(f"{_run_prefix(user, run_id)}/run.json")

    def read_row(self, user: str, run_id: str) -> IndexRow | None:
        try:
            data = self.store.get(f"{_run_prefix(user, run_id)}/run.json")
        except HistoryError:
            return None
        return index_row(Run.from_json(json.loads(data)))


def safe_user(user: str | None) -> str:
    """A user name usable in keys; no name means the single local user."""
    cleaned = _SAFE_USER.sub("_", (user or "local").strip())[:64]
    return cleaned if cleaned.strip("._") else "local"


def new_run_id() -> str:
    """Sortable by time, unique across sessions: 20261126T101500123456-3f9a1c."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + secrets.token_hex(3)


def _checked_id(run_id: str) -> str:
    if not _RUN_ID.fullmatch(run_id or ""):
        raise HistoryError(f"Not a history run id: {run_id!r}")
    return run_id


def _run_prefix(user: str, run_id: str) -> str:
    return f"users/{user}/runs/{run_id}"


# --- images out of and back into bodies -------------------------------------------------


def request_of(record: dict[str, Any], read: Any) -> Request:
    """The request a stored record (or, for older runs and PNGs, a Titan body) describes.

    `read(reference)` returns the bytes of a stored input image ("@inputs/image.png") or None.
    """
    if "taskType" not in record:
        return request_type(record["task"]).from_record(record, read)
    from .families import family_named

    body = _join_images(record, read)
    return family_named("titan").decode("", body)


def _join_images(request: dict[str, Any], read: Any) -> dict[str, Any]:
    """An old run's Titan body with each "@inputs/..." reference replaced by the image's base64."""

    def restore(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("@inputs/"):
            data = read(value)
            return base64.b64encode(data).decode("ascii") if data is not None else None
        if isinstance(value, list):
            return [restore(item) for item in value]
        if isinstance(value, dict):  # an image that is not stored is left out, like an unset field
            return {key: kept for key, item in value.items() if (kept := restore(item)) is not None}
        return value

    return restore(request)


# --- PNG metadata -----------------------------------------------------------------------


def output_metadata(run: Run, output: OutputImage) -> dict[str, str]:
    """What each stored PNG carries: enough to restore every setting of its run."""
    summary = {
        "run_id": run.run_id,
        "created": run.created,
        "task": run.task,
        "model_id": run.model_id,
        "engine": run.engine,
        "region": run.region,
        "seed": output.seed,
        "batch_index": output.batch_index,
        "cost_usd": run.cost_usd,
        "request": run.request,
    }
    return {METADATA_KEY: json.dumps(summary)}


@dataclass(frozen=True)
class Signer:
    """A C2PA signing certificate chain and its private key (PEM), given by the operator."""

    cert_pem: bytes
    key_pem: bytes

    @classmethod
    def from_files(cls, cert: str | os.PathLike, key: str | os.PathLike) -> Signer:
        """Read and check the pair at start-up, so a bad certificate fails now and not at the first image."""
        signer = cls(Path(cert).read_bytes(), Path(key).read_bytes())
        metadata.check_c2pa_credentials(signer.cert_pem, signer.key_pem)
        return signer


def a1111_text(run: Run, output: OutputImage, result: Any) -> str:
    """AUTOMATIC1111's `parameters` for one output: what Civitai, ComfyUI and PNG-info readers show."""
    from .models import MODELS

    request = result.request
    spec = MODELS.get(run.model_id)
    settings: dict[str, object] = {}
    cfg_scale = getattr(request, "cfg_scale", None)
    if cfg_scale is not None:
        settings["CFG scale"] = cfg_scale
    if output.seed is not None:
        settings["Seed"] = output.seed
    width, height = result.size
    settings |= {
        "Size": f"{width}x{height}",
        "Model": spec.name if spec else run.model_id,
        "Model ID": run.model_id,
        "Task": request.api_name,
    }
    return metadata.a1111_parameters(
        prompt=run.prompt, negative_prompt=getattr(request, "negative_text", None), settings=settings
    )


def read_png_metadata(source: str | os.PathLike | bytes | Image.Image) -> dict[str, Any] | None:
    """The run summary stored in a PNG this app made, or None for any other image."""
    try:
        image = (
            source
            if isinstance(source, Image.Image)
            else Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
        )
        raw = getattr(image, "text", {}).get(METADATA_KEY) or image.info.get(METADATA_KEY)
    except Exception:
        return None
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) and "request" in data else None


def metadata_request(meta: dict[str, Any], *, user: str = "local") -> tuple[Run, Request]:
    """The run and request a PNG's metadata (`read_png_metadata`) describes; its input images are not in it."""
    run = Run(
        run_id=str(meta.get("run_id", "")),
        user=user,
        created=str(meta.get("created", "")),
        task=str(meta.get("task", "TEXT_IMAGE")),
        model_id=str(meta.get("model_id", "")),
        engine=str(meta.get("engine", "")),
        region=meta.get("region"),
        request=meta["request"],
        outputs=[],
        cost_usd=float(meta.get("cost_usd") or 0),
    )
    return run, request_of(run.request, lambda ref: None)
