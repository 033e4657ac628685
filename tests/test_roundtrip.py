"""Property: any canonical book imports and exports byte for byte, and re-imports to no events."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli.test_commands import same_tree
from textbook.book_folder import read_book, write_book
from textbook.config import Settings
from textbook.projections.queries import Queries
from textbook.projections.runner import catch_up, open_views
from textbook.storage import blob_store, open_textbook

words = st.lists(
    st.sampled_from(["alpha", "beta", "$x^2$", "*em*", "`code`", "[@ref]", "café", "naïve", "π"]),
    min_size=1,
    max_size=12,
).map(" ".join)
paragraphs = st.lists(words, min_size=0, max_size=3)
code = st.sampled_from(["", "```python\n# a comment\nx = 1\n```"])


people = st.sampled_from(
    [
        "",
        "authors:\n  - Ada Lovelace\n  - Emmy Noether\n",
        "authors: [The textbook contributors]\neditors: [Grace Hopper]\n",
        "publisher: Open Books Collective\nisbn: 978-0-306-40615-7\n",
    ]
)
licences = st.sampled_from(["CC-BY-4.0", "CC-BY-SA-4.0", "MIT OR Apache-2.0", "CC0-1.0"])


@st.composite
def books(draw: st.DrawFn) -> dict[str, str]:
    """The files of a canonical book with unique section ids across its chapters."""
    count = draw(st.integers(min_value=1, max_value=4))
    ids = draw(
        st.lists(
            st.from_regex(r"[a-z][a-z0-9]{2,8}", fullmatch=True),
            min_size=count * 4,
            max_size=count * 4,
            unique=True,
        )
    )
    files, names = {}, []
    for number in range(count):
        sections = []
        for position in range(draw(st.integers(min_value=1, max_value=4))):
            section_id = ids[number * 4 + position]
            marks = "#" if position == 0 else "##"
            blocks = [f"{marks} Heading {section_id} {{#{section_id}}}"]
            blocks += draw(paragraphs)
            if draw(code):
                blocks.append("```python\n# a comment\nx = 1\n```")
            if draw(st.booleans()):  # pandoc reads neither as a heading: nor does the import
                blocks.append("<!--\n# a note, not a heading\n-->")
            sections.append("\n\n".join(blocks) + "\n")
        name = f"chapter{number}.md"
        files[name] = "\n".join(sections)
        names.append(name)
    files["book.yaml"] = (
        f"title: {draw(words).replace('$', '').replace('`', '').replace('*', '')!r}\n"
        + draw(people)
        + f"language: en\nlicense: {draw(licences)}\nidentifier: urn:uuid:1\nchapters:\n"
        + "".join(f"  - {name}\n" for name in names)
    )
    files["references.bib"] = "@book{ref,\n  title = {A Reference},\n  year = {2020}\n}\n"
    return files


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(books())
def test_any_canonical_book_round_trips_byte_for_byte(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        source = root / "generated"
        source.mkdir()
        for name, text in files.items():
            (source / name).write_text(text, encoding="utf-8")
        config = Settings(database=str(root / "store.sqlite"))
        app, views = open_textbook(config), open_views(config)
        try:
            book = read_book(source)
            app.register_user("mia", "mia@example.org", None)
            app.import_book(book.state, by="mia")
            assert app.import_book(read_book(source).state, by="mia").events == 0
            catch_up(app, views)
            state = Queries(views).book_state("generated")
            write_book(state, blob_store(app).get_many([]), root / "exported")
            assert same_tree(source, root / "exported")
        finally:
            app.close()
            views.close()
