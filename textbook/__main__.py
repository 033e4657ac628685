"""`python -m textbook`: the `textbook` command."""

from textbook.cli import cli

cli()
