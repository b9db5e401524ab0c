"""The History index: one small SQLite file per user that answers History's listings and
searches without reading the store, and the small thumbnails the History gallery shows.

The store stays the truth; the index is a cache of it that heals itself:

- a missing, unreadable or older-schema index file is deleted and rebuilt from the store
  (and where no file can be written at all, the index lives in memory for the process);
- a run added or deleted behind the index's back (another process, another replica on the
  same S3 prefix, folders removed by hand) is found by listing the user's run folders: on a
  local folder before every listing (one `os.scandir`, a few ms at 10,000 runs), on S3 at
  most every `relist_every` seconds (in the background once the index has something to
  show) and whenever `RunIndex.refresh` is called. On a local folder the runs of each page
  are also checked to still have their run.json (a few `stat` calls), which catches a run
  whose files were removed but whose folder was left behind.

Prompts are searched with SQLite's FTS5 (every word, prefix-matched, in any order, any case);
where this Python's SQLite lacks FTS5 the same words are matched with LIKE (slower, ASCII-only
case folding), which is still correct.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from PIL import Image

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
THUMBNAIL_SIDE = 256  # longest side, px: four columns of a gallery on a wide screen
THUMBNAIL_QUALITY = 80
READ_CHUNK = 256  # run.json files read per index transaction while building
REMOTE_READERS = 16  # parallel run.json reads on S3: a first build is one GET per run
_WORD = re.compile(r"[^\W_]+")  # what FTS5's unicode61 tokenizer calls a word
T = TypeVar("T")


# --- thumbnails ---------------------------------------------------------------------------


def thumbnail_name(index: int) -> str:
    """The thumbnail file of a run's output `index`, beside `output_<index>.png`."""
    return f"thumb_{index}.webp"


def make_thumbnail(image: bytes) -> bytes:
    """A WebP (quality 80) of the image, longest side at most 256 px: a few KB for a 1.4 MB PNG.

    Transparency is kept, so a removed background still looks removed in the gallery.
    """
    with Image.open(io.BytesIO(image)) as opened:
        opened.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.BICUBIC, reducing_gap=2.0)
        small = opened if opened.mode in ("RGB", "RGBA") else opened.convert(_plain_mode(opened))
        buffer = io.BytesIO()
        small.save(buffer, format="WEBP", quality=THUMBNAIL_QUALITY, method=0)  # the fastest, a gallery's size
    return buffer.getvalue()


def _plain_mode(image: Image.Image) -> str:
    return "RGBA" if "A" in image.mode or "transparency" in image.info else "RGB"


# --- what the index holds and where it reads runs from -----------------------------------


@dataclass(frozen=True)
class IndexRow:
    """One run as the index keeps it: what a listing shows, without its request."""

    run_id: str
    created: str
    task: str
    model_id: str
    engine: str
    prompt: str
    seeds: tuple[int | None, ...]


@dataclass(frozen=True)
class IndexPage:
    rows: list[IndexRow]
    total: int  # rows matching the filters, over all pages
    offset: int


class RunSource(Protocol):
    """Where the index reads a user's runs from (`titan.history` adapts a blob store)."""

    #: True for a local folder: listing and reading are cheap, so check before every listing.
    #: False for S3: list at most every `relist_every` seconds, read run.json files in parallel.
    local: bool

    def identity(self) -> str:
        """Names the store (a folder's full path, an S3 endpoint and URL): one index per store."""
        ...

    def run_ids(self, user: str) -> set[str]:
        """The user's run folders, found by listing only (a folder may not hold a run.json yet)."""
        ...

    def has_run(self, user: str, run_id: str) -> bool:
        """Whether the run's run.json exists."""
        ...

    def read_row(self, user: str, run_id: str) -> IndexRow | None:
        """The run's row, None while it has no run.json; raises when run.json cannot be understood."""
        ...


def default_index_dir() -> Path:
    """Under the user's cache dir, e.g. ~/.cache/titan-playground/history-index: never served."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("titan-playground")) / "history-index"


def index_file(directory: Path, identity: str, user: str) -> Path:
    """`<directory>/<store name>-<hash>/<user>.sqlite3`: readable, and unique per store."""
    digest = hashlib.sha256(identity.encode()).hexdigest()[:12]
    name = re.sub(r"[^A-Za-z0-9]+", "-", identity)[-40:].strip("-")
    return directory / f"{name}-{digest}" / f"{user}.sqlite3"


# --- the index ------------------------------------------------------------------------------


@dataclass(eq=False)
class _UserIndex:
    """One user's index: its file and connection, and what this process last saw in the store."""

    user: str
    path: Path | None  # None: in memory (no file could be written)
    lock: threading.RLock = field(default_factory=threading.RLock)  # the connection
    checking: threading.Lock = field(default_factory=threading.Lock)  # one comparison with the store at a time
    conn: sqlite3.Connection | None = None
    full_text: bool = False
    known: set[str] | None = None  # run folders at the last check; None: not checked by this process
    data_version: int = -1  # PRAGMA data_version at the last check: others' writes change it
    listed_at: float = 0.0
    pending: set[str] = field(default_factory=set)  # folders without a run.json (yet)
    broken: set[str] = field(default_factory=set)  # run.json files that could not be read
    #: run id -> when this process deleted it: a check listing its folder before the files went
    #: must not bring it back (kept ten minutes; run ids are never reused)
    removed: dict[str, float] = field(default_factory=dict)
    relisting: bool = False
    epoch: int = 0  # counts rebuilds: a check that began before one must not vouch for the new index


class RunIndex:
    """Per-user SQLite indexes of one store's runs; thread-safe (one connection and lock per user)."""

    def __init__(self, source: RunSource, directory: str | Path | None = None, *, relist_every: float = 30.0) -> None:
        self.source = source
        self.directory = Path(directory) if directory is not None else default_index_dir()
        self.relist_every = relist_every
        self._users: dict[str, _UserIndex] = {}
        self._lock = threading.Lock()

    def path(self, user: str) -> Path:
        """Where `user`'s index file lives (whether or not it exists yet)."""
        return index_file(self.directory, self.source.identity(), user)

    # reading

    def page(
        self, user: str, *, task: str | None = None, query: str = "", offset: int = 0, limit: int = 48
    ) -> IndexPage:
        """Newest first; `task` keeps one task type, `query` keeps runs whose prompt has every word."""
        state = self._state(user)
        offset, limit = max(0, offset), max(1, limit)
        for attempt in range(3):
            try:
                self._heal(state)
                page = self._locked(state, lambda conn: _select(conn, state.full_text, task, query, offset, limit))
                if not self._drop_vanished(state, page.rows):
                    return page
            except sqlite3.Error as exc:
                self._discard(state, exc, in_memory=attempt > 0)
        return self._locked(state, lambda conn: _select(conn, state.full_text, task, query, offset, limit))

    def refresh(self, user: str) -> None:
        """Check the store now and thoroughly: list it (S3 lists otherwise wait `relist_every`
        seconds), read damaged run.json files again, and on a local folder check every run's
        run.json (a stat per run: ~30 ms at 10,000)."""
        state = self._state(user)
        state.broken.clear()
        state.known = None
        try:
            self._reconcile(state, thorough=True)
        except sqlite3.Error as exc:
            self._discard(state, exc)
            self._reconcile(state)

    # writing: History keeps the index up to date with its own saves and deletes

    def add(self, user: str, row: IndexRow) -> None:
        state = self._state(user)
        try:
            self._locked(state, lambda conn: _insert(conn, [row]))
        except sqlite3.Error as exc:  # the next listing rebuilds it from the store
            self._discard(state, exc)
            return
        if state.known is not None:
            state.known.add(row.run_id)

    def remove(self, user: str, run_id: str) -> None:
        state = self._state(user)
        state.removed[run_id] = time.monotonic()
        try:
            self._locked(state, lambda conn: _delete(conn, [run_id]))
        except sqlite3.Error as exc:
            self._discard(state, exc)
            return
        if state.known is not None:
            state.known.discard(run_id)

    def close(self) -> None:
        with self._lock:
            states, self._users = list(self._users.values()), {}
        for state in states:
            with state.lock:
                if state.conn is not None:
                    state.conn.close()
                    state.conn = None

    # keeping the index true to the store

    def _heal(self, state: _UserIndex) -> None:
        if self.source.local or (state.known is None and self._is_empty(state)):
            self._reconcile(state)
        elif state.known is None or time.monotonic() - state.listed_at >= self.relist_every:
            self._reconcile_in_background(state)

    def _reconcile(self, state: _UserIndex, *, thorough: bool = False) -> None:
        """Make the index hold exactly the runs whose run.json is in the store."""
        with state.checking:
            started, epoch = time.monotonic(), state.epoch
            state.removed = {run_id: at for run_id, at in state.removed.items() if at > started - 600}
            if self.source.local and self._unchanged(state):
                self._add_ready(state, state.pending)
                return
            indexed, version = self._locked(state, _ids_and_version)
            folders = self.source.run_ids(state.user)  # listed after the snapshot: a run indexed then is listed now
            gone = indexed - folders
            if thorough and self.source.local:
                gone |= {run_id for run_id in indexed & folders if not self.source.has_run(state.user, run_id)}
            self._locked(state, lambda conn: _delete(conn, sorted(gone)))
            state.pending = (state.pending & folders) | (gone & folders)
            self._add_ready(state, folders - indexed - state.broken)
            if state.epoch == epoch:
                state.known, state.listed_at, state.data_version = folders, started, version

    def _unchanged(self, state: _UserIndex) -> bool:
        """Same folders and no other writer since the last check (the usual case: nothing to do)."""
        if state.known is None:
            return False
        version = self._locked(state, _data_version)
        return version == state.data_version and self.source.run_ids(state.user) == state.known

    def _add_ready(self, state: _UserIndex, run_ids: Iterable[str]) -> None:
        """Index the runs among `run_ids` that have a run.json; remember the others as pending."""
        waiting = sorted(run_ids, reverse=True)
        for start in range(0, len(waiting), READ_CHUNK):
            chunk = waiting[start : start + READ_CHUNK]
            rows = [(run_id, row) for run_id, row in self._read(state, chunk) if run_id not in state.broken]
            fresh = [row for _, row in rows if row and row.run_id not in state.removed]
            self._locked(state, lambda conn, fresh=fresh: _insert(conn, fresh))
            state.pending.update(run_id for run_id, row in rows if row is None)
            state.pending.difference_update(row.run_id for row in fresh)

    def _read(self, state: _UserIndex, run_ids: list[str]) -> Iterator[tuple[str, IndexRow | None]]:
        def read(run_id: str) -> tuple[str, IndexRow | None]:
            try:
                return run_id, self.source.read_row(state.user, run_id)
            except Exception as exc:  # a damaged run.json must not hide every other run
                log.warning("History run %s of %s could not be read: %s", run_id, state.user, exc)
                state.broken.add(run_id)
                return run_id, None

        if self.source.local or len(run_ids) < 2:
            yield from map(read, run_ids)
            return
        with ThreadPoolExecutor(max_workers=REMOTE_READERS) as pool:
            yield from pool.map(read, run_ids)

    def _drop_vanished(self, state: _UserIndex, rows: list[IndexRow]) -> bool:
        """Local stores: forget page rows whose run.json is gone (folder left behind); True if any."""
        if not self.source.local:
            return False
        vanished = [row.run_id for row in rows if not self.source.has_run(state.user, row.run_id)]
        if vanished:
            with state.checking:
                self._locked(state, lambda conn: _delete(conn, vanished))
                state.pending.update(vanished)
        return bool(vanished)

    def _reconcile_in_background(self, state: _UserIndex) -> None:
        with state.lock:
            if state.relisting:
                return
            state.relisting = True

        def relist() -> None:
            try:
                self._reconcile(state)
            except Exception as exc:  # the next due listing tries again; the app keeps the index it has
                log.warning("History index of %s could not be refreshed: %s", state.user, exc)
                state.listed_at = time.monotonic()
            finally:
                state.relisting = False

        threading.Thread(target=relist, name=f"history-index-{state.user}", daemon=True).start()

    # connections

    def _state(self, user: str) -> _UserIndex:
        with self._lock:
            if user not in self._users:
                self._users[user] = _UserIndex(user, self.path(user))
            return self._users[user]

    def _locked(self, state: _UserIndex, work: Callable[[sqlite3.Connection], T]) -> T:
        with state.lock:
            if state.conn is None:
                self._connect(state)
            return work(state.conn)

    @staticmethod
    def _connect(state: _UserIndex) -> None:
        try:
            state.conn, state.full_text = _open(state.path)
        except OSError as exc:  # no writable cache dir: an index in memory, rebuilt by each process
            log.warning("History index of %s kept in memory: %s", state.user, exc)
            state.path = None
            state.conn, state.full_text = _open(None)

    def _is_empty(self, state: _UserIndex) -> bool:
        return not self._locked(state, lambda conn: conn.execute("SELECT 1 FROM runs LIMIT 1").fetchone())

    def _discard(self, state: _UserIndex, error: Exception, *, in_memory: bool = False) -> None:
        """Throw the index away (it is rebuilt from the store); in memory when files keep failing."""
        log.warning("History index of %s is being rebuilt: %s", state.user, error)
        with state.lock:
            if state.conn is not None:
                state.conn.close()
            state.conn, state.known, state.data_version = None, None, -1
            state.epoch += 1
            state.pending.clear()
            try:
                for suffix in ("", "-wal", "-shm") if state.path else ():
                    Path(f"{state.path}{suffix}").unlink(missing_ok=True)
            except OSError:
                in_memory = True
            if in_memory:
                state.path = None
            try:
                self._connect(state)
            except sqlite3.Error:
                state.path = None
                state.conn, state.full_text = _open(None)


# --- SQL ------------------------------------------------------------------------------------


@functools.cache
def fts5_available() -> bool:
    """Whether this Python's SQLite has FTS5 (it does in the python.org and Debian builds)."""
    try:
        with contextlib.closing(sqlite3.connect(":memory:")) as conn:
            conn.execute("CREATE VIRTUAL TABLE probe USING fts5(text)")
    except sqlite3.Error:
        log.warning("This Python's SQLite has no FTS5: History searches prompts with LIKE instead.")
        return False
    return True


_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    task TEXT NOT NULL,
    model_id TEXT NOT NULL,
    engine TEXT NOT NULL,
    prompt TEXT NOT NULL,
    n_outputs INTEGER NOT NULL,
    seeds TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_task ON runs (task, run_id);
"""
_FULL_TEXT = """
CREATE VIRTUAL TABLE IF NOT EXISTS prompts USING fts5(
    prompt, content='runs', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS runs_added AFTER INSERT ON runs BEGIN
    INSERT INTO prompts (rowid, prompt) VALUES (new.id, new.prompt);
END;
CREATE TRIGGER IF NOT EXISTS runs_deleted AFTER DELETE ON runs BEGIN
    INSERT INTO prompts (prompts, rowid, prompt) VALUES ('delete', old.id, old.prompt);
END;
"""
_COLUMNS = "run_id, created, task, model_id, engine, prompt, seeds"


def _open(path: Path | None) -> tuple[sqlite3.Connection, bool]:
    """A connection with the schema in place; (connection, whether prompts have full-text search)."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path) if path else ":memory:", timeout=10, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION):
            raise sqlite3.DatabaseError(f"index schema {version}, this app writes {SCHEMA_VERSION}")
        if version == 0:  # a new file; two processes may both get here, so every statement is idempotent
            schema = _SCHEMA + (_FULL_TEXT if fts5_available() else "")
            conn.executescript(f"BEGIN IMMEDIATE; {schema} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
        full_text = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'prompts'").fetchone() is not None
    except BaseException:
        conn.close()
        raise
    return conn, full_text


def _insert(conn: sqlite3.Connection, rows: list[IndexRow]) -> None:
    if not rows:
        return
    values = [
        (r.run_id, r.created, r.task, r.model_id, r.engine, r.prompt, len(r.seeds), json.dumps(list(r.seeds)))
        for r in rows
    ]
    with _transaction(conn):
        conn.executemany(
            "INSERT INTO runs (run_id, created, task, model_id, engine, prompt, n_outputs, seeds)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO NOTHING",
            values,
        )


def _delete(conn: sqlite3.Connection, run_ids: list[str]) -> None:
    if run_ids:
        with _transaction(conn):
            conn.executemany("DELETE FROM runs WHERE run_id = ?", [(run_id,) for run_id in run_ids])


class _transaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, *_: object) -> None:
        self.conn.execute("COMMIT" if kind is None else "ROLLBACK")


def _data_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA data_version").fetchone()[0]


def _ids_and_version(conn: sqlite3.Connection) -> tuple[set[str], int]:
    return {run_id for (run_id,) in conn.execute("SELECT run_id FROM runs")}, _data_version(conn)


def _select(
    conn: sqlite3.Connection, full_text: bool, task: str | None, query: str, offset: int, limit: int
) -> IndexPage:
    where, params = _filters(full_text, task, query)
    total = conn.execute(f"SELECT count(*) FROM runs{where}", params).fetchone()[0]
    found = conn.execute(
        f"SELECT {_COLUMNS} FROM runs{where} ORDER BY run_id DESC LIMIT ? OFFSET ?", [*params, limit, offset]
    )
    rows = [IndexRow(*values[:-1], seeds=tuple(json.loads(values[-1]))) for values in found]
    return IndexPage(rows, total, offset)


def _filters(full_text: bool, task: str | None, query: str) -> tuple[str, list[object]]:
    """A WHERE clause: the task, and every query word at the start of a prompt word (FTS5) or inside it."""
    clauses: list[str] = []
    params: list[object] = []
    if task:
        clauses.append("task = ?")
        params.append(task)
    words = _WORD.findall(query.lower())
    if words and full_text:
        clauses.append("id IN (SELECT rowid FROM prompts WHERE prompts MATCH ?)")
        params.append(" ".join(f'"{word}"*' for word in words))
    for word in words if not full_text else []:
        clauses.append("prompt LIKE ? ESCAPE '\\'")
        params.append("%" + re.sub(r"([%_\\])", r"\\\1", word) + "%")
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params
