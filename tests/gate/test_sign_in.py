"""Signing in: the lock on wrong passwords holds under parallel guesses, and names with and
without an account get the same answers in the same time."""

from __future__ import annotations

import re
import threading
import time

import httpx2 as httpx

from tests.live import PASSWORD, LiveServer, csrf_of, form


def attempt(live: LiveServer, name: str, password: str) -> httpx.Response:
    with live.client() as client:
        csrf = csrf_of(client.get("/signin").text)
        return client.post("/signin", data={"csrf": csrf, "name": name, "password": password})


def test_thirty_parallel_wrong_guesses_then_the_right_one_do_not_sign_in(
    live: LiveServer,
) -> None:
    before = live.fingerprint()
    clients = [live.client() for _ in range(30)]
    tokens = [csrf_of(client.get("/signin").text) for client in clients]
    start = threading.Barrier(30)
    answers: list[int] = []

    def guess(index: int) -> None:
        start.wait()
        response = clients[index].post(
            "/signin", data={"csrf": tokens[index], "name": "carol", "password": f"guess {index}"}
        )
        answers.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(index,)) for index in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    assert len(answers) == 30 and set(answers) <= {401, 429}, answers
    assert answers.count(401) <= 5  # at most five passwords were checked
    right = attempt(live, "carol", PASSWORD)
    assert right.status_code == 429
    assert "Retry-After" in right.headers and "textbook_session" not in str(right.cookies)
    assert "locked" in right.text
    with live.client() as client:
        assert client.get("/profile").status_code == 303
    # Wrong passwords are recorded on the account (at most five events); nothing else changes.
    after = live.fingerprint()
    assert after.blobs == before.blobs and after.read_models == before.read_models
    assert before.events < after.events <= before.events + 5


def same_answer(first: httpx.Response, second: httpx.Response, names: tuple[str, str]) -> None:
    """Same status, same headers (but the date and a fresh cookie), the same page but for
    the name typed in and the form's CSRF token. A lockout's Retry-After counts down from
    when each lock began, so the two may be a few seconds apart on a busy machine."""
    assert first.status_code == second.status_code
    ignored = {"date", "set-cookie", "content-length", "retry-after"}
    waits = [response.headers.get("retry-after") for response in (first, second)]
    assert (waits[0] is None) == (waits[1] is None), waits
    if waits[0] is not None and waits[1] is not None:
        assert abs(int(waits[0]) - int(waits[1])) <= 10, waits
    assert {k: v for k, v in first.headers.items() if k not in ignored} == {
        k: v for k, v in second.headers.items() if k not in ignored
    }
    token = re.compile(r'name="csrf" value="[^"]+"')
    pages = [token.sub("", first.text.replace(names[0], "NAME"))]
    pages.append(token.sub("", second.text.replace(names[1], "NAME")))
    assert pages[0] == pages[1]


def test_names_with_and_without_an_account_get_the_same_answers(live: LiveServer) -> None:
    known, unknown = "dave", "davide"
    for _ in range(4):
        same_answer(
            attempt(live, known, "wrong one"), attempt(live, unknown, "wrong one"), (known, unknown)
        )
    # The fifth wrong password locks both, with the same page and Retry-After.
    fifth = attempt(live, known, "wrong five"), attempt(live, unknown, "wrong five")
    assert fifth[0].status_code == 429
    same_answer(*fifth, (known, unknown))
    locked = attempt(live, known, PASSWORD), attempt(live, unknown, PASSWORD)
    assert locked[0].status_code == 429
    same_answer(*locked, (known, unknown))


def test_names_with_and_without_an_account_take_the_same_time(live: LiveServer) -> None:
    """The fastest of four tries each, interleaved; before, a name without an account was
    answered without hashing, several times faster. The fastest try is what the work
    itself costs: on a busy machine other processes only ever add to a try, never take
    away, so the minimum is steady where a median or a mean is not. The account signs up
    through the server, so that its hash has the server's parameters (the seeded ones are
    cheaper)."""
    with live.client() as client:
        data = {"name": "roberto", "email": "roberto@example.org", "password": "long enough"}
        assert (
            client.post("/signup", data={"csrf": form(client, "/signup"), **data}).status_code
            == 303
        )
    times: dict[str, list[float]] = {"roberto": [], "roberta": []}
    for _ in range(4):  # a fifth wrong password would lock the account
        for name in times:
            with live.client() as client:
                csrf = csrf_of(client.get("/signin").text)
                started = time.perf_counter()
                response = client.post(
                    "/signin", data={"csrf": csrf, "name": name, "password": "not it"}
                )
                times[name].append(time.perf_counter() - started)
            assert response.status_code == 401
    known, unknown = (min(values) for values in times.values())
    assert 0.4 < unknown / known < 2.5, times
