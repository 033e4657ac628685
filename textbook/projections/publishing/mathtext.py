"""TeX math as a reader would say it in plain text: a/b, √(x), α, 𝐱; for search and its snippets."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text

# pylatexenc logs each macro it cannot expand (e.g. a \frac missing its arguments); a search
# index is built with such math as well, so those notes are not worth a log line per build.
logging.getLogger("pylatexenc").setLevel(logging.ERROR)

CONVERTER = LatexNodes2Text(math_mode="text", strict_latex_spaces=True)
BEFORE = {"\\|": "‖", "'": "′"}  # what pylatexenc drops or reads as an accent
LEFTOVER = re.compile(r"\\[A-Za-z]+|[{}\\]|%s")


@lru_cache(maxsize=4096)
def math_text(tex: str) -> str:
    """Readable text for a TeX formula; whatever cannot be read is dropped, never shown as TeX."""
    for old, new in BEFORE.items():
        tex = tex.replace(old, new)
    try:
        text = CONVERTER.latex_to_text(tex)
    except Exception:  # an unreadable formula is dropped, never a failed build
        text = tex
    return " ".join(LEFTOVER.sub(" ", text).split())
