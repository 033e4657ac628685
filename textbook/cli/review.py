"""Review: propose a section's new text, list a book's proposals, review one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from textbook.cli.context import Context, as_option, parse_uuid, pass_context, reports_errors
from textbook.cli.needs import parse_need
from textbook.cli.remix import warn_copies
from textbook.domain.errors import InvalidInput
from textbook.domain.images import MAX_IMAGE
from textbook.domain.markdown import MAX_SECTION_BYTES, section_too_long
from textbook.domain.vocabulary import ProposalStatus, Verdict, choices

# The verdicts as typed: approve, request-changes, reject, comment.
VERDICTS = {verdict.option: verdict for verdict in Verdict}


@click.command()
@click.argument("slug")
@click.option("--status", type=click.Choice(choices(ProposalStatus)))
@pass_context
@reports_errors
def proposals(context: Context, slug: str, status: str | None) -> None:
    """List a book's proposals (--status open: the review queue), each with its version."""
    for p in context.queries.proposals(slug, status):
        click.echo(
            f"{p.id}  {p.status:<17} v{p.version:<3} {p.section_id:<28} {p.author:<16} {p.message}"
        )


@click.command()
@click.argument("slug")
@click.argument("section_id")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("-m", "--message", required=True, help="Why the change is needed.")
@click.option("--base-revision", type=int, help="The revision the text was written against.")
@click.option(
    "--image",
    "images",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An image the text shows as images/NAME, carried by the proposal (repeatable).",
)
@click.option(
    "--answers",
    "answers",
    multiple=True,
    metavar="NEED",
    help="A need of the book ('textbook needs BOOK') the proposal answers: approving it closes"
    " the need (repeatable).",
)
@as_option
@pass_context
@reports_errors
def propose(
    context: Context,
    slug: str,
    section_id: str,
    file: Any,
    message: str,
    base_revision: int | None,
    images: tuple[Path, ...],
    answers: tuple[str, ...],
    as_user: str | None,
) -> None:
    """Propose FILE (the section's whole new text, heading included) for a section."""
    if as_user is None:
        raise InvalidInput("Say who proposes: --as NAME.")
    # Read one character past the limit (a character is at least a byte): a bigger file is
    # refused by the domain's rule, never proposed cut short.
    text = file.read(MAX_SECTION_BYTES + 1)
    if len(text) > MAX_SECTION_BYTES:
        raise section_too_long()
    uploads = [(path.name, read_at_most(path, MAX_IMAGE + 1)) for path in images]
    proposal_id = context.app.propose_edit(
        slug,
        section_id,
        text,
        message,
        as_user,
        base_revision,
        uploads,
        needs=[parse_need(need) for need in answers],
    )
    context.refresh(quiet=True)
    warn_copies(context.app.copies_found(proposal_id).unmarked)
    click.echo(f"Opened proposal {proposal_id}")


def read_at_most(path: Path, size: int) -> bytes:
    with path.open("rb") as file:
        return file.read(size)


@click.command()
@click.argument("proposal_id")
@click.argument("verdict", type=click.Choice(list(VERDICTS)))
@click.option("-m", "--message", default="", help="The review comment.")
@click.option(
    "--version",
    "version",
    type=click.IntRange(1, 2**31 - 1),
    help="The proposal's version you read ('textbook proposals SLUG' shows it); required to "
    "approve, which is refused if the proposal has been revised since.",
)
@click.option(
    "--break-references",
    is_flag=True,
    help="Approve even though the change removes ids that other sections still link to "
    "(without it, such an approval is refused, listing the links).",
)
@as_option
@pass_context
@reports_errors
def review(
    context: Context,
    proposal_id: str,
    verdict: str,
    message: str,
    version: int | None,
    break_references: bool,
    as_user: str | None,
) -> None:
    """Review a proposal: approve, request changes, reject, or comment."""
    if as_user is None:
        raise InvalidInput("Say who reviews: --as NAME.")
    said = VERDICTS[verdict]
    if said is Verdict.APPROVE and version is None:
        raise InvalidInput(
            "Say which version of the proposal you read and approve: --version N "
            "('textbook proposals SLUG' shows each proposal's version)."
        )
    status = context.app.review(
        parse_uuid(proposal_id), said, message, as_user, version, break_references
    )
    context.refresh(quiet=True)
    click.echo(f"Proposal {proposal_id} is {status.replace('_', ' ')}")


commands = [proposals, propose, review]
