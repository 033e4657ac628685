"""The editor's preview tried by an author who wants around the apparatus: spans and links that
would pass for the book's cross-references and page references, ids the book makes itself, and
markup and addresses in index entries, terms, descriptions and captions. The preview shows what
the author wrote as text, names the forged ids as problems, and records nothing."""

from __future__ import annotations

from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.conftest import event_count
from tests.web.conftest import csrf_of, sign_in
from textbook.config import Settings
from textbook.storage import open_textbook

TEXT = """## Measuring {#measuring}

Forged: [(p. 99)]{.pageref data-ref="first--measuring"} [Figure 9.9]{.cross-reference}
[see here](#measuring){.cross-reference} [note]{.footnote} []{#tbp-1} [top]{#page-3}.

[quote"><script>alert(1)</script>]{.index} [m]{.index index="javascript:alert(1)"}
[w]{.term term="x\\" onmouseover=\\"alert(2)"}

![A ruler.](images/ruler.svg){#fig-ruler desc="\\"><script>alert(3)</script>"}

```{#lst-a caption="<img src='http://127.0.0.1:9/x.png'>"}
print(1)
```

See @lst-a and @fig-<x>.
"""


def test_the_preview_honours_nothing_forged_and_shows_markup_as_text(
    client: TestClient, web_settings: Settings
) -> None:
    app = open_textbook(web_settings)
    before = event_count(app)
    sign_in(client, "alice")
    page = client.get("/books/tiny/sections/measuring/edit")
    data = {"csrf": csrf_of(page.text), "book": "tiny", "text": TEXT}
    response = client.post("/preview", data={**data, "kind": "edit", "section": "measuring"})
    assert response.status_code == 200, response.text
    raw = response.json()["html"]
    for live in ("<script>alert", "<img src='http", "onmouseover=", 'href="javascript:'):
        assert live not in raw, live
    html = BeautifulSoup(raw, "html.parser")
    problems = " ".join(li.get_text(" ", strip=True) for li in html.select(".problems li"))
    assert "the id 'tbp-1' is one the published book makes itself" in problems
    assert "the id 'page-3' is one the published book makes itself" in problems
    assert "is not in the glossary" in problems  # the term
    assert "the reference '@fig-<x' points at no label" in problems
    for forged in (".pageref", ".footnote", "#tbp-1", "#page-3"):
        assert html.select(forged) == [], forged
    assert [a.get_text(" ", strip=True) for a in html.select("a.cross-reference")] == [
        "Listing 1.1"
    ]
    text = " ".join(html.get_text().split())
    assert "(p. 99)" in text and "Figure 9.9" in text and "see here" in text
    assert "<img src='http://127.0.0.1:9/x.png'>" in text  # the listing's caption, as text
    image = html.select_one("#fig-ruler img")
    assert image is not None and '"><script>alert(3)</script>' in str(image["alt"])
    assert event_count(app) == before
    app.close()
