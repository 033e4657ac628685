"""Every form answers whatever is typed or forged into it with a page or a clear 4xx, never a 500.

Hypothesis fills the forms of the site with hostile values (NUL, control characters, markup,
huge numbers, very long text, valid words in the wrong field), signed in as an author or an
editor, with a valid CSRF token so that each request gets past the first check.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.web.conftest import csrf_of, sign_in

WORDS = ["approve", "request_changes", "reject", "comment", "editor", "author", "maintainer",
         "counting", "summing", "first", "tiny", "on", "0", "-1", "2.0", "1e9", "9" * 25,
         "../../etc/passwd", "<script>alert(1)</script>", "\x00", "a\x00b", "", " "]  # fmt: skip
values = st.one_of(
    st.sampled_from(WORDS),
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=10_000, max_size=30_000),
)
FORMS = {
    "/signup": ["name", "email", "password", "password2"],
    "/signin": ["name", "password", "next"],
    "/profile": ["label", "action", "token"],
    "/books/tiny/settings": ["name", "role", "action", "open_to_all", "user"],
    "/books/tiny/sections/counting/edit": ["text", "message", "base_revision"],
    "/books/tiny/new": ["kind", "after", "text", "message", "title"],
    "/preview": ["text", "book"],
    "/books/tiny/fork": ["slug", "title"],
    "/books/tiny/upstream/take": ["section", "resolution"],
    "/books/tiny/upstream/take-all": ["section"],
    "/books/tiny/offers": ["section"],
    "{proposal}/review": ["verdict", "comment"],
    "{proposal}/revise": ["text", "message", "base_revision"],
    "{proposal}/withdraw": ["reason"],
    "/books/tiny/needs": ["place", "kind", "reason"],
    "/books/tiny/editions": ["name"],
    "/books/tiny/sections/counting/report?p=1": ["reason", "email", "website", "token"],
}


PROPOSALS: dict[int, str] = {}  # one open proposal per test client, for the proposal forms


def proposal_of(client: TestClient) -> str:
    if id(client) not in PROPOSALS:
        sign_in(client, "alice")
        page = client.get("/books/tiny/sections/counting/edit")
        response = client.post(
            "/books/tiny/sections/counting/edit",
            data={"csrf": csrf_of(page.text), "text": "## Counting {#counting}\n\nMore.\n",
                  "message": "More", "base_revision": "1"},
            follow_redirects=False,
        )  # fmt: skip
        PROPOSALS[id(client)] = response.headers["location"]
    return PROPOSALS[id(client)]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    who=st.sampled_from(["alice", "bob"]),
    form=st.sampled_from(sorted(FORMS)),
    data=st.data(),
)
def test_hostile_form_values_never_get_a_server_error(
    client: TestClient, who: str, form: str, data: st.DataObject
) -> None:
    proposal = proposal_of(client)
    sign_in(client, who)
    fields = {
        name: data.draw(values, label=name)
        for name in FORMS[form]
        if data.draw(st.booleans(), label=f"send {name}")
    }
    csrf = csrf_of(client.get("/books/tiny/sections/counting/edit").text)
    response = client.post(
        form.format(proposal=proposal), data=fields | {"csrf": csrf}, follow_redirects=False
    )
    assert response.status_code < 500, response.text[:500]
    if response.status_code >= 400 and "text/html" in response.headers["content-type"]:
        assert re.search(r"<h1[^>]*>[^<]+</h1>", response.text)  # a page that says what is wrong
