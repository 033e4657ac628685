"""The JSON API under /api/."""

from __future__ import annotations

from typing import Any

routes: list[Any] = []
