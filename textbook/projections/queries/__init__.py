"""Questions answered from the read models, as frozen values: about books (`books`), about
proposals and their review (`proposals`), about who wrote what (`history`), about where books
and text came from (`provenance`)."""

from __future__ import annotations

from typing import Any

from textbook.projections.queries.attribution import AttributionQueries
from textbook.projections.queries.base import OPERATOR_NAME
from textbook.projections.queries.community import CommunityQueries
from textbook.projections.queries.details import DetailsQueries
from textbook.projections.queries.editions import ApprovedChange, EditionQueries, NamedEdition
from textbook.projections.queries.inbox import InboxItem, InboxQueries, ReviewRequest, Watched
from textbook.projections.queries.needs import NeedQueries, NeedView
from textbook.projections.queries.proposals import ProposalQueries
from textbook.projections.queries.provenance import Fork, ProvenanceQueries, Taken, Upstream
from textbook.projections.queries.values import (
    BlameLine,
    BookOutline,
    ChapterSummary,
    Contributor,
    ProposalSummary,
    ProposalView,
    Revision,
    SectionSummary,
    SectionView,
    ThreadEntry,
)
from textbook.projections.views import TABLE_NAMES

__all__ = [
    "OPERATOR_NAME",
    "ApprovedChange",
    "BlameLine",
    "BookOutline",
    "ChapterSummary",
    "Contributor",
    "Fork",
    "InboxItem",
    "NamedEdition",
    "NeedView",
    "ProposalSummary",
    "ProposalView",
    "Queries",
    "ReviewRequest",
    "Revision",
    "SectionSummary",
    "SectionView",
    "Taken",
    "ThreadEntry",
    "Upstream",
    "Watched",
]


class Queries(
    EditionQueries,
    DetailsQueries,
    ProposalQueries,
    ProvenanceQueries,
    AttributionQueries,
    NeedQueries,
    InboxQueries,
    CommunityQueries,
):
    """Every question the web and the command line ask of the read models."""

    def dump(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of every read model, in a stable order: to compare two builds of them."""
        with self.views.read() as sql:
            return {
                table: sorted(sql.all(f"SELECT * FROM {{s}}.{table}"), key=_row_key)
                for table in TABLE_NAMES
            }


def _row_key(row: dict[str, Any]) -> str:
    return repr(sorted(row.items()))
