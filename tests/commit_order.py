"""What the server process does, in order, for the group commit tests (issue 22
"Durable"): each commit of its database (a hook on the writer,
:meth:`kyc_wallet.database.Database.on_commit`) and the moment each tagged
answer's first bytes are handed to the HTTP server (a WSGI wrapper), with what
a connection of its own (``sqlite3``: committed rows only) reads about that
answer at that moment."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from kyc_wallet.database import Batch, Database

__all__ = ["TAG_HEADER", "CommitOrder", "Sent"]

TAG_HEADER = "X-Test-Tag"
_TAG = "HTTP_X_TEST_TAG"


@dataclass
class Sent:
    tag: str
    status: int
    committed: Any  # what ``query`` read for the tag as the answer left


class CommitOrder:
    """Wraps ``app`` (install as ``flask_app.wsgi_app``) and hooks ``db``'s commits.
    ``query`` (one ``?`` for the tag) reads one value of the committed state."""

    def __init__(self, app: Callable[..., Iterable[bytes]], db: Database, query: str) -> None:
        assert db.path is not None, "a SQLite database"
        self.app, self.path, self.query = app, db.path, query
        self.events: list[tuple[str, Any]] = []
        self.lock = threading.Lock()
        db.on_commit(self._commit)

    def clear(self) -> None:
        with self.lock:
            self.events.clear()

    def commits(self) -> list[int]:
        """The units of each commit recorded, in order."""
        return [units for kind, units in self.events if kind == "commit"]

    def sent(self) -> list[Sent]:
        return [event for kind, event in self.events if kind == "sent"]

    def assert_each_answer_left_after_its_commit(self, committed: Callable[[Any], bool]) -> None:
        """Every answer left after a commit, and ``committed(value)`` held for what a
        connection of its own read about it at that moment."""
        events = list(self.events)
        for index, (kind, event) in enumerate(events):
            if kind == "sent":
                assert any(k == "commit" for k, _ in events[:index]), events
                assert committed(event.committed), event

    def _commit(self, batch: Batch) -> None:
        with self.lock:
            self.events.append(("commit", batch.units))

    def _read(self, tag: str) -> Any:
        conn = sqlite3.connect(self.path)
        try:
            row = conn.execute(self.query, (tag,)).fetchone()
            return None if row is None else row[0]
        finally:
            conn.close()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        tag = environ.get(_TAG)
        if tag is None:
            return self.app(environ, start_response)
        status: list[int] = []

        def record_status(code: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(int(code.split()[0]))
            return start_response(code, headers, exc_info)

        return self._sending(tag, status, self.app(environ, record_status))

    def _sending(self, tag: str, status: list[int], body: Any) -> Iterator[bytes]:
        try:
            first = True
            for chunk in body:
                if first:  # the server writes this chunk once we hand it over
                    first = False
                    seen = self._read(tag)
                    with self.lock:
                        self.events.append(("sent", Sent(tag, status[0], seen)))
                yield chunk
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()


class HeldWriter:
    """A thread in a write transaction of ``db`` that keeps its writer
    connection (a commit in progress, as far as others can tell) until
    :meth:`release`: the requests that write meanwhile queue for the writer."""

    def __init__(self, db: Database) -> None:
        assert db.group is not None, "SQLite commits in groups"
        self.group = db.group
        self._db = db
        self._holding, self._release = threading.Event(), threading.Event()
        self.errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        try:
            with self._db.transaction():
                self._holding.set()
                self._release.wait(120)
        except BaseException as exc:  # noqa: BLE001 - the test reads it
            self.errors.append(exc)

    def __enter__(self) -> HeldWriter:
        self._thread.start()
        assert self._holding.wait(60), "the writer was never free"
        return self

    def wait_for(self, waiting: int) -> None:
        """Until ``waiting`` threads wait for the writer (readiness, not a delay)."""
        from tests.support import wait_until

        wait_until(lambda: self.group.waiting >= waiting, 120, "the writes never queued")

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self._thread.join(120)
