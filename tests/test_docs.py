"""The README documents every command and every setting, as datasette's test_docs does."""

from __future__ import annotations

import re
from pathlib import Path

import click

from textbook.cli import cli

README = (Path(__file__).parent.parent / "README.md").read_text()
CONFIG = (Path(__file__).parent.parent / "textbook" / "config.py").read_text()


def commands(group: click.Group, prefix: str = "textbook") -> list[str]:
    found = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += commands(command, f"{prefix} {name}")
        else:
            found.append(f"{prefix} {name}")
    return found


def test_every_command_is_in_the_readme() -> None:
    missing = [name for name in commands(cli) if f"`{name}" not in README]
    assert missing == []


def test_every_setting_is_in_the_readme() -> None:
    variables = set(re.findall(r'"(TEXTBOOK_[A-Z_]+)"', CONFIG)) | {"TEXTBOOK_USER"}
    assert variables
    assert [v for v in sorted(variables) if f"`{v}`" not in README] == []
