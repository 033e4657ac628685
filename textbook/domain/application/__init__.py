"""Textbook, the application: it loads aggregates, lets them decide, and saves them.

Each part holds one concern: `people` (accounts, signing in, tokens), `addresses` (verified
addresses, passwords changed or forgotten, the choice of mail), `books` (members and the
import), `starting` (starting a book, its details through proposals, archiving, deleting),
`forks` (a book begun as a copy of another), `upstream` (changes flowing between a fork and its
upstream), `remix` (a book made of others' chapters, and text taken from another book),
`proposals` (opening, revising, withdrawing), `review` (comments, decisions, approval),
`time_travel` (the book as of a moment), `editions` (named editions of it), `watching`
(watchlists, the inbox's read mark, the private feed's key, review requests); `checking` checks
text against the book, `base` holds the plumbing they share, and `textbook.domain.questions` the
read-only questions the web and the command line ask.
"""

from __future__ import annotations

from textbook.domain.application.addresses import Addresses
from textbook.domain.application.books import Books
from textbook.domain.application.checking import BlobSink, Upload
from textbook.domain.application.editions import Editions
from textbook.domain.application.forks import Forks
from textbook.domain.application.needs import Needs
from textbook.domain.application.people import People, SignInLedger
from textbook.domain.application.proposals import Proposals
from textbook.domain.application.remix import Remixes
from textbook.domain.application.review import Review
from textbook.domain.application.starting import Starting
from textbook.domain.application.time_travel import TimeTravel
from textbook.domain.application.upstream import Upstream
from textbook.domain.application.watching import Watching
from textbook.domain.questions import Questions

__all__ = ["BlobSink", "SignInLedger", "Textbook", "Upload"]


class Textbook(
    Addresses,
    People,
    Books,
    Starting,
    Forks,
    Upstream,
    Remixes,
    Proposals,
    Review,
    Needs,
    TimeTravel,
    Editions,
    Watching,
    Questions,
):
    name = "Textbook"
