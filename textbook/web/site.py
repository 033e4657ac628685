"""What every request needs: the application, the read models, the library of readable books."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from starlette.requests import Request

from textbook.config import Settings
from textbook.domain.application import Textbook
from textbook.mail.links import Links
from textbook.projections.publishing.editions import EditionPublisher
from textbook.projections.publishing.library import Library, ReadableBook
from textbook.projections.queries import Queries
from textbook.projections.queries.copies import CopyIndex
from textbook.projections.runner import catch_up, open_views
from textbook.projections.views import ReadModels
from textbook.storage import BlobStore, blob_store, open_textbook, tables_to_create, transaction
from textbook.web.sessions import SESSIONS_DDL, SessionRules, SessionStore
from textbook.web.throttle import THROTTLE_DDL, Throttle

WEB_DDL = SESSIONS_DDL + ";\n" + THROTTLE_DDL


@dataclass
class Site:
    settings: Settings
    app: Textbook
    views: ReadModels
    library: Library
    publisher: EditionPublisher
    sessions: SessionStore
    throttle: Throttle
    links: Links  # reads the links mail carries (textbook.mail signs them)
    stop: threading.Event = field(default_factory=threading.Event)
    current: dict[str, tuple[int | None, ReadableBook]] = field(default_factory=dict)
    thread: threading.Thread | None = None

    @classmethod
    def open(cls, settings: Settings) -> Site:
        app, views = open_textbook(settings), open_views(settings)
        app.copy_finder = CopyIndex(lambda: views, lambda: catch_up(app, views))
        publisher = EditionPublisher(
            app,
            views,
            settings.build_dir,
            timeout=settings.build_timeout,
            base_url=settings.public_url,
        )
        datastore = app.recorder.datastore  # type: ignore[attr-defined]  # both stores have it
        with tables_to_create(settings, "web", WEB_DDL) as create:
            if create:
                with transaction(datastore, commit=True) as sql:
                    for statement in WEB_DDL.split(";\n"):
                        if not sql.postgres:  # SQLite names an index's schema, not its table's
                            statement = statement.replace(" ON {s}.", " ON ")
                        sql.execute(statement)
        rules = SessionRules(settings.session_idle, settings.session_lifetime)
        library = Library(settings.build_dir, base_url=settings.public_url)
        return cls(
            settings, app, views, library, publisher,
            SessionStore(datastore, rules), Throttle(datastore), Links.from_settings(settings),
        )  # fmt: skip

    @property
    def blobs(self) -> BlobStore:
        """The image bytes beside the events: the application puts them (BlobSink), pages read
        them."""
        return blob_store(self.app)

    def queries(self) -> Queries:
        """Read models that have seen every event so far: a writer reads its own writes."""
        catch_up(self.app, self.views)
        return Queries(self.views)

    def readable(self, slug: str, as_of: datetime | None = None) -> ReadableBook:
        """The book rendered for reading; reused while no new event has been projected."""
        queries = self.queries()
        if as_of is not None:
            return self.library.book(self.app, queries, slug, as_of)
        position = self.views.max_tracking_id(self.app.name)
        found = self.current.get(slug)
        if found is not None and found[0] == position:
            return found[1]
        readable = self.library.book(self.app, queries, slug)
        self.current[slug] = (position, readable)
        return readable

    def start_publishing(self) -> None:
        self.thread = threading.Thread(
            target=self.publisher.run, args=(self.stop,), name="publisher", daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=60)
        self.publisher.close()
        self.app.close()
        self.views.close()


def site(request: Request) -> Site:
    found: Site = request.app.state.site
    return found
