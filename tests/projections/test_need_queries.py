"""The task board's question costs the same few statements however many needs a book has."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.community_history import NOW, write_history
from textbook.domain.application import Textbook
from textbook.projections.queries import Queries
from textbook.storage import Sql


def test_the_board_asks_a_few_statements_not_some_per_need(
    app: Textbook, queries: Callable[[], Queries], monkeypatch: pytest.MonkeyPatch
) -> None:
    history = write_history(app)
    asked = queries()
    statements: list[str] = []
    execute = Sql.execute

    def counted(self: Sql, statement: str, *args: Any, **kwargs: Any) -> Any:
        statements.append(statement)
        return execute(self, statement, *args, **kwargs)

    monkeypatch.setattr(Sql, "execute", counted)
    found = asked.needs("tiny", now=NOW, include_closed=True)
    assert len(found) == len(history.needs) == 7
    # The book, its needs, their answers, its section titles: never a statement per need.
    assert len(statements) <= 6, statements
    titles = {need.section_title for need in found}
    assert titles == {"Summing", "Counting", "Second Thoughts", "Measuring", "First Steps"}
    monkeypatch.undo()
    assert [n.section_title for n in asked.needs("tiny", now=NOW, kind="exercises")] == [
        "Second Thoughts"
    ]
