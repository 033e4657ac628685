"""Uploading images on the images page: it proposes the image for review, publishing nothing;
type, size and SVG safety are checked first."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.web.conftest import csrf_of, sign_in
from tests.web.test_pages import review

SQUARE = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
    b'<rect width="10" height="10"/></svg>'
)


def upload(client: TestClient, filename: str, data: bytes, name: str = "") -> int:
    page = client.get("/books/tiny/images")
    response = client.post(
        "/books/tiny/images",
        data={"csrf": csrf_of(page.text), "name": name, "section": "measuring"},
        files={"image": (filename, data, "application/octet-stream")},
        follow_redirects=False,
    )
    if response.status_code == 303:
        client.headers["x-proposal"] = response.headers["location"]
    return response.status_code


def test_a_member_uploads_an_svg_and_the_book_serves_it_once_approved(client: TestClient) -> None:
    sign_in(client, "alice")
    assert upload(client, "square.svg", SQUARE) == 303
    proposal = client.headers.pop("x-proposal")
    assert "images/square.svg" not in client.get("/books/tiny/images").text
    assert client.get("/books/tiny/images/square.svg").status_code == 404
    served = client.get(f"{proposal}/images/square.svg")
    assert served.content == SQUARE
    assert "sandbox" in served.headers["content-security-policy"]
    sign_in(client, "bob")
    page = client.get(proposal)
    assert f'src="{proposal}/images/square.svg"' in page.text
    assert review(client, proposal, "approve") == 303
    assert client.get("/books/tiny/images/square.svg").content == SQUARE


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        (
            "evil.svg",
            SQUARE.replace(b"<rect", b"<script>alert(1)</script><rect"),
            "may not contain",
        ),
        ("evil.svg", SQUARE.replace(b"<rect", b'<rect onload="alert(1)"'), "event handlers"),
        (
            "evil.svg",
            SQUARE.replace(b"<rect", b'<image href="http://127.0.0.1/x.png"/><rect'),
            "may not link",
        ),
        (
            "bomb.svg",
            b'<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
            "entities",
        ),
        ("fake.png", b"GIF89a....", "this is not a PNG image"),
        ("photo.svg", b"\x89PNG\r\n\x1a\n" + bytes(16), "this is a PNG image"),
        ("note.txt", b"hello", "is not an image name"),
    ],
)
def test_unsafe_or_wrong_images_are_refused(
    client: TestClient, filename: str, data: bytes, message: str
) -> None:
    sign_in(client, "alice")
    assert upload(client, filename, data) == 422
    page = client.get("/books/tiny/images").text
    assert filename not in page


def test_a_refused_image_says_why_beside_the_form_and_keeps_what_was_typed(
    client: TestClient,
) -> None:
    sign_in(client, "alice")
    page = client.get("/books/tiny/images")
    png = b"\x89PNG\r\n\x1a\n" + bytes(4) + b"IHDR" + (8).to_bytes(4, "big") * 2
    response = client.post(
        "/books/tiny/images",
        data={
            "csrf": csrf_of(page.text),
            "name": "ruler.svg",
            "section": "measuring",
            "message": "A clearer ruler",
        },
        files={"image": ("ruler.png", png, "image/png")},
    )
    assert response.status_code == 422
    form = BeautifulSoup(response.text, "html.parser").select_one("main form")
    assert form is not None
    error = form.select_one(".form-error")
    assert error is not None
    assert "ruler.svg: this is a PNG image: its name must end in .png" in error.get_text()
    assert form.select_one("#name")["value"] == "ruler.svg"  # type: ignore[index]
    assert form.select_one("#message")["value"] == "A clearer ruler"  # type: ignore[index]
    assert form.select_one("#section option[selected]")["value"] == "measuring"  # type: ignore[index]


def test_strangers_and_huge_files_are_refused(client: TestClient) -> None:
    sign_in(client, "mallory")  # has an account, is no member of the closed book
    assert upload(client, "square.svg", SQUARE) == 403
    sign_in(client, "alice")
    assert upload(client, "big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (5 * 1024 * 1024)) == 413
