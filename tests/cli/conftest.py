from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result

from tests.conftest import QUICK_HASHING
from textbook.cli import cli
from textbook.config import Settings

Run = Callable[..., Result]


@pytest.fixture
def run(settings: Settings) -> Run:
    """Run `textbook ARGS...` against the test's store, as a user would at the shell."""
    runner = CliRunner(env=QUICK_HASHING)

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, ["--database", settings.database, *args], input=input)

    return invoke
