"""An "edit" link at every section heading of a chapter page, as Wikipedia's "[edit]"."""

from __future__ import annotations

import re

from markupsafe import Markup

from textbook.web.destinations import signin_url

# A section of the book as pandoc writes it: <section id="…" class="level2"> and its heading.
HEADING = re.compile(r'(<section id="([^"]+)"[^>]*>\s*)(<h([12])[^>]*>.*?</h\4>)', re.DOTALL)


def with_edit_links(html: Markup, slug: str, titles: dict[str, str], signed_in: bool) -> Markup:
    """The chapter's HTML with a link after the heading of each section in `titles` (by id):
    to its editor for a signed-in person, else to sign in and then to its editor."""

    def add_link(match: re.Match[str]) -> str:
        section = match.group(2)
        if section not in titles:  # the bibliography, or a heading inside a section
            return match.group(0)
        editor = f"/books/{slug}/sections/{section}/edit"
        title = titles[section]
        if signed_in:
            link = Markup('<a class="edit-section" href="{}" aria-label="Edit “{}”">edit</a>')
            link = link.format(editor, title)
        else:
            link = Markup(
                '<a class="edit-section" href="{}" aria-label="Sign in to edit “{}”">'
                "sign in to edit</a>"
            ).format(signin_url(editor), title)
        heading = Markup(match.group(3))  # the pipeline's own markup, already sanitised
        level = match.group(4)
        return f'{match.group(1)}<div class="section-heading level{level}">{heading}{link}</div>'

    return Markup(HEADING.sub(add_link, str(html)))
