"""Mail in the worker process: followers put messages into the outbox, the postman sends them.

`textbook worker` (which `textbook serve` starts) runs `MailWorker.run` in a thread beside the
publisher when TEXTBOOK_SMTP_URL is set. Links start with TEXTBOOK_PUBLIC_URL, or else with the
address `textbook serve` serves on (it tells its worker), or else http://localhost:8000.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Protocol

from textbook.config import Settings
from textbook.domain.application import Textbook
from textbook.mail.accounts import AccountMail
from textbook.mail.links import Links
from textbook.mail.notifications import DailyDigest, InboxFeed, NotificationMail
from textbook.mail.outbox import Outbox, open_outbox
from textbook.mail.postman import Postman
from textbook.mail.reporters import ReporterMail

log = logging.getLogger("textbook.mail")
FALLBACK_URL = "http://localhost:8000"


class Follower(Protocol):
    """Reads events and puts the messages they call for into the outbox."""

    def run_once(self) -> int: ...


class MailWorker:
    """Followers of the events, then the postman, in turns. Another kind of mail joins by
    appending its follower: `worker.followers.append(MyMail(app, worker.outbox,
    worker.links))`, where `links.unsubscribe_url(name)` gives each mail its unsubscribe link."""

    def __init__(self, followers: Sequence[Follower], postman: Postman, links: Links) -> None:
        self.followers = list(followers)
        self.postman = postman
        self.links = links

    @property
    def outbox(self) -> Outbox:
        return self.postman.outbox

    def run_once(self) -> int:
        """Queue what the events call for, then send what is due; returns how many were sent."""
        for follower in self.followers:
            follower.run_once()
        return self.postman.run_once()

    def run(self, stop: threading.Event, interval: float = 1.0) -> None:
        while not stop.is_set():
            try:
                self.run_once()
            except Exception:  # a busy database: log it, and try again shortly
                log.exception("mail failed; trying again in 10 s")
                stop.wait(9)
            stop.wait(interval)


def mail_links(settings: Settings, served_at: str | None = None) -> Links:
    base = settings.public_url or (served_at or "").rstrip("/") or FALLBACK_URL
    return Links.from_settings(settings, base)


def open_mail_worker(
    settings: Settings, app: Textbook, served_at: str | None = None, inbox: InboxFeed | None = None
) -> MailWorker | None:
    """The mail worker, or None when no SMTP server is set (then no mail is sent). Given the
    inbox (the read models' `Queries`), it also mails what concerns each person, at once or
    in the daily digest at `settings.digest_hour` UTC."""
    if settings.smtp is None:
        return None
    datastore = app.recorder.datastore  # type: ignore[attr-defined]  # both stores have it
    outbox = open_outbox(settings, datastore)
    links = mail_links(settings, served_at)
    postman = Postman(outbox, settings.smtp, settings.mail_from)
    followers: list[Follower] = [AccountMail(app, outbox, links), ReporterMail(app, outbox, links)]
    if inbox is not None:  # the digest after the items it gathers
        followers.append(NotificationMail(app, outbox, links, inbox))
        followers.append(DailyDigest(app, outbox, links, settings.digest_hour))
    return MailWorker(followers, postman, links)
