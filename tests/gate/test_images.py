"""Images go through review, against a running server: a proposal that shows an image carries
it or finds it in the book; nothing uploaded is published before an editor approves it; a
refused upload stores nothing; and a dump holds only the images that events name."""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import subprocess
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.conftest import FIXTURES
from tests.live import LiveServer, csrf_of, form, textbook_command
from textbook.domain import ids
from textbook.domain.section import Section
from textbook.storage import blob_store, open_textbook

IMAGES = FIXTURES.parent / "images"
FIG = (IMAGES / "fig.png").read_bytes()
RED = (IMAGES / "red-square.svg").read_bytes()
RULER = (FIXTURES / "tiny" / "images" / "ruler.svg").read_bytes()
COUNTING = "## Counting {#counting}\n\nOne, two, three.\n"


def edit(
    client: httpx.Client,
    section: str,
    text: str,
    files: list[tuple[str, bytes]] = (),  # type: ignore[assignment]
) -> httpx.Response:
    """Propose `text` for `section` through its edit form, attaching `files`."""
    page = f"/books/tiny/sections/{section}/edit"
    return client.post(
        page,
        data={"csrf": form(client, page), "text": text, "message": "With a figure"},
        files=[("images", (name, data, "application/octet-stream")) for name, data in files]
        or [("images", ("", b"", "application/octet-stream"))],  # as a browser sends it empty
    )


def approve(client: httpx.Client, proposal: str) -> httpx.Response:
    """Approve the version of the proposal the page shows, as the review form does."""
    page = client.get(proposal)
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version, "the review form names the version read"
    return client.post(
        f"{proposal}/review",
        data={
            "csrf": csrf_of(page.text),
            "verdict": "approve",
            "version": version.group(1),
            "comment": "Fine",
        },
    )


def test_a_proposal_that_shows_a_missing_image_is_refused_naming_it(live: LiveServer) -> None:
    text = COUNTING + "\n![A tally.](images/tally.png)\n"
    before = live.fingerprint()
    with live.signed_in("alice") as alice:
        response = edit(alice, "counting", text)
    assert response.status_code == 422
    assert "images/tally.png" in response.text
    assert "A tally." in response.text  # the author's text is kept in the form
    api = httpx.post(
        f"{live.url}/api/books/tiny/sections/counting/proposals",
        json={"base_revision": 1, "text": text, "message": "tally"},
        headers=live.api("alice"),
    )
    assert api.status_code == 422
    assert "images/tally.png" in api.json()["error"]["message"]
    assert live.fingerprint() == before


def test_a_revision_that_shows_a_missing_image_is_refused(live: LiveServer) -> None:
    with live.signed_in("alice") as alice:
        opened = edit(alice, "summing", "## Summing {#summing}\n\nAdd them up.\n")
        assert opened.status_code == 303, opened.text
        proposal = opened.headers["location"]
        before = live.fingerprint()
        page = f"{proposal}/revise"
        response = alice.post(
            page,
            data={
                "csrf": form(alice, page),
                "text": "## Summing {#summing}\n\n![Sums.](images/sums.svg)\n",
                "message": "",
            },
        )
        assert response.status_code == 422
        assert "images/sums.svg" in response.text
        assert live.fingerprint() == before
        # Revising with the image attached is accepted, and the proposal shows it.
        response = alice.post(
            page,
            data={
                "csrf": form(alice, page),
                "text": "## Summing {#summing}\n\n![Sums.](images/sums.svg)\n",
                "message": "",
            },
            files={"images": ("sums.svg", RED, "image/svg+xml")},
        )
        assert response.status_code == 303, response.text
        assert f'src="{proposal}/images/sums.svg"' in alice.get(proposal).text
        assert "images/sums.svg" in alice.get(page).text  # the revise form lists it


def test_uploading_the_name_approved_text_shows_publishes_nothing(live: LiveServer) -> None:
    """Today's hijack: text approved long ago shows images/later.png, which does not exist;
    whoever uploads that name must not publish it."""
    app = open_textbook(live.settings)
    try:  # text approved before images were reviewed, naming an image nobody has uploaded
        section: Section = app.repository.get(ids.section_id("tiny", "measuring"))
        text = section.text + "\n![Later.](images/later.svg)\n"
        maintainer = app.user("dave").id
        section.revise(text, maintainer, maintainer, None, "Before images were reviewed")
        app.save(section)
    finally:
        app.close()
    hostile = RED.replace(b"red", b"black")
    before = live.fingerprint()
    with live.signed_in("mallory") as mallory:  # no member of the book
        page = "/books/tiny/images"
        response = mallory.post(
            page,
            data={"csrf": form(mallory, page), "section": "measuring"},
            files={"image": ("later.svg", hostile, "image/svg+xml")},
        )
    assert response.status_code == 403
    assert live.fingerprint() == before  # no blob either
    with live.signed_in("alice") as alice:  # a member: it becomes a proposal, nothing more
        page = "/books/tiny/images"
        response = alice.post(
            page,
            data={"csrf": form(alice, page), "section": "measuring"},
            files={"image": ("later.svg", hostile, "image/svg+xml")},
        )
        assert response.status_code == 303, response.text
        assert response.headers["location"].startswith("/proposals/")
    assert httpx.get(f"{live.url}/books/tiny/images/later.svg").status_code == 404
    chapter = httpx.get(f"{live.url}/books/tiny/chapters/first").text
    assert "later.svg" not in chapter


def test_an_attached_image_is_reviewed_then_published(live: LiveServer) -> None:
    """The author's journey: text showing images/fig.png, fig.png attached, proposed; the
    editor sees it rendered on the proposal page, approves, and the book shows it."""
    text = (
        "# First Steps {#first}\n\nEvery book starts somewhere.\n\n![A figure.](images/fig.png)\n"
    )
    with live.signed_in("alice") as alice:
        response = edit(alice, "first", text, [("fig.png", FIG)])
        assert response.status_code == 303, response.text
    proposal = response.headers["location"]
    assert httpx.get(f"{live.url}/books/tiny/images/fig.png").status_code == 404  # not yet
    with live.signed_in("bob") as bob:
        page = bob.get(proposal)
        sources = re.findall(r'<img [^>]*src="([^"]+)"', page.text)
        assert f"{proposal}/images/fig.png" in sources
        shown = bob.get(f"{proposal}/images/fig.png")
        assert shown.status_code == 200
        assert shown.content == FIG
        assert shown.headers["content-type"] == "image/png"
        assert approve(bob, proposal).status_code == 303
    published = httpx.get(f"{live.url}/books/tiny/images/fig.png")
    assert published.status_code == 200
    assert published.content == FIG
    chapter = httpx.get(f"{live.url}/books/tiny/chapters/first").text
    assert "images/fig.png" in chapter


def test_the_api_attaches_images_and_approval_publishes_them(live: LiveServer) -> None:
    text = "# Second Thoughts {#second}\n\n![A square.](images/api-square.svg)\n"
    body = {
        "base_revision": 1,
        "text": text,
        "images": [{"name": "api-square.svg", "data": base64.b64encode(RED).decode()}],
    }
    opened = httpx.post(
        f"{live.url}/api/books/tiny/sections/second/proposals",
        json=body,
        headers=live.api("alice"),
    )
    assert opened.status_code == 201, opened.text
    proposal = opened.headers["location"]
    later = {"name": "api-extra.png", "data": base64.b64encode(FIG).decode()}
    before = live.fingerprint()
    stranger = httpx.post(
        f"{live.url}{proposal}/images", json=later, headers=live.api("carol")
    )  # only the author attaches
    assert stranger.status_code == 403
    assert live.fingerprint() == before
    attached = httpx.post(f"{live.url}{proposal}/images", json=later, headers=live.api("alice"))
    assert attached.status_code == 201, attached.text
    assert attached.json()["media_type"] == "image/png"
    detail = httpx.get(f"{live.url}{proposal}").json()
    assert sorted(image["name"] for image in detail["images"]) == [
        "api-extra.png",
        "api-square.svg",
    ]
    # Attaching is a revision: a review of what was there before does not cover the new image.
    assert [entry["kind"] for entry in detail["reviews"]] == ["opened", "revised"]
    with live.signed_in("alice") as alice:  # revising, the author's preview shows the images
        page = f"/proposals/{proposal.rsplit('/', 1)[1]}/revise"
        shown = alice.post(
            "/preview",
            data={"csrf": form(alice, page), "book": "tiny", "proposal": page.split("/")[2]}
            | {"text": text},
        )
        assert (
            f'src="/proposals/{page.split("/")[2]}/images/api-square.svg"' in shown.json()["html"]
        )
    version = httpx.get(f"{live.url}{proposal}").json()["version"]
    assert version == 2  # attaching the image after the text was a revision
    review = httpx.post(
        f"{live.url}{proposal}/reviews",
        json={"verdict": "approve", "comment": "", "version": version},
        headers=live.api("carol"),
    )
    assert review.status_code == 201, review.text
    assert httpx.get(f"{live.url}/books/tiny/images/api-square.svg").content == RED
    assert httpx.get(f"{live.url}/books/tiny/images/api-extra.png").content == FIG


def test_replacing_a_published_image_is_a_reviewed_change(live: LiveServer) -> None:
    new = RULER.replace(b'fill="none"', b'fill="yellow"')
    with live.signed_in("alice") as alice:
        page = "/books/tiny/images"
        response = alice.post(
            page,
            data={"csrf": form(alice, page), "section": "summing", "message": "Yellow"},
            files={"image": ("ruler.svg", new, "image/svg+xml")},
        )
        assert response.status_code == 303, response.text
    proposal = response.headers["location"]
    assert httpx.get(f"{live.url}/books/tiny/images/ruler.svg").content == RULER
    with live.signed_in("carol") as carol:
        page = carol.get(proposal).text
        assert f'src="{proposal}/images/ruler.svg"' in page  # the new one
        assert 'src="/books/tiny/images/ruler.svg"' in page  # and the one it replaces
        assert carol.get(f"{proposal}/images/ruler.svg").content == new
        assert approve(carol, proposal).status_code == 303
    assert httpx.get(f"{live.url}/books/tiny/images/ruler.svg").content == new


def test_drawings_from_common_tools_are_accepted(live: LiveServer) -> None:
    """Inkscape's and Matplotlib's SVG (a DOCTYPE, metadata, <style>, url(#id), <use>) pass."""
    drawings = [(name, (IMAGES / name).read_bytes()) for name in ("inkscape.svg", "matplotlib.svg")]
    text = (
        "## Counting {#counting}\n\n![Drawn.](images/inkscape.svg)\n\n"
        "![Plotted.](images/matplotlib.svg)\n"
    )
    with live.signed_in("alice") as alice:
        response = edit(alice, "counting", text, drawings)
        assert response.status_code == 303, response.text
        proposal = response.headers["location"]
        for name, data in drawings:
            assert alice.get(f"{proposal}/images/{name}").content == data


REFUSED = {
    "script.svg": "<script>",
    "onload.svg": "event handler",
    "set-javascript.svg": "<set>",
    "animate-javascript.svg": "<animate>",
    "css-import.svg": "@import",
    "css-url.svg": "url()",
    "css-url-style.svg": "url()",
    "xml-stylesheet.svg": "xml-stylesheet",
    "foreign-object.svg": "<foreignObject>",
    "embedded-html.svg": "HTML",
    "outside-image.svg": "may not link",
    "outside-use.svg": "may not link",
    "data-svg-image.svg": "may not link",
    "entity-bomb.svg": "entities",
    "huge.svg": "20,000 x 20,000",
    "bomb-20000x20000.png": "20,000 x 20,000",
    "bomb-20000x20000.jpg": "20,000 x 20,000",
    "wide-12000x10.png": "12,000 x 10",
    "embedded-bomb.svg": "12,000 x 10",
    "not-a-png.png": "not a PNG",
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_refused_image_stores_nothing(live: LiveServer, name: str) -> None:
    data = (IMAGES / name).read_bytes()
    text = f"## Counting {{#counting}}\n\n![It.](images/{name})\n"
    before = live.fingerprint()
    with live.signed_in("alice") as alice:
        response = edit(alice, "counting", text, [(name, data)])
        assert response.status_code == 422, response.text
        assert REFUSED[name] in response.text.replace("&lt;", "<").replace("&gt;", ">")
        page = "/books/tiny/images"
        response = alice.post(
            page,
            data={"csrf": form(alice, page), "section": "counting"},
            files={"image": (name, data, "application/octet-stream")},
        )
        assert response.status_code == 422
    api = httpx.post(
        f"{live.url}/api/books/tiny/sections/counting/proposals",
        json={
            "base_revision": 1,
            "text": text,
            "images": [{"name": name, "data": base64.b64encode(data).decode()}],
        },
        headers=live.api("alice"),
    )
    assert api.status_code == 422
    after = live.fingerprint()
    assert after.blobs == before.blobs
    assert after == before


def test_a_dump_holds_only_the_images_events_name(live: LiveServer, tmp_path: Path) -> None:
    app = open_textbook(live.settings)
    try:  # bytes stored by an upload whose event was never saved (a crash in between)
        blob_store(app).put({"0" * 64: b"orphaned bytes"})
    finally:
        app.close()
    target = tmp_path / "dump.jsonl.gz"
    subprocess.run(
        [*textbook_command(), "dump", str(target)],
        check=True,
        capture_output=True,
        env={**os.environ, "TEXTBOOK_DATABASE": live.settings.database},
    )
    with gzip.open(target, "rt") as lines:
        records = [json.loads(line) for line in lines][1:]
    named = {
        json.loads(r["state"])["sha256"]
        for r in records
        if r.get("topic", "").endswith(("ImageAdded", "ImageAttached"))
    }
    dumped = {r["blob"] for r in records if "blob" in r}
    assert named  # the tiny book's ruler, and the images approved in this module
    assert dumped == named
    assert "0" * 64 not in dumped
