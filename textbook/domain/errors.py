"""The TextbookError family: every refusal the domain can give, as a sentence for a person."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from textbook.domain.checks import BrokenReference, Problem
    from textbook.domain.merge import Clash


class TextbookError(Exception):
    """Base of every error the product reports to a user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(TextbookError):
    pass


class BookNotFound(NotFound):
    def __init__(self, slug: str) -> None:
        super().__init__(f"There is no book '{slug}'.")
        self.slug = slug


class SectionNotFound(NotFound):
    def __init__(self, book_slug: str, section_id: str) -> None:
        super().__init__(f"The book '{book_slug}' has no section '{section_id}'.")
        self.book_slug = book_slug
        self.section_id = section_id


class ProposalNotFound(NotFound):
    def __init__(self, proposal_id: str) -> None:
        super().__init__(f"There is no proposal '{proposal_id}'.")
        self.proposal_id = proposal_id


class UserNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"There is no user '{name}'.")
        self.name = name


class BookDidNotExist(NotFound):
    def __init__(self, slug: str, as_of: str) -> None:
        super().__init__(f"The book '{slug}' did not exist yet at {as_of}.")
        self.slug = slug
        self.as_of = as_of


class TokenNotFound(NotFound):
    def __init__(self, name: str, token_id: str) -> None:
        super().__init__(f"'{name}' has no token '{token_id}'.")
        self.name = name
        self.token_id = token_id


class NotAllowed(TextbookError):
    pass


class NotAMember(NotAllowed):
    def __init__(self, user: str, book_slug: str) -> None:
        super().__init__(f"{user} is not a member of the book '{book_slug}'.")


class NotAnEditor(NotAllowed):
    def __init__(self, user: str, book_slug: str) -> None:
        super().__init__(f"{user} is not an editor of the book '{book_slug}'.")


class NotAMaintainer(NotAllowed):
    def __init__(self, user: str, book_slug: str) -> None:
        super().__init__(f"{user} is not a maintainer of the book '{book_slug}'.")


class SelfReviewRefused(NotAllowed):
    """Four eyes: the author of a proposal makes no review decision on it (comments are fine)."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "An author cannot request changes to or reject their own proposal: another editor"
            " reviews it. Revise it, or withdraw it."
        )


class SelfApprovalRefused(SelfReviewRefused):
    def __init__(self) -> None:
        super().__init__(
            "An author cannot approve their own proposal: another editor must review it."
        )


class LicenceRefused(NotAllowed):
    """What a licence does not allow: adapting a work under "no derivatives", or putting a
    ShareAlike or non-commercial work into one under a licence that drops its terms."""


class NotTheAuthor(NotAllowed):
    def __init__(self) -> None:
        super().__init__("Only the author of a proposal can revise or withdraw it.")


class Conflict(TextbookError):
    pass


class StaleBaseRevision(Conflict):
    def __init__(self, section_id: str, base_revision: int, current_revision: int) -> None:
        super().__init__(
            f"The proposal was written against revision {base_revision} of '{section_id}', "
            f"but the section is now at revision {current_revision}: revise the proposal "
            "against the current text first."
        )
        self.section_id = section_id
        self.base_revision = base_revision
        self.current_revision = current_revision


class MergeConflict(StaleBaseRevision):
    """The section changed since the proposal's base revision, on the same lines as the proposal.

    Changes to other lines are merged at approval; these cannot be, so the author revises.
    """

    def __init__(
        self,
        section_id: str,
        base_revision: int,
        current_revision: int,
        clashes: tuple[Clash, ...],
    ) -> None:
        where = "; ".join(
            f"{clash.current_lines} of the current text and {clash.proposed_lines} of the proposal"
            for clash in clashes
        )
        TextbookError.__init__(
            self,
            f"The proposal was written against revision {base_revision} of '{section_id}', "
            f"which is now at revision {current_revision}, and both changed the same lines "
            f"({where}). It cannot be approved until its author revises it against the current "
            "text.",
        )
        self.section_id = section_id
        self.base_revision = base_revision
        self.current_revision = current_revision
        self.clashes = clashes
        self.where = where  # which lines clash, in words


class ProposalClosed(Conflict):
    def __init__(self, status: str) -> None:
        super().__init__(f"The proposal is already {status}; it can no longer change.")
        self.status = status


class ProposalChanged(Conflict):
    """A reviewer decided on a version of the proposal that is no longer its current one."""

    def __init__(self, read_version: int, current_version: int) -> None:
        super().__init__(
            f"The proposal changed since you read it: you read version {read_version}, and its "
            f"author has since revised it to version {current_version}. Read what changed, then "
            f"review version {current_version}."
        )
        self.read_version = read_version
        self.current_version = current_version


class SlugTaken(Conflict):
    def __init__(self, what: str, slug: str) -> None:
        super().__init__(f"The {what} '{slug}' is already taken.")
        self.what = what
        self.slug = slug


class ConcurrentChange(Conflict):
    def __init__(self) -> None:
        super().__init__("Someone else changed this at the same moment; please try again.")


class TooManyOpenProposals(NotAllowed):
    def __init__(self, book_slug: str, limit: int) -> None:
        super().__init__(
            f"You already have {limit} open proposals for the book '{book_slug}', the most one "
            "person may have at once. Withdraw one, or wait until editors have reviewed some, "
            "to make room for a new one."
        )
        self.book_slug = book_slug
        self.limit = limit


class RateLimited(TextbookError):
    """Refused for a while, whatever the input: trying again later may succeed."""

    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message)
        self.until = until


class SignInLocked(RateLimited):
    def __init__(self, name: str, failures: int, minutes: int, until: datetime) -> None:
        super().__init__(
            f"Too many wrong passwords for '{name}' ({failures} within {minutes} minutes): "
            f"signing in to this account is locked until {until:%H:%M} UTC. Try again then.",
            until,
        )
        self.name = name


class LinkRefused(NotFound):
    """A link from an email that cannot be used: forged, used already, or expired."""


class WrongPassword(NotAllowed):
    def __init__(self) -> None:
        super().__init__("That is not your current password; nothing was changed.")


class InvalidInput(TextbookError):
    pass


class TokenRefused(TextbookError):
    """An API token that is unknown, revoked or expired: the web answers 401."""

    def __init__(self, message: str, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


class InvalidBook(InvalidInput):
    """A book's source files cannot be imported; names the file and, where known, the line."""

    def __init__(self, path: str, problem: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line
        self.problem = problem


class InvalidSectionText(InvalidInput):
    pass


class ImageMissing(InvalidInput):
    """The text shows images that are neither in the book nor attached to the proposal."""

    def __init__(self, names: list[str], lines: list[int] | None = None) -> None:
        shown = ", ".join(f"images/{name[:80]}" for name in names[:5])
        where = f"Line {', '.join(str(line) for line in lines[:5])}: t" if lines else "T"
        super().__init__(
            f"{where}he text shows {shown}, which is neither in the book nor attached to this "
            "proposal: attach the image, or change the text."
        )
        self.names = names
        self.lines = lines or []


class TextProblems(InvalidInput):
    """The text would publish broken: each problem names its line."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        listed = "; ".join(str(problem) for problem in problems[:10])
        more = f"; and {len(problems) - 10} more" if len(problems) > 10 else ""
        super().__init__(
            f"The text cannot be published as it is. {listed}{more}. Nothing was saved: "
            "fix these lines and propose it again."
        )
        self.problems = tuple(problems)


class BreaksReferences(Conflict):
    """Approving would remove ids that other parts of the book still link to."""

    def __init__(self, references: Sequence[BrokenReference]) -> None:
        listed = "; ".join(str(reference) for reference in references[:10])
        more = f"; and {len(references) - 10} more" if len(references) > 10 else ""
        super().__init__(
            f"Approving this would break links elsewhere in the book: {listed}{more}. "
            "Nothing was approved: confirm that you mean to break them, or ask the author to "
            "keep the ids."
        )
        self.references = tuple(references)


# Starting, archiving and deleting books.


class BookDeleted(NotFound):
    """The book was deleted by the person who started it: its record and its slug stay."""

    def __init__(self, slug: str) -> None:
        super().__init__(
            f"The book '{slug}' was deleted by the person who started it. Its address stays "
            "taken, so that no other book takes its place."
        )
        self.slug = slug


class BookArchived(NotAllowed):
    def __init__(self, slug: str) -> None:
        super().__init__(
            f"The book '{slug}' is archived: it can be read, but it takes no proposals or "
            "reviews. A maintainer may unarchive it."
        )
        self.slug = slug


class NotTheStarter(NotAllowed):
    def __init__(self, user: str, book_slug: str) -> None:
        super().__init__(
            f"Only the person who started the book '{book_slug}' may delete it, and {user} "
            "did not. A maintainer may archive it instead."
        )


class OthersContributed(NotAllowed):
    def __init__(self, book_slug: str) -> None:
        super().__init__(
            f"The book '{book_slug}' cannot be deleted: other people have taken part in it "
            "(a proposal, a review or a role). Books others worked on are never deleted; "
            "archive it instead, and the record of their work stays."
        )


class StaleDetails(Conflict):
    """A proposal of the book's details written against details that have changed since."""

    def __init__(self, base_revision: int, current_revision: int) -> None:
        super().__init__(
            f"The book's details have changed since this proposal was written (it was written "
            f"against version {base_revision} of them; they are at version {current_revision}). "
            "Its author revises it against the current details, then it can be approved."
        )
        self.base_revision = base_revision
        self.current_revision = current_revision


class CopyNotMarked(Conflict):
    """The proposal copies text from another book on the platform that it does not say it took:
    its author marks the source (which credits it) before an editor can approve it."""

    def __init__(self, book: str, section: str, excerpt: str) -> None:
        super().__init__(
            f"The proposal copies text from the section '{section}' of '{book}' (“{excerpt}”) "
            "without saying so: its author must mark that section as its source, so that the "
            "editions credit it, before it can be approved."
        )
        self.book = book
        self.section = section


class NeedNotFound(NotFound):
    def __init__(self, need_id: str) -> None:
        super().__init__(f"There is no need '{need_id}'.")
        self.need_id = need_id


class NeedClosed(Conflict):
    def __init__(self) -> None:
        super().__init__("This need is closed already: there is nothing left to do for it.")


class NeedTaken(Conflict):
    def __init__(self, taker: str, until: datetime) -> None:
        super().__init__(
            f"{taker} is on this need until {until:%Y-%m-%d} (unless a proposal answers it "
            "first): pick another one, or ask them."
        )
        self.taker = taker
        self.until = until


class NeedNotTaken(Conflict):
    def __init__(self) -> None:
        super().__init__("Nobody is on this need: there is nothing to release.")


class NotTheTaker(NotAllowed):
    def __init__(self) -> None:
        super().__init__("Only the person on this need, or an editor of the book, can release it.")


class NeedOfAnotherBook(InvalidInput):
    def __init__(self, need_id: str, book_slug: str) -> None:
        super().__init__(f"The need '{need_id}' is not a need of the book '{book_slug}'.")
        self.need_id = need_id


class ReviewAlreadyRequested(Conflict):
    def __init__(self, reviewer: str) -> None:
        super().__init__(
            f"{reviewer} has already been asked to review this proposal and has not answered yet."
        )
        self.reviewer = reviewer


class TooManyWatched(NotAllowed):
    def __init__(self, limit: int) -> None:
        super().__init__(
            f"You already watch {limit} books, chapters and sections, the most one person may "
            "watch. Stop watching some first."
        )
        self.limit = limit


class EditionNotFound(NotFound):
    def __init__(self, slug: str, name: str) -> None:
        shown = name[:80]
        super().__init__(f"The book '{slug}' has no edition '{shown}'.")
        self.slug = slug
        self.name = name


class EditionExists(Conflict):
    def __init__(self, slug: str, name: str, existing: str) -> None:
        super().__init__(
            f"The book '{slug}' already has an edition named '{existing}': "
            f"give the edition '{name}' another name."
        )
        self.slug = slug
        self.name = name
