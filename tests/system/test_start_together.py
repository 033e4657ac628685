"""Many processes starting at once on a new PostgreSQL schema create the tables without a race."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest

from tests.conftest import POSTGRES, postgres_schema
from textbook.config import Settings
from textbook.projections.runner import open_views
from textbook.storage import open_textbook

OPEN_STORES = """
import sys
from textbook.config import Settings
from textbook.projections.runner import open_views
from textbook.storage import open_textbook
settings = Settings(database=sys.argv[1])
app, views = open_textbook(settings), open_views(settings)
if len(sys.argv) > 2:
    app.register_user(sys.argv[2], sys.argv[2] + "@example.org", None)
app.close()
views.close()
"""


@pytest.mark.postgres
def test_eight_processes_starting_together_all_open_the_store() -> None:
    with postgres_schema() as database:
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", OPEN_STORES, database, f"user{n}"],
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(8)
        ]
        errors = [(p.communicate(timeout=120)[1], p.returncode) for p in processes]
        assert [error for error, code in errors if code != 0] == []


@pytest.mark.postgres
def test_a_process_starting_beside_busy_writers_runs_no_ddl_that_waits_for_them() -> None:
    with postgres_schema() as database:
        settings = Settings(database=database, lock_timeout=1)
        open_views(settings).close()  # the first start creates the tables
        open_textbook(settings).close()
        schema = settings.postgres().schema
        with psycopg.connect(POSTGRES) as writer:  # a transaction that is writing read models
            writer.execute(f'LOCK TABLE "{schema}".tb_proposals IN ROW EXCLUSIVE MODE')
            writer.execute(f'LOCK TABLE "{schema}".textbook_events IN ROW EXCLUSIVE MODE')
            # CREATE INDEX IF NOT EXISTS would wait for the writer (for ever, it was seen).
            opening = subprocess.run(
                [sys.executable, "-c", OPEN_STORES, database],
                capture_output=True,
                text=True,
                timeout=60,
            )
            writer.rollback()
        assert opening.returncode == 0, opening.stderr
