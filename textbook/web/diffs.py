"""Word diffs: what changed between two texts, word by word, unchanged lines folded."""

from __future__ import annotations

import difflib
import re

from markupsafe import Markup, escape

WORDS = re.compile(r"\S+[^\S\n]*\n?|\s+")  # a word, the spaces after it and one newline


def word_diff(old: str, new: str, context: int | None = 2) -> Markup:
    """A readable inline diff, word by word: removed words struck out, added ones marked.

    Unchanged lines further than `context` lines from a change fold into one line that says how
    many there are (None shows every line), so a one-word change to a long section stays short.
    """
    old_words, new_words = WORDS.findall(old), WORDS.findall(new)
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    lines: list[tuple[bool, str]] = []  # (changed, the line as HTML), each line on its own
    pieces: list[str] = []
    changed = False
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        runs = [("", "".join(old_words[i1:i2]))] if tag == "equal" else []
        runs += [("del", "".join(old_words[i1:i2]))] if tag != "equal" and i2 > i1 else []
        runs += [("ins", "".join(new_words[j1:j2]))] if tag != "equal" and j2 > j1 else []
        for mark, text in runs:
            for n, part in enumerate(text.split("\n")):
                if n:  # a new line starts: the line so far is done
                    lines.append((changed, "".join(pieces)))
                    pieces, changed = [], bool(mark)  # a changed newline marks both lines
                if part:
                    pieces.append(f"<{mark}>{escape(part)}</{mark}>" if mark else str(escape(part)))
                    changed = changed or bool(mark)
    if pieces or changed:
        lines.append((changed, "".join(pieces)))
    text = ""
    for n, (is_fold, line) in enumerate(shown := fold(lines, context)):
        # A fold is a block of its own: a newline beside it would show as an empty line.
        text += line if n == 0 or is_fold or shown[n - 1][0] else "\n" + line
    return Markup(text)  # every piece escaped above


def fold(lines: list[tuple[bool, str]], context: int | None) -> list[tuple[bool, str]]:
    """The lines near a change, with each run of the others replaced by a note of its length.

    Returns (is it a note, HTML) for each line shown.
    """
    if context is None:
        return [(False, line) for _, line in lines]
    near = [False] * len(lines)
    for n, (changed, _) in enumerate(lines):
        if changed:
            for m in range(max(0, n - context), min(len(lines), n + context + 1)):
                near[m] = True
    shown: list[tuple[bool, str]] = []
    hidden: list[str] = []

    def end_of_run() -> None:
        if len(hidden) >= 3:  # a note in place of fewer lines would save nothing
            shown.append((True, folded(len(hidden))))
        else:
            shown.extend((False, line) for line in hidden)
        hidden.clear()

    for n, (_, line) in enumerate(lines):
        if near[n]:
            end_of_run()
            shown.append((False, line))
        else:
            hidden.append(line)
    end_of_run()
    return shown


def folded(count: int) -> str:
    noun = "line" if count == 1 else "lines"
    return f'<span class="fold">\u22ef {count} unchanged {noun}</span>'
