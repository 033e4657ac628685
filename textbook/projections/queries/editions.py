"""Questions about a book's named editions, and the approved changes between two moments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textbook.domain.editions import edition_slug
from textbook.domain.errors import EditionNotFound
from textbook.projections.queries.details import DetailsQueries


@dataclass(frozen=True)
class NamedEdition:
    """An edition an editor named: the book's approved state at `at`, kept for good."""

    slug: str  # the edition's, in its addresses: "first-edition"
    name: str
    at: str  # ISO time of the moment it freezes (when it was marked)
    by: str

    @property
    def moment(self) -> datetime:
        return datetime.fromisoformat(self.at)

    @property
    def date(self) -> str:
        return self.at[:10]


@dataclass(frozen=True)
class ApprovedChange:
    """One approved change: a proposal (its sections' revisions together), the details changed
    by a proposal, or an import."""

    kind: str  # "proposal", "details" or "import"
    title: str
    author: str
    approver: str
    at: str
    proposal_id: str | None
    sections: tuple[str, ...]  # the sections it changed (none for the details)


class EditionQueries(DetailsQueries):
    def editions(self, slug: str) -> list[NamedEdition]:
        """The book's named editions, oldest first."""
        with self.views.read() as sql:
            book = self._book_row(sql, slug)
            names = self._names(sql)
            rows = sql.all(
                "SELECT * FROM {s}.tb_editions WHERE book_id = ? ORDER BY at, edition_slug",
                (book["book_id"],),
            )
        return [
            NamedEdition(r["edition_slug"], r["name"], r["at"], names.get(r["by_user"], "?"))
            for r in rows
        ]

    def named_edition(self, slug: str, edition: str) -> NamedEdition:
        """The edition named `edition` (its name, in any case, or its slug); EditionNotFound."""
        wanted = edition_slug(edition[:200])
        for found in self.editions(slug):
            if found.slug == wanted:
                return found
        raise EditionNotFound(slug, edition)

    def approved_changes(
        self, slug: str, after: datetime | None, upto: datetime | None
    ) -> list[ApprovedChange]:
        """Every change approved after `after` (None: since the start) up to `upto` (None: now),
        oldest first: each approved proposal once, each import once."""
        start = after.isoformat() if after else ""
        end = upto.isoformat() if upto else "9999"
        with self.views.read() as sql:
            self._book_row(sql, slug)
            names = self._names(sql)
            rows = sql.all(
                "SELECT section_id, author, approver, proposal_id, message, at"
                " FROM {s}.tb_revisions WHERE book_slug = ? AND at > ? AND at <= ?"
                " ORDER BY at, section_id, version",
                (slug, start, end),
            )
        found: list[ApprovedChange] = []
        by_proposal: dict[str, int] = {}
        for r in rows:
            key = r["proposal_id"]
            if key is not None and key in by_proposal:
                index = by_proposal[key]
            elif (
                key is None
                and found
                and found[-1].kind == "import"
                and (found[-1].approver == names.get(r["approver"], r["approver"]))
            ):
                index = len(found) - 1  # one import revises many sections
            else:
                found.append(
                    ApprovedChange(
                        kind="proposal" if key else "import",
                        title=r["message"] or ("Import" if key is None else "Untitled"),
                        author=names.get(r["author"], r["author"]),
                        approver=names.get(r["approver"], r["approver"]),
                        at=r["at"],
                        proposal_id=key,
                        sections=(),
                    )
                )
                index = len(found) - 1
                if key is not None:
                    by_proposal[key] = index
            change = found[index]
            if r["section_id"] not in change.sections:
                found[index] = ApprovedChange(
                    **{**change.__dict__, "sections": (*change.sections, r["section_id"])}
                )
        for details in self.details_history(slug):
            if details.kind == "proposal" and start < details.at <= end:
                labels = ", ".join(f.label.lower() for f in details.changes) or "details"
                found.append(
                    ApprovedChange(
                        kind="details",
                        title=f"The book's details: {labels}",
                        author=details.author,
                        approver=details.approver,
                        at=details.at,
                        proposal_id=details.proposal_id,
                        sections=(),
                    )
                )
        return sorted(found, key=lambda c: c.at)
