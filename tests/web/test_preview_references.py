"""A draft's cross-references in the editor's preview: numbered and linked as the book will print
them, and a reference to a label the book lacks shown as a problem naming it."""

from __future__ import annotations

from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.web.conftest import csrf_of, sign_in

TEXT = """## Measuring {#measuring}

As @fig-ruler shows, and @eq-area says, see @fig-growth.

$$ a = b c $$ {#eq-area}

![A ruler.](images/ruler.svg){#fig-ruler}
"""


def test_the_preview_resolves_references_and_shows_a_missing_label_as_a_problem(
    client: TestClient,
) -> None:
    sign_in(client, "alice")
    page = client.get("/books/tiny/sections/measuring/edit")
    data = {"csrf": csrf_of(page.text), "book": "tiny", "text": TEXT}
    response = client.post("/preview", data={**data, "kind": "edit", "section": "measuring"})
    assert response.status_code == 200, response.text
    html = BeautifulSoup(response.json()["html"], "html.parser")
    problems = [li.get_text(" ", strip=True) for li in html.select(".problems li")]
    assert problems == [
        "Line 3 : the reference '@fig-growth' points at no label: "
        "the book has no figure labelled {#fig-growth}"
    ]
    links = {a.get_text(" ", strip=True): a["href"] for a in html.select("a.cross-reference")}
    assert links == {"Figure 1.1": "#fig-ruler", "Equation (1.1)": "#eq-area"}
    assert html.select_one("#eq-area .equation-number").get_text() == "(1.1)"  # type: ignore[union-attr]
    assert html.select_one(".missing-reference").get_text() == "@fig-growth"  # type: ignore[union-attr]
