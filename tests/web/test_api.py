"""The JSON API, told as a client's stories on real stores; every answer is checked against
the OpenAPI document the app serves."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

import httpx2
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from starlette.routing import Route
from starlette.testclient import TestClient

from tests.conftest import event_count
from textbook.config import Settings
from textbook.domain import ids
from textbook.domain.application import Textbook
from textbook.storage import open_textbook
from textbook.web import api as api_module
from textbook.web import book_details, starting
from textbook.web.openapi import OPENAPI

SECTION = "/api/books/tiny/sections/counting"
PROPOSALS = f"{SECTION}/proposals"
QUEUE = "/api/books/tiny/proposals"
COUNTING = "## Counting {#counting}\n\nOne, two, three, four.\n"
DOCUMENT = "urn:textbook:openapi"
REGISTRY: Registry[Any] = Registry().with_resource(DOCUMENT, DRAFT202012.create_resource(OPENAPI))
# The API's routes: most in textbook.web.api, starting a book and its details beside their pages.
ROUTES = [
    route
    for route in (*api_module.routes, *starting.routes, *book_details.routes)
    if isinstance(route, Route)
    and (route.path.startswith("/api/") or route.path == "/openapi.json")
]


def pointer(*parts: str) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def conforms(response: httpx2.Response) -> httpx2.Response:
    """The response, once its status and JSON body are those the OpenAPI document promises."""
    method, path = response.request.method.lower(), response.request.url.path
    route = next((r for r in ROUTES if r.path_regex.match(path)), None)
    if route is None:  # an address the API does not have: a JSON 404 all the same
        assert response.status_code == 404
        location = pointer("components", "schemas", "Error")
    else:
        status = str(response.status_code)
        responses = OPENAPI["paths"][route.path][method]["responses"]
        assert status in responses, f"{method} {route.path} does not document {status}"
        location = pointer(
            "paths", route.path, method, "responses", status, "content", "application/json"
        )
        location += "/schema"
    assert response.headers["content-type"] == "application/json"
    schema = {"$ref": f"{DOCUMENT}#{location}"}
    Draft202012Validator(schema, registry=REGISTRY).validate(response.json())
    if response.status_code == 401:
        assert response.headers["www-authenticate"] == "Bearer"
    return response


class Api:
    """The API as a client sees it, with a token for each person of the tiny book."""

    def __init__(self, client: TestClient, store: Textbook) -> None:
        self.client = client
        self.store = store
        people = ("alice", "bob", "carol", "mallory")
        self.tokens = {name: store.create_token(name) for name in people}

    def get(self, path: str) -> httpx2.Response:
        return conforms(self.client.get(path))

    def post(self, path: str, body: object, by: str | None = None) -> httpx2.Response:
        return self.send(path, by, json=body)

    def send(self, path: str, by: str | None = None, **request: Any) -> httpx2.Response:
        headers = dict(request.pop("headers", {}))
        if by is not None:
            headers["Authorization"] = f"Bearer {self.tokens[by]}"
        return conforms(self.client.post(path, headers=headers, **request))

    def propose(self, by: str = "alice", text: str = COUNTING, base: int = 1) -> str:
        response = self.post(PROPOSALS, {"base_revision": base, "text": text}, by)
        assert response.status_code == 201, response.text
        identifier: str = response.json()["id"]
        return identifier

    def review(
        self, proposal: str, verdict: str, by: str, comment: str = "", version: int | None = None
    ) -> httpx2.Response:
        """A review; an approval names the version read now unless `version` is given."""
        body: dict[str, Any] = {"verdict": verdict, "comment": comment}
        if verdict == "approve":
            body["version"] = version or self.get(f"/api/proposals/{proposal}").json()["version"]
        return self.post(f"/api/proposals/{proposal}/reviews", body, by)

    def state(self) -> tuple[int, Any, Any]:
        """What a refusal must leave alone: the events, the section, the proposals."""
        return event_count(self.store), self.get(SECTION).json(), self.get(QUEUE).json()


@pytest.fixture
def store(web_settings: Settings) -> Iterator[Textbook]:
    app = open_textbook(web_settings)
    yield app
    app.close()


@pytest.fixture
def api(client: TestClient, store: Textbook) -> Api:
    return Api(client, store)


def refused(response: httpx2.Response, status: int, kind: str, message: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["type"] == kind
    assert message in error["message"]


# Reading: public, no token.


def test_anyone_lists_the_books_and_reads_an_outline(api: Api) -> None:
    books = api.get("/api/books").json()
    assert [(b["slug"], b["title"], b["language"], b["license"]) for b in books] == [
        ("tiny", "A Tiny Book", "en", "CC-BY-4.0")
    ]
    assert books[0]["license_name"] == "Creative Commons Attribution 4.0 International (CC BY 4.0)"
    assert (books[0]["authors"], books[0]["editors"], books[0]["isbn"]) == ([], [], "")
    outline = api.get("/api/books/tiny").json()
    assert outline["title"] == "A Tiny Book"
    assert [(c["id"], c["title"]) for c in outline["chapters"]] == [
        ("first", "First Steps"),
        ("second", "Second Thoughts"),
    ]
    assert outline["chapters"][0]["sections"] == [
        {"id": "first", "title": "First Steps", "revision": 1},
        {"id": "counting", "title": "Counting", "revision": 1},
        {"id": "measuring", "title": "Measuring", "revision": 1},
    ]


def test_anyone_reads_a_section_and_its_history(api: Api) -> None:
    section = api.get(SECTION).json()
    assert (section["id"], section["title"], section["chapter"], section["revision"]) == (
        "counting",
        "Counting",
        "first",
        1,
    )
    assert section["text"].startswith("## Counting {#counting}\n\nOne, two, three.\n")
    history = api.get(f"{SECTION}/history").json()
    assert [(r["revision"], r["kind"], r["author"], r["message"]) for r in history] == [
        (1, "created", "mia", "Import")
    ]
    assert history[0]["proposal_id"] is None


def test_anyone_lists_a_books_named_editions(api: Api) -> None:
    assert api.get("/api/books/tiny/editions").json() == []
    api.store.mark_edition("tiny", "First edition", "bob")
    (edition,) = api.get("/api/books/tiny/editions").json()
    assert (edition["name"], edition["slug"], edition["by"]) == (
        "First edition",
        "first-edition",
        "bob",
    )
    assert edition["downloads"] == {}  # not built yet: no worker runs here
    assert edition["changes_since"] == ("/books/tiny/editions/compare?from=first-edition&to=now")


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/api/books/nope", "BookNotFound"),
        ("/api/books/nope/editions", "BookNotFound"),
        ("/api/books/nope/proposals", "BookNotFound"),
        ("/api/books/tiny/sections/nope", "SectionNotFound"),
        ("/api/books/tiny/sections/nope/history", "SectionNotFound"),
        (f"/api/proposals/{uuid.uuid4()}", "ProposalNotFound"),
        ("/api/proposals/not-a-uuid", "ProposalNotFound"),
        # An id a client can compute, but of a book, not a proposal.
        (f"/api/proposals/{ids.book_id('tiny')}", "ProposalNotFound"),
        # PostgreSQL cannot even look up a NUL; still a 404, never a 500.
        ("/api/books/%00", "BookNotFound"),
        ("/api/books/tiny/sections/%00/history", "SectionNotFound"),
        ("/api/nothing-here", "Not Found"),
    ],
)
def test_unknown_books_sections_and_proposals_are_404(api: Api, path: str, kind: str) -> None:
    refused(api.get(path), 404, kind, "")


# The review gate, through the API.


def test_author_proposes_and_another_editor_approves(api: Api) -> None:
    response = api.post(
        PROPOSALS, {"base_revision": 1, "text": COUNTING, "message": "Count to four"}, "alice"
    )
    assert response.status_code == 201
    created = response.json()
    assert response.headers["location"] == f"/api/proposals/{created['id']}"
    assert {key: created[key] for key in ("status", "book", "section", "kind", "author")} == {
        "status": "open",
        "book": "tiny",
        "section": "counting",
        "kind": "edit",
        "author": "alice",
    }
    assert (created["base_revision"], created["message"], created["text"]) == (
        1,
        "Count to four",
        COUNTING,
    )
    # Nothing is published before approval.
    assert api.get(SECTION).json()["revision"] == 1
    # The proposal shows what it changes, and its thread so far.
    proposal = api.get(f"/api/proposals/{created['id']}").json()
    assert proposal["diff"].startswith("--- counting@1\n+++ counting@proposal\n")
    assert "\n-One, two, three.\n-Four, five, six.\n" in proposal["diff"]
    assert "\n+One, two, three, four.\n" in proposal["diff"]
    assert [(r["kind"], r["by"]) for r in proposal["reviews"]] == [("opened", "alice")]
    assert [p["id"] for p in api.get(f"{QUEUE}?status=open").json()] == [created["id"]]

    approval = api.review(created["id"], "approve", "bob", "Clear.")
    assert approval.status_code == 201
    assert approval.json() == {
        "proposal": created["id"],
        "verdict": "approve",
        "status": "approved",
    }
    section = api.get(SECTION).json()
    assert (section["revision"], section["text"]) == (2, COUNTING)
    latest = api.get(f"{SECTION}/history").json()[-1]
    assert (latest["revision"], latest["author"], latest["approver"], latest["proposal_id"]) == (
        2,
        "alice",
        "bob",
        created["id"],
    )
    reviews = api.get(f"/api/proposals/{created['id']}").json()["reviews"]
    assert [(r["kind"], r["by"], r["comment"]) for r in reviews][-1] == (
        "approved",
        "bob",
        "Clear.",
    )
    # The queue is empty again; the proposal is among the approved ones.
    assert api.get(f"{QUEUE}?status=open").json() == []
    assert [p["status"] for p in api.get(f"{QUEUE}?status=approved").json()] == ["approved"]


def test_queue_filters_by_status_and_refuses_unknown_ones(api: Api) -> None:
    first, second = api.propose(), api.propose(text=COUNTING.replace("four", "four, five"))
    assert api.review(first, "request_changes", "bob", "Go on to ten.").status_code == 201
    assert api.review(second, "reject", "carol", "Not needed.").status_code == 201
    # Open includes the proposals whose author was asked for changes.
    assert [p["id"] for p in api.get(f"{QUEUE}?status=open").json()] == [first]
    assert [p["id"] for p in api.get(f"{QUEUE}?status=changes_requested").json()] == [first]
    assert [p["id"] for p in api.get(f"{QUEUE}?status=rejected").json()] == [second]
    assert [p["id"] for p in api.get(QUEUE).json()] == [first, second]
    for status in ("merged", "", "%00"):
        refused(api.get(f"{QUEUE}?status={status}"), 422, "InvalidInput", "is not a status")


# Who may write.


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Basic YWxpY2U6Y29ycmVjdCBob3JzZQ==",
        "Bearer",
        "Bearer tb_forged",
        "Bearer " + "x" * 5000,
    ],
)
def test_writes_need_a_valid_token(api: Api, authorization: str | None) -> None:
    proposal = api.propose()
    before = api.state()
    headers = {"Authorization": authorization} if authorization else {}
    body = {"base_revision": 1, "text": COUNTING.replace("four", "five")}
    refused(api.send(PROPOSALS, json=body, headers=headers), 401, "Unauthorized", "token")
    review = {"verdict": "approve", "version": 1}
    refused(
        api.send(f"/api/proposals/{proposal}/reviews", json=review, headers=headers),
        401,
        "Unauthorized",
        "token",
    )
    assert api.state() == before


def test_author_cannot_approve_own_proposal(api: Api) -> None:
    # bob is an editor, and proposes a change himself.
    proposal = api.propose(by="bob")
    before = api.state()
    refused(
        api.review(proposal, "approve", "bob"),
        403,
        "SelfApprovalRefused",
        "cannot approve their own proposal",
    )
    # alice, an author, may not approve anything.
    refused(api.review(proposal, "approve", "alice"), 403, "NotAnEditor", "not an editor")
    assert api.state() == before
    assert api.get(f"/api/proposals/{proposal}").json()["status"] == "open"
    # Another editor may.
    assert api.review(proposal, "approve", "carol").json()["status"] == "approved"
    assert api.get(SECTION).json()["text"] == COUNTING


def test_non_members_can_neither_propose_nor_review(api: Api) -> None:
    proposal = api.propose()
    before = api.state()
    body = {"base_revision": 1, "text": COUNTING.replace("four", "five")}
    refused(api.post(PROPOSALS, body, "mallory"), 403, "NotAMember", "mallory is not a member")
    refused(api.review(proposal, "comment", "mallory", "Hi!"), 403, "NotAMember", "mallory")
    refused(api.review(proposal, "approve", "mallory"), 403, "NotAnEditor", "mallory")
    assert api.state() == before


def test_writing_to_unknown_sections_and_proposals_is_404(api: Api) -> None:
    before = api.state()
    body = {"base_revision": 1, "text": "## Nope {#nope}\n\nText.\n"}
    refused(api.post(f"{SECTION}x/proposals", body, "alice"), 404, "SectionNotFound", "countingx")
    refused(
        api.post("/api/books/nope/sections/counting/proposals", body, "alice"),
        404,
        "BookNotFound",
        "nope",
    )
    for proposal in (uuid.uuid4(), "not-a-uuid", ids.book_id("tiny")):
        refused(api.review(str(proposal), "comment", "bob", "Hm."), 404, "ProposalNotFound", "")
    assert api.state() == before


# Conflicts.


def test_clashing_approval_is_409_naming_the_current_revision(api: Api) -> None:
    first = api.propose()
    second = api.propose(text="## Counting {#counting}\n\nUno, dos, tres.\n")
    assert api.review(first, "approve", "bob").status_code == 201
    before = api.state()
    response = api.review(second, "approve", "carol")
    refused(response, 409, "MergeConflict", "now at revision 2")
    assert response.json()["error"]["current_revision"] == 2
    assert api.state() == before
    assert api.get(SECTION).json()["text"] == COUNTING


def test_reviewing_a_closed_proposal_is_409(api: Api) -> None:
    proposal = api.propose()
    assert api.review(proposal, "reject", "bob", "Not needed.").json()["status"] == "rejected"
    before = api.state()
    refused(api.review(proposal, "approve", "carol"), 409, "ProposalClosed", "already rejected")
    assert api.state() == before


# Bodies the API cannot take.


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{",
        b"{'base_revision': 1}",
        b'{"base_revision": NaN}',
        b"\xff\xfe\xfa",
        b"[" * 100_000,
    ],
)
def test_malformed_json_is_400(api: Api, content: bytes) -> None:
    before = api.state()
    response = api.send(
        PROPOSALS, "alice", content=content, headers={"Content-Type": "application/json"}
    )
    refused(response, 400, "Bad Request", "not valid JSON")
    assert api.state() == before


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/jsonx"]
)
def test_bodies_not_sent_as_json_are_415(api: Api, content_type: str | None) -> None:
    before = api.state()
    headers = {"Content-Type": content_type} if content_type else {}
    content = b'{"base_revision": 1, "text": "## Counting {#counting}\\n\\nOne.\\n"}'
    response = api.send(PROPOSALS, "alice", content=content, headers=headers)
    refused(response, 415, "Unsupported Media Type", "application/json")
    assert api.state() == before
    # The same body as JSON, with a charset, is taken.
    headers = {"Content-Type": "application/json; charset=utf-8"}
    assert api.send(PROPOSALS, "alice", content=content, headers=headers).status_code == 201


def test_bodies_over_the_limit_are_413(api: Api) -> None:
    before = api.state()
    five_mb = b"x" * (5 * 1024 * 1024)
    json_type = {"Content-Type": "application/json"}
    # Declared too large: refused before anything reads it.
    response = api.send(PROPOSALS, "alice", content=five_mb, headers=json_type)
    refused(response, 413, "PayloadTooLarge", "over the limit of 4 MB")
    # Streamed without a length: refused once the limit is passed.
    chunks: Iterable[bytes] = iter([five_mb[: 1024 * 1024]] * 5)
    response = api.send(PROPOSALS, "alice", content=chunks, headers=json_type)
    assert response.status_code == 413
    assert "over the limit of 4 MB" in response.json()["error"]["message"]
    assert api.state() == before


@pytest.mark.parametrize(
    ("body", "kind", "message"),
    [
        ([1, COUNTING], "InvalidInput", "must be a JSON object"),
        ({"text": COUNTING}, "InvalidInput", "'base_revision' is missing"),
        ({"base_revision": 1}, "InvalidInput", "'text' is missing"),
        ({"base_revision": "1", "text": COUNTING}, "InvalidInput", "whole number"),
        ({"base_revision": True, "text": COUNTING}, "InvalidInput", "whole number"),
        ({"base_revision": 1.5, "text": COUNTING}, "InvalidInput", "whole number"),
        ({"base_revision": 0, "text": COUNTING}, "InvalidInput", "between 1 and"),
        ({"base_revision": 10**40, "text": COUNTING}, "InvalidInput", "between 1 and"),
        ({"base_revision": 1, "text": 42}, "InvalidInput", "'text' must be a string"),
        ({"base_revision": 1, "text": None}, "InvalidInput", "'text' must be a string"),
        ({"base_revision": 1, "text": COUNTING, "by": "bob"}, "InvalidInput", "Unknown field 'by'"),
        (
            {"base_revision": 1, "text": COUNTING, "message": "m" * 2001},
            "InvalidInput",
            "at most 2,000",
        ),
        (
            {"base_revision": 1, "text": COUNTING + "x" * 512 * 1024},
            "InvalidInput",
            "at most 524,288",
        ),
        ({"base_revision": 1, "text": COUNTING + "\x00"}, "InvalidInput", "not text"),
        # Shapes the API lets through, which the domain refuses.
        ({"base_revision": 1, "text": COUNTING + "é" * 300_000}, "InvalidSectionText", "bytes"),
        ({"base_revision": 1, "text": "One, two.\n"}, "InvalidSectionText", "first line"),
        ({"base_revision": 2, "text": COUNTING}, "InvalidInput", "has no revision 2"),
    ],
)
def test_wrongly_shaped_proposals_are_422(api: Api, body: object, kind: str, message: str) -> None:
    before = api.state()
    refused(api.post(PROPOSALS, body, "alice"), 422, kind, message)
    assert api.state() == before


def test_text_that_cannot_be_stored_is_422(api: Api) -> None:
    # A lone surrogate is valid JSON, but no UTF-8 text: it would fail deep in the store.
    content = b'{"base_revision": 1, "text": "## Counting {#counting}\\n\\n\\ud800\\n"}'
    before = api.state()
    response = api.send(
        PROPOSALS, "alice", content=content, headers={"Content-Type": "application/json"}
    )
    refused(response, 422, "InvalidInput", "not text")
    assert api.state() == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "'verdict' is missing"),
        ({"verdict": "merge"}, "'merge' is not a verdict"),
        ({"verdict": "request-changes", "comment": "More."}, "is not a verdict"),
        ({"verdict": ["approve"]}, "'verdict' must be a string"),
        ({"verdict": "approve", "comment": 5}, "'comment' must be a string"),
        ({"verdict": "approve", "score": 5}, "Unknown field 'score'"),
        ({"verdict": "comment", "comment": "c" * 20_001}, "at most 20,000"),
        ({"verdict": "comment", "comment": "\x00"}, "not text"),
        ("approve", "must be a JSON object"),
        # The domain's own refusal: asking for changes without saying which.
        ({"verdict": "request_changes", "comment": "  "}, "Say which changes"),
    ],
)
def test_wrongly_shaped_reviews_are_422(api: Api, body: object, message: str) -> None:
    proposal = api.propose()
    before = api.state()
    refused(
        api.post(f"/api/proposals/{proposal}/reviews", body, "bob"), 422, "InvalidInput", message
    )
    assert api.state() == before
    assert api.get(f"/api/proposals/{proposal}").json()["status"] == "open"


# The document that describes it all.


def test_openapi_describes_every_route_with_its_methods(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document == OPENAPI
    assert document["openapi"].startswith("3.1")
    served = {
        (route.path, method.lower())
        for route in ROUTES
        for method in route.methods or ()
        if method != "HEAD"
    }
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    assert served == described
    for path, item in document["paths"].items():
        for operation in item.values():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), path
            assert "200" in operation["responses"] or "201" in operation["responses"]


def test_openapi_schemas_are_valid_json_schemas_with_limits(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)
    proposal = schemas["EditProposalRequest"]
    assert proposal["required"] == ["base_revision", "text"]
    assert proposal["properties"]["text"]["maxLength"] == 512 * 1024
    assert proposal["additionalProperties"] is False
    assert schemas["ReviewRequest"]["properties"]["verdict"]["enum"] == [
        "approve",
        "request_changes",
        "reject",
        "comment",
    ]


# Asking an editor to review (textbook.web.api.ask_review).


def test_an_author_asks_an_editor_and_the_request_is_recorded(api: Api) -> None:
    proposal = api.propose("alice")
    asked = api.post(f"/api/proposals/{proposal}/review-requests", {"reviewer": "bob"}, "alice")
    assert asked.status_code == 201, asked.text
    assert asked.headers["location"] == f"/api/proposals/{proposal}"
    body = asked.json()
    assert (body["proposal"], body["reviewer"], body["by"]) == (proposal, "bob", "alice")


def test_refused_review_requests_change_nothing(api: Api) -> None:
    proposal = api.propose("alice")
    path = f"/api/proposals/{proposal}/review-requests"
    assert api.post(path, {"reviewer": "bob"}, "alice").status_code == 201
    before = event_count(api.store)
    refused(api.post(path, {"reviewer": "bob"}, "carol"), 409, "ReviewAlreadyRequested",
            "bob has already been asked")  # fmt: skip
    refused(api.post(path, {"reviewer": "mallory"}, "alice"), 403, "NotAnEditor",
            "mallory is not an editor")  # fmt: skip
    refused(api.post(path, {"reviewer": "alice"}, "bob"), 403, "SelfReviewRefused",
            "The author of a proposal cannot be asked")  # fmt: skip
    refused(api.post(path, {"reviewer": "carol"}, "mallory"), 403, "NotAnEditor",
            "mallory is not an editor")  # fmt: skip
    refused(api.post(path, {"reviewer": "nobody"}, "alice"), 404, "UserNotFound", "nobody")
    refused(api.post(path, {"reviewer": "b"}, "alice"), 422, "InvalidInput", "reviewer")
    refused(api.post(path, {"who": "bob"}, "alice"), 422, "InvalidInput", "Unknown field")
    assert api.post(path, {"reviewer": "carol"}).status_code == 401
    missing = "/api/proposals/00000000-0000-0000-0000-000000000000/review-requests"
    refused(api.post(missing, {"reviewer": "bob"}, "alice"), 404, "ProposalNotFound", "no proposal")
    assert event_count(api.store) == before
