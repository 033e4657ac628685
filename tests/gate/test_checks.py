"""Text that would publish broken, against a running server: the preview shows each problem with
its line; the web form, the JSON API and `textbook propose` refuse it naming the line and change
nothing; an approval that breaks links elsewhere is listed first and needs a confirmation."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import httpx2 as httpx
import pytest
from bs4 import BeautifulSoup

from tests.live import LiveServer, form, textbook_command

HEAD = "## Counting {#counting}\n\nOne, two, three.\n"
BROKEN = {
    "math": (HEAD + "\nThe sum $\\frac{1}{$ diverges.\n", "Line 5: the formula $\\frac{1}{$"),
    "citation": (HEAD + "\nAs [@nobody2020] says.\n", "Line 5: the citation '@nobody2020'"),
    "image": (HEAD + "\n![A tally.](images/tally.png)\n", "Line 5: the text shows images/tally"),
    "link": (HEAD + "\nSee [there](#nowhere).\n", "Line 5: the link to '#nowhere' goes nowhere"),
    "heading": (HEAD + "\n### Why count\n\nBecause.\n", "Line 5: the heading 'Why count'"),
}


def propose_form(client: httpx.Client, text: str) -> httpx.Response:
    page = "/books/tiny/sections/counting/edit"
    data = {"csrf": form(client, page), "text": text, "message": "Broken", "base_revision": "1"}
    return client.post(page, data=data)


def problems_in_preview(client: httpx.Client, text: str) -> list[str]:
    csrf = form(client, "/books/tiny/sections/counting/edit")
    response = client.post("/preview", data={"csrf": csrf, "book": "tiny", "text": text})
    assert response.status_code == 200, response.text
    soup = BeautifulSoup(response.json()["html"], "html.parser")
    return [" ".join(item.get_text().split()) for item in soup.select(".problems li")]


@pytest.mark.parametrize("kind", list(BROKEN))
def test_broken_text_is_shown_in_the_preview_and_refused_everywhere(
    live: LiveServer, kind: str, tmp_path: Path
) -> None:
    text, said = BROKEN[kind]
    with live.signed_in("alice") as alice:
        shown = problems_in_preview(alice, text)
        assert len(shown) == 1 and shown[0].startswith("Line 5: the "), shown
        before = live.fingerprint()
        response = propose_form(alice, text)
        assert response.status_code == 422
        error = BeautifulSoup(response.text, "html.parser").select_one(".form-error")
        assert error is not None and said in error.get_text(" ", strip=True)
        kept = BeautifulSoup(response.text, "html.parser").select_one("textarea#text")
        assert kept is not None and kept.get_text() == text  # the author's text is kept
    api = httpx.post(
        f"{live.url}/api/books/tiny/sections/counting/proposals",
        json={"base_revision": 1, "text": text, "message": "Broken"},
        headers=live.api("alice"),
    )
    assert api.status_code == 422
    assert said in api.json()["error"]["message"]
    if kind != "image":  # ImageMissing, refused before the other checks, names images
        assert [p["line"] for p in api.json()["error"]["problems"]] == [5]
        assert api.json()["error"]["problems"][0]["kind"] == kind
    source = tmp_path / "counting.md"
    source.write_text(text)
    cli = subprocess.run(
        [
            *textbook_command(),
            "propose",
            "tiny",
            "counting",
            str(source),
            "-m",
            "x",
            "--as",
            "alice",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "TEXTBOOK_DATABASE": live.settings.database},
    )
    assert cli.returncode == 2
    assert said in cli.stderr and "Traceback" not in cli.stderr
    assert live.fingerprint() == before


def test_the_preview_shows_no_problems_for_good_text(live: LiveServer) -> None:
    with live.signed_in("alice") as alice:
        good = HEAD + "\nSee [the ruler](#fig-ruler), $x^2$ and [@knuth1997].\n"
        assert problems_in_preview(alice, good) == []


def review(client: httpx.Client, proposal: str, confirm: bool) -> httpx.Response:
    page = client.get(proposal)
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version is not None
    data = {"csrf": form(client, proposal), "verdict": "approve", "version": version.group(1)}
    data["comment"] = "Gone"
    if confirm:
        data["break_references"] = "yes"
    return client.post(f"{proposal}/review", data=data)


def edit(client: httpx.Client, section: str, text: str) -> str:
    page = f"/books/tiny/sections/{section}/edit"
    data = {"csrf": form(client, page), "text": text, "message": "A change"}
    response = client.post(page, data=data)
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_an_approval_that_breaks_links_is_listed_and_needs_a_confirmation(
    live: LiveServer,
) -> None:
    with live.signed_in("alice") as alice, live.signed_in("bob") as bob:
        linked = edit(alice, "summing", "## Summing {#summing}\n\nSee [the ruler](#fig-ruler).\n")
        assert review(bob, linked, confirm=False).status_code == 303
        text = "## Measuring {#measuring}\n\nSee [Summing](#summing) [@knuth1997].\n"
        proposal = edit(alice, "measuring", text)
        shown = BeautifulSoup(bob.get(proposal).text, "html.parser")
        notice = shown.select_one("#broken-references")
        assert notice is not None
        said = notice.get_text(" ", strip=True)
        assert "Approving this breaks 1 link elsewhere in the book" in said
        assert "Summing" in said and "section summing" in said and "line 3" in said
        assert "#fig-ruler" in said
        assert shown.select_one("input[name=break_references][type=checkbox]") is not None
        before = live.fingerprint()
        refused = review(bob, proposal, confirm=False)
        assert refused.status_code == 409
        page = BeautifulSoup(refused.text, "html.parser")
        notice = page.select_one("#broken-references")
        assert notice is not None and "Nothing was approved" in notice.get_text()
        comment = page.select_one("textarea#comment")
        assert comment is not None and comment.get_text() == "Gone"  # the comment is kept
        api = httpx.post(
            f"{live.url}/api{proposal}/reviews",
            json={"verdict": "approve", "version": 1},
            headers=live.api("carol"),
        )
        assert api.status_code == 409
        assert api.json()["error"]["type"] == "BreaksReferences"
        assert api.json()["error"]["references"] == [
            {"id": "fig-ruler", "chapter_id": "second", "section_id": "summing", "line": 3}
        ]
        assert live.fingerprint() == before
        approved = review(bob, proposal, confirm=True)
        assert approved.status_code == 303, approved.text
        assert "approved" in bob.get(proposal).text
