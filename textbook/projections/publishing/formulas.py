"""Formulas for print: TeX drawn as SVG by ziamath, since WeasyPrint cannot lay out MathML."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ziamath.config import config as ziamath_config
from ziamath.zmath import Latex

from textbook.files import write_atomically
from textbook.projections.publishing.cache import Cache, digest

# ziamath's drawing style lives in one object per process: each renderer sets its own for the
# length of its drawing, one drawing at a time, and puts the one it found back.
ZIAMATH = threading.Lock()

# ziamath draws a row's spacing (`\\[4pt]`) as text and has no eqnarray: the same formula in
# what it knows (the spacing is dropped, eqnarray is the rcl array it always was).
ROW_SPACING = re.compile(r"\\\\\s*\[\s*-?[\d.]+\s*(?:pt|pc|em|ex|mm|cm|in|bp|mu)\s*\]")
EQNARRAY = re.compile(r"\\(begin|end)\{eqnarray\*?\}")
COMMENT = re.compile(r"(?<!\\)%[^\n]*")
LINE_BREAK = re.compile(r"\s*\n\s*")


def printable_tex(tex: str) -> str:
    """The formula in the TeX that ziamath draws as LaTeX would."""
    # A line break in TeX is a space (ziamath drops it: "\textrm{is\nodd}" came out "isodd"),
    # after the comments it ends are gone.
    tex = LINE_BREAK.sub(" ", COMMENT.sub("", tex))
    tex = ROW_SPACING.sub(lambda _: "\\\\", tex)
    return EQNARRAY.sub(
        lambda m: "\\begin{array}{rcl}" if m.group(1) == "begin" else "\\end{array}", tex
    )


@dataclass(frozen=True)
class MathRenderer:
    """How formulas are drawn: ziamath's font size for SVG units (the CSS scales the result in
    em), and whether SVG 2 (<symbol>/<use>) may be used. By default plain paths: WeasyPrint
    draws a <use> differently the second time, and a chapter's layout is drawn again whenever
    a later build reuses it."""

    size: float = 20.0
    svg2: bool = False

    def svg(self, tex: str, display: bool) -> bytes:
        """The formula as SVG; b"" for one that ziamath cannot draw."""
        with ZIAMATH:
            found = ziamath_config.svg2
            ziamath_config.svg2 = self.svg2
            try:
                return Latex(printable_tex(tex), size=self.size, inline=not display).svg().encode()
            except Exception:  # any formula ziamath cannot draw: its source is shown instead
                return b""
            finally:
                ziamath_config.svg2 = found

    def image(self, tex: str, display: bool, folder: Path, cache: Cache) -> dict[str, Any]:
        """An Image node showing the formula, its SVG written under `folder`/math."""
        key = digest("math-paths", tex, str(display), repr(self))
        svg = cache.get("math", key)
        if svg is None:
            svg = self.svg(tex, display)
            cache.put("math", key, svg)
        if not svg:
            return {"t": "Code", "c": [["", ["math-source"], []], tex]}
        write_atomically(folder / "math" / f"{key}.svg", svg)
        view = re.search(rb'viewBox="([-\d. ]+)"', svg)
        _, top, width, height = (float(v) for v in view.group(1).split()) if view else (0, 0, 0, 0)
        # Both sizes in em, so the formula scales with the text and a display one can be centred.
        size = self.size
        style = (
            f"width:{width / size:.3f}em;height:{height / size:.3f}em;"
            f"vertical-align:{-(top + height) / size:.3f}em"
        )
        classes = ["math", "display" if display else "inline"]
        attr = ["", classes, [["style", style]]]
        alt = [{"t": "Str", "c": tex}]
        return {"t": "Image", "c": [attr, alt, [f"math/{key}.svg", ""]]}
