"""Nothing a user sends is cut: text over a limit is refused, said, kept in the form, not stored."""

from __future__ import annotations

import html
import os
import subprocess
import time
from pathlib import Path

from tests.live import LiveServer, form, textbook_command
from textbook.domain.markdown import MAX_SECTION_BYTES

EDIT = "/books/tiny/sections/counting/edit"


def oversized_section(size: int = 600 * 1024) -> str:
    """A section of `size` bytes whose last line is a marker: a cut text would lose it."""
    head = "## Counting {#counting}\n\n"
    tail = "\nTHE LAST LINE IS KEPT\n"
    body = ("One, two, three, four, five, six, seven. " * 64 + "\n\n") * (size // 2000 + 1)
    return head + body[: size - len(head) - len(tail)] + tail


def textarea(page: str) -> str:
    start = page.index(">", page.index('<textarea id="text"')) + 1
    return html.unescape(page[start : page.index("</textarea>", start)])


def test_oversized_proposal_through_the_form_is_refused_with_the_text_kept(
    live: LiveServer,
) -> None:
    text = oversized_section()
    assert len(text.encode()) == 600 * 1024 > MAX_SECTION_BYTES
    before = live.fingerprint()
    with live.signed_in("alice") as alice:
        csrf = form(alice, EDIT)
        response = alice.post(
            EDIT, data={"csrf": csrf, "text": text, "message": "A long one", "base_revision": "1"}
        )
    assert response.status_code == 422, response.text[:500]
    assert "614,400 bytes; a section holds at most 524,288 bytes" in response.text
    assert "Nothing was saved" in response.text
    assert textarea(response.text) == text  # all of it, the last line too
    assert live.fingerprint() == before


def test_oversized_new_section_is_refused_with_the_text_kept(
    live: LiveServer,
) -> None:
    new_text = oversized_section().replace("## Counting {#counting}", "## Adding {#adding}")
    before = live.fingerprint()
    with live.signed_in("alice") as alice:
        csrf = form(alice, "/books/tiny/new?chapter=first")
        response = alice.post(
            "/books/tiny/new",
            data={"csrf": csrf, "kind": "section", "chapter": "first", "after": "",
                  "text": new_text, "message": "Long"},
        )  # fmt: skip
    assert response.status_code == 422, response.text[:500]
    assert "a section holds at most 524,288 bytes" in response.text
    assert textarea(response.text) == new_text
    assert live.fingerprint() == before


def test_oversized_revision_is_refused_with_the_text_kept(live: LiveServer) -> None:
    with live.client() as client:
        opened = client.post(
            "/api/books/tiny/sections/measuring/proposals",
            json={"text": "## Measuring {#measuring}\n\nShorter.\n", "message": "Short",
                  "base_revision": 1},
            headers=live.api("alice"),
        )  # fmt: skip
    assert opened.status_code == 201, opened.text
    page = f"/proposals/{opened.json()['id']}/revise"
    text = oversized_section().replace("{#counting}", "{#measuring}")
    before = live.fingerprint()
    with live.signed_in("alice") as alice:
        csrf = form(alice, page)
        response = alice.post(page, data={"csrf": csrf, "text": text, "message": "Longer"})
    assert response.status_code == 422, response.text[:500]
    assert "a section holds at most 524,288 bytes" in response.text
    assert textarea(response.text) == text
    assert live.fingerprint() == before


def test_a_field_past_the_transport_limit_is_a_clear_413(live: LiveServer) -> None:
    before = live.fingerprint()
    with live.signed_in("alice") as alice:
        csrf = form(alice, EDIT)
        response = alice.post(
            EDIT,
            files={"text": (None, "x" * (2 * 1024 * 1024 + 1))},
            data={"csrf": csrf, "message": "Huge", "base_revision": "1"},
        )
    assert response.status_code == 413
    assert "over the limit of 2 MB" in response.text
    assert live.fingerprint() == before


def test_oversized_proposal_through_the_api_is_a_422(live: LiveServer) -> None:
    before = live.fingerprint()
    with live.client() as client:
        response = client.post(
            "/api/books/tiny/sections/counting/proposals",
            json={"text": oversized_section(), "message": "Long", "base_revision": 1},
            headers=live.api("alice"),
        )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["type"] in ("InvalidInput", "InvalidSectionText")
    assert "524,288" in error["message"]
    assert live.fingerprint() == before


def test_oversized_preview_is_a_422_not_a_cut_preview(live: LiveServer) -> None:
    with live.signed_in("alice") as alice:
        csrf = form(alice, EDIT)
        response = alice.post(
            "/preview", data={"csrf": csrf, "text": oversized_section(), "book": "tiny"}
        )
    assert response.status_code == 422
    assert "a section holds at most 524,288 bytes" in response.json()["error"]


def test_oversized_file_through_the_cli_is_refused_in_one_line(
    live: LiveServer, tmp_path: Path
) -> None:
    file = tmp_path / "counting.md"
    file.write_text(oversized_section(3 * 1024 * 1024))  # more than the CLI ever read before
    before = live.fingerprint()
    done = subprocess.run(
        [*textbook_command(), "propose", "tiny", "counting", str(file), "-m", "Long",
         "--as", "alice"],
        env={**os.environ, "TEXTBOOK_DATABASE": live.settings.database},
        cwd=live.folder, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1
    assert "a section holds at most 524,288 bytes" in done.stderr
    assert "Nothing was saved" in done.stderr
    assert live.fingerprint() == before


def test_a_search_over_the_limit_says_so_rather_than_searching_a_cut_query(
    live: LiveServer,
) -> None:
    query = "one " * 60
    with live.client() as client:
        response = client.get("/books/tiny/search", params={"q": query})
        fine = client.get("/books/tiny/search", params={"q": "one two"})
    assert response.status_code == 400
    assert "search for at most 10 words and 200 characters" in response.text
    assert query.strip() in html.unescape(response.text)  # kept in the search box
    assert fine.status_code == 200


def preview_of(live: LiveServer, text: str) -> tuple[int, dict[str, str], float]:
    with live.signed_in("alice") as alice:
        csrf = form(alice, EDIT)
        started = time.monotonic()
        response = alice.post("/preview", data={"csrf": csrf, "text": text, "book": "tiny"})
        return response.status_code, response.json(), time.monotonic() - started


def test_a_pathological_preview_is_a_clear_422_within_seconds(live: LiveServer) -> None:
    # 500 KB of backticks kept pandoc busy past its 30 s limit before; other texts as slow:
    # runs of '<' or '_a', 40,000 footnotes, 12,000 table rows.
    status, body, seconds = preview_of(live, "`" * (500 * 1024))
    assert status == 422
    assert "the preview took longer than 5 s" in body["error"]
    assert seconds < 10


def test_a_preview_that_needs_too_much_memory_is_a_clear_422(live: LiveServer) -> None:
    # Nested emphasis: 626 MB in pandoc before (its 512 MB heap cap, exhausted after 8.6 s).
    status, body, seconds = preview_of(live, "*a _b " * (500 * 1024 // 6))
    assert status == 422
    assert "the preview" in body["error"]
    assert "256 MB of memory" in body["error"] or "longer than 5 s" in body["error"]
    assert seconds < 10


def test_previews_leave_nothing_on_disk(live: LiveServer) -> None:
    """Each variant an author previews was kept in build/cache forever; now in a bounded LRU."""
    cache = live.settings.build_dir / "cache"
    before = sorted(cache.rglob("*")) if cache.exists() else []
    for number in range(5):
        status, body, _ = preview_of(live, f"## Counting {{#counting}}\n\nVariant {number}.\n")
        assert status == 200, body
        assert f"Variant {number}." in body["html"]
    after = sorted(cache.rglob("*")) if cache.exists() else []
    assert [p for p in after if "/ast/" in str(p)] == [p for p in before if "/ast/" in str(p)]


def test_a_pathological_proposal_page_answers_within_seconds(live: LiveServer) -> None:
    text = "## Counting {#counting}\n\n" + "`" * (500 * 1024) + "\n"
    with live.client() as client:
        opened = client.post(
            "/api/books/tiny/sections/counting/proposals",
            json={"text": text, "message": "Backticks", "base_revision": 1},
            headers=live.api("alice"),
        )
        assert opened.status_code == 201, opened.text
        started = time.monotonic()
        page = client.get(f"/proposals/{opened.json()['id']}")
        seconds = time.monotonic() - started
    assert page.status_code == 200
    assert "the preview took longer than 5 s" in page.text
    assert seconds < 15  # the word diff of 500 KB against the section comes on top
