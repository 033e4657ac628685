"""`python -m textbook.cli`: how `textbook serve` starts its publishing worker."""

from textbook.cli import cli

cli()
