"""Schemathesis against the app's own /openapi.json: the document's examples, boundary cases and
generated requests, valid and not, for every operation, sent with an editor's real token. No
answer may be a 5xx or contradict the document: status, content type, body and headers.

SQLite only: the other web tests already run every endpoint on both stores."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.core import NotSet
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.hypothesis.builder import (
    HypothesisTestConfig,
    HypothesisTestMode,
    create_test,
)
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import QUICK_HASHER, SAMPLE, import_folder
from textbook.config import Settings
from textbook.domain.errors import InvalidInput
from textbook.storage import open_textbook
from textbook.web import api
from textbook.web.app import create_app
from textbook.web.openapi import (
    ASK_REVIEW_BODY,
    BOOK_BODY,
    DETAILS_BODY,
    IMAGE_BODY,
    NEED_BODY,
    NEW_CHAPTER_BODY,
    NEW_SECTION_BODY,
    OPENAPI,
    PROPOSAL,
    PROPOSAL_BODY,
    REVIEW_BODY,
    REVISION_BODY,
)

BODIES = {
    "/api/books": BOOK_BODY,
    "/api/books/{slug}/details/proposals": DETAILS_BODY,
    "/api/books/{slug}/sections/{section}/proposals": PROPOSAL_BODY,
    "/api/proposals/{proposal}/reviews": REVIEW_BODY,
    "/api/proposals/{proposal}/revisions": REVISION_BODY,
    "/api/proposals/{proposal}/images": IMAGE_BODY,
    "/api/books/{slug}/sections/{section}/needs": NEED_BODY,
    "/api/books/{slug}/chapters": NEW_CHAPTER_BODY,
    "/api/books/{slug}/chapters/{chapter}/sections": NEW_SECTION_BODY,
    "/api/proposals/{proposal}/review-requests": ASK_REVIEW_BODY,
}
# What only the proposal's author (alice) may do; bob, an editor, sends the rest.
AUTHORS_OPERATIONS = (
    "/api/proposals/{proposal}/revisions",
    "/api/proposals/{proposal}/withdraw",
    "/api/proposals/{proposal}/images",
)
# What a request that reaches the domain and succeeds answers, if not 201 for POST, 200 for GET.
SUCCESS = {"/api/proposals/{proposal}/withdraw": 200}


def valid_bodies_pass_the_api_check(ctx: Any, response: Any, case: schemathesis.Case[Any]) -> None:
    """A body the document calls valid passes the API's own check of its shape and size: if it
    is refused, the domain refused it."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    if case.operation.path in BODIES and not isinstance(case.body, NotSet):
        try:
            api.checked(case.body, BODIES[case.operation.path])
        except InvalidInput as refusal:
            raise AssertionError(f"The API refuses a valid body: {refusal.message}") from None


# Schemathesis's checks that judge one response on its own, and ours; the stateful ones
# (use_after_free, ensure_resource_availability) follow links the document does not declare.
CHECKS = [
    valid_bodies_pass_the_api_check,
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]
# A body over TEXTBOOK_MAX_BODY is refused with 413 before anyone reads it, valid or not.
REFUSED = "400 401 403 404 405 409 413 415 422".split()
CONFIG = schemathesis.Config.from_dict(
    {"checks": {"negative_data_rejection": {"expected-statuses": REFUSED}}}
)
OPERATIONS = [(method.upper(), path) for path, item in OPENAPI["paths"].items() for method in item]
FUZZING = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture
def sample_settings(tmp_path: Path) -> Settings:
    """The sample book, whose slug and section the document's examples name; alice authors, bob
    and emmy edit, and alice has opened a proposal."""
    settings = Settings(
        database=str(tmp_path / "textbook.sqlite"),
        build_dir=tmp_path / "build",
        var=tmp_path / "var",  # the session key file goes to tmp_path/var
        password_hasher=QUICK_HASHER,
    )
    store = open_textbook(settings)
    import_folder(store, SAMPLE)
    for name, role in (("alice", "author"), ("bob", "editor"), ("emmy", "editor")):
        store.register_user(name, f"{name}@example.org", "correct horse")
        store.grant("numerical-methods", name, role)
    store.close()
    return settings


class Run:
    """The schema as loaded from the running app, and what the app answered."""

    def __init__(self, settings: Settings) -> None:
        store = open_textbook(settings)
        self.token = store.create_token("bob")
        self.authors_token = store.create_token("alice")  # for what only the author may do
        text = "## Bisection {#bisection}\n\nHalve the bracket.\n"
        self.proposal = str(store.propose_edit("numerical-methods", "bisection", text, "", "alice"))
        store.close()
        app = create_app(settings)
        self.schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)
        self.statuses: Counter[int] = Counter()
        existing_resources(self.schema, self.proposal)

    def answer(self, case: schemathesis.Case[Any]) -> None:
        author = case.operation.path in AUTHORS_OPERATIONS
        token = self.authors_token if author else self.token
        headers = {"Authorization": f"Bearer {token}"}
        header = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
        if header is not None and not header.mode.is_positive:
            headers = {}  # the case is meant to lack the token: send none
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        self.statuses[response.status_code] += 1

    def operation_test(self, method: str, path: str) -> Any:
        """Schemathesis's own test of one operation: examples, coverage, then fuzzing."""
        return create_test(
            operation=self.schema[path][method],
            test_func=self.answer,
            config=HypothesisTestConfig(
                project=self.schema.config,
                modes=list(HypothesisTestMode),
                explicit_settings=FUZZING,
            ),
        )


def existing_resources(schema: schemathesis.BaseSchema, proposal: str) -> None:
    """Hooks that make requests name the resources that exist, not only generated ones."""

    @schema.hook
    def flatmap_path_parameters(context: Any, parameters: dict[str, Any] | None) -> Any:
        """Generated values half the time, the sample book, its section and a proposal the other."""
        if not parameters:
            return st.just(parameters)
        existing = {
            "slug": "numerical-methods",
            "section": "bisection",
            "chapter": "root-finding",
            "proposal": proposal,
        }
        known = {name: existing[name] for name in parameters}
        return st.sampled_from([parameters, {**parameters, **known}])

    @schema.hook
    def map_case(context: Any, case: schemathesis.Case[Any]) -> schemathesis.Case[Any]:
        """The document's example proposal is alice's, here."""
        if case.path_parameters and case.path_parameters.get("proposal") == PROPOSAL["example"]:
            case.path_parameters = {**case.path_parameters, "proposal": proposal}
        return case


@pytest.fixture
def run(sample_settings: Settings) -> Iterator[Run]:
    yield Run(sample_settings)
    asgi.shutdown_lifespans()  # loading the schema started the app's lifespan: close the store


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[" ".join(o) for o in OPERATIONS])
def test_every_answer_is_one_the_document_promises(run: Run, method: str, path: str) -> None:
    run.operation_test(method, path)()
    # The run reached the domain: something was found, or created, not only refused.
    assert run.statuses[SUCCESS.get(path, 201 if method == "POST" else 200)], run.statuses


def test_a_base_revision_written_as_1_0_is_a_whole_number() -> None:
    """JSON Schema counts 1.0 as an integer, and so does the API (schemathesis sent one)."""
    body = api.checked({"base_revision": 1.0, "text": "## A {#a}\n"}, PROPOSAL_BODY)
    assert body == {
        "base_revision": 1,
        "text": "## A {#a}\n",
        "message": "",
        "images": [],
        "needs": [],
    }
    assert type(body["base_revision"]) is int
    for wrong in (1.5, True, float("inf")):
        with pytest.raises(InvalidInput, match="whole number"):
            api.checked({"base_revision": wrong, "text": "## A {#a}\n"}, PROPOSAL_BODY)
