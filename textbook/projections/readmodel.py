"""A read model: its name, its tables, and the version of their shape.

Each read model declares its DDL and a version number side by side (`MODEL` in its module).
The store records the version each read model was built with; a process that finds an older
one (or none) drops that read model's tables, creates them anew and replays every event into
them (see `textbook.projections.runner.open_views`). So changing a read model's shape is: edit
its DDL, bump its version.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReadModel:
    name: str
    version: int
    ddl: tuple[str, ...]  # CREATE statements, with `{s}.` before table names

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(
            statement.split("{s}.")[1].split(" ")[0]
            for statement in self.ddl
            if statement.startswith("CREATE TABLE")
        )
