"""Formulas for print: TeX drawn as SVG by ziamath, since WeasyPrint cannot lay out MathML."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ziamath.config import config as ziamath_config
from ziamath.tex import tex2mml
from ziamath.zmath import Math

from textbook.files import write_atomically
from textbook.projections.publishing.cache import Cache, digest
from textbook.projections.publishing.mathtext import math_text

# ziamath's drawing style lives in one object per process: each renderer sets its own for the
# length of its drawing, one drawing at a time, and puts the one it found back.
ZIAMATH = threading.Lock()

# ziamath draws a row's spacing (`\\[4pt]`) as text and has no eqnarray: the same formula in
# what it knows (the spacing is dropped, eqnarray is the rcl array it always was).
ROW_SPACING = re.compile(r"\\\\\s*\[\s*-?[\d.]+\s*(?:pt|pc|em|ex|mm|cm|in|bp|mu)\s*\]")
EQNARRAY = re.compile(r"\\(begin|end)\{eqnarray\*?\}")
COMMENT = re.compile(r"(?<!\\)%[^\n]*")
LINE_BREAK = re.compile(r"\s*\n\s*")
# A minus that starts a group, follows an opening bracket, a relation, an operator or a comma is
# a sign: TeX sets it close to what follows (an ordinary symbol), ziamath as a subtraction.
UNARY_MINUS = re.compile(
    r"(^|[({\[=<>,;:+\-*/&^_]|\\\\|\\(?:le|ge|leq|geq|ne|neq|approx|equiv|sim|simeq|cdot|times"
    r"|pm|mp|to|in|lt|gt|ll|gg|div|mapsto|rightarrow|Rightarrow|quad|qquad)(?![A-Za-z]))"
    r"(\s*)-(?!\s*[\d.]+\s*(?:pt|pc|em|ex|mm|cm|in|bp|mu)\b)"
)
# ziamath stretches an integral sign to its limits even in running text: in text it is not
# stretched (TeX's text-style integral), in a display it is.
INTEGRAL = re.compile(r"<mo>(&#x0222[B-E];|&#x0222F;|&#x02230;|&#x02231;|&#x02232;|&#x02233;)")
# The alt text of a formula's image starts with this: the PDF's finishing retags such figures as
# formulas (and drops the word); a reader of an untagged copy still hears what it is.
FORMULA_ALT = "Formula: "


def printable_tex(tex: str) -> str:
    """The formula in the TeX that ziamath draws as LaTeX would."""
    # A line break in TeX is a space (ziamath drops it: "\textrm{is\nodd}" came out "isodd"),
    # after the comments it ends are gone.
    tex = LINE_BREAK.sub(" ", COMMENT.sub("", tex))
    tex = ROW_SPACING.sub(lambda _: "\\\\", tex)
    tex = UNARY_MINUS.sub(lambda m: f"{m.group(1)}{m.group(2)}{{-}}", tex)
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
                mathml = tex2mml(printable_tex(tex), inline=not display)
                if not display:
                    mathml = INTEGRAL.sub(r'<mo stretchy="false">\1', mathml)
                return Math(mathml, size=self.size).svg().encode()
            except Exception:  # any formula ziamath cannot draw: its source is shown instead
                return b""
            finally:
                ziamath_config.svg2 = found

    def image(self, tex: str, display: bool, folder: Path, cache: Cache) -> dict[str, Any]:
        """An Image node showing the formula, its SVG written under `folder`/math."""
        key = digest("math-paths-2", tex, str(display), repr(self))
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
        if display:  # shrunk, in proportion, to the measure if wider than it
            style = f"width:{width / size:.3f}em;height:auto"
        classes = ["math", "display" if display else "inline"]
        attr = ["", classes, [["style", style]]]
        alt = [{"t": "Str", "c": FORMULA_ALT + spoken(tex)}]
        return {"t": "Image", "c": [attr, alt, [f"math/{key}.svg", ""]]}


# A script of more than one symbol keeps its grouping when said: 2^{p-1} is "2^(p-1)".
GROUPED_SCRIPT = re.compile(r"([\^_])\{([^{}]{2,})\}")
SET_BRACES = {"\\{": "\u2983", "\\}": "\u2984", "\\lbrace": "\u2983", "\\rbrace": "\u2984"}


def spoken(tex: str) -> str:
    """What a reader hears for a formula: its plain text (x = ±(1 + b_1/2), 2^(p-1)), set braces
    and grouped scripts kept; its TeX if nothing readable is left."""
    said = GROUPED_SCRIPT.sub(r"\1{(\2)}", tex)
    for brace, mark in SET_BRACES.items():
        said = said.replace(brace, mark)
    text = math_text(said).replace("\u2983", "{").replace("\u2984", "}")
    return text or tex
