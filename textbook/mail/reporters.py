"""Mail to a reader who left an address when reporting an error: first a link to confirm they
want to hear (the address is unverified until then, and gets nothing else), then, when the
need is closed, one mail saying it was fixed (with a link to the section) or why an editor
closed it. A follower of the needs' events, with its own position in `textbook_mail_cursor`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import cast
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.utils import get_topic

from textbook.domain.need import Need
from textbook.mail.following import EventMail
from textbook.mail.message import Message
from textbook.mail.notifications import book_title, one_line

FOLLOWER = "reporters"
TOPICS = tuple(get_topic(cls) for cls in (Need.Opened, Need.ReporterConfirmed, Need.Closed))
# A report's confirmation link is mailed only this soon after it: a worker that first follows
# a store with a long history asks nobody about reports long past.
ASK_WINDOW = timedelta(days=7)


class ReporterMail(EventMail):
    follower, topics = FOLLOWER, TOPICS

    def messages(self, domain_event: DomainEventProtocol[UUID]) -> Iterator[Message]:
        if isinstance(domain_event, Need.Opened):
            if domain_event.reporter_email and self.clock() - domain_event.timestamp <= ASK_WINDOW:
                yield from self._ask(self._need(domain_event.originator_id))
        elif isinstance(domain_event, Need.Closed | Need.ReporterConfirmed):
            # Closed after the confirmation, or confirmed after the closing: one mail either way.
            need = self._need(domain_event.originator_id)
            if need.reporter_email and need.reporter_confirmed and not need.is_open:
                yield self._closed(need, need.reporter_email)

    def _need(self, need_id: UUID) -> Need:
        return cast(Need, self.app.repository.get(need_id))

    def _book_title(self, need: Need) -> str:
        return book_title(self.app, need.book_slug)

    def _place(self, need: Need) -> str:
        anchor = f"#{need.section_id}" if need.section_id else ""
        return self.links.url(f"/books/{need.book_slug}/chapters/{need.chapter_id}{anchor}")

    def _ask(self, need: Need) -> Iterator[Message]:
        if need.reporter_email is None or need.reporter_confirmed or not need.is_open:
            return
        yield Message(
            key=f"report-confirm:{need.id}",
            to=need.reporter_email,
            subject="Confirm that you want to hear when this is fixed",
            text=(
                f"Hello,\n\nSomeone, probably you, reported an error in {self._book_title(need)} "
                "on Textbook and left this address to hear when it is fixed:\n\n"
                f"  {one_line(need.reason, 500)}\n\n"
                "Confirm that you want to hear when this is fixed (one more mail, when it is):\n\n"
                f"{self.links.confirm_report_url(need.id)}\n\n"
                "If you did not report it, ignore this mail: nothing more is sent here.\n"
            ),
        )

    def _closed(self, need: Need, address: str) -> Message:
        title = self._book_title(need)
        if need.closed_by_proposal is not None:
            subject = f"Fixed: the error you reported in {title}"
            said = f"The error you reported in {title} is fixed. See the section as it is now:"
            text = f"Hello,\n\n{said}\n\n{self._place(need)}\n"
        else:
            subject = f"Closed: the error you reported in {title}"
            text = (
                f"Hello,\n\nAn editor of {title} closed your report, saying:\n\n"
                f"  {need.close_reason}\n\nThe section: {self._place(need)}\n"
            )
        text += f"\nYou reported:\n\n  {one_line(need.reason, 500)}\n\n"
        text += "This is the last mail about this report. Thank you for it.\n"
        return Message(key=f"report-closed:{need.id}", to=address, subject=subject, text=text)
