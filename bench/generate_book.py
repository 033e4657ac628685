"""Generate a large, deterministic book in textbook's source format, for benchmarks.

    python bench/generate_book.py [--chapters 50] [--words 70000] [--out build/bench/large-book]

The book's slug is the output folder's name. The same arguments always write byte-identical
files: the text comes from a fixed word list and a random generator with a fixed seed. The text
is pseudo-English (it need not make sense) with, in every chapter, inline and display math, a
fenced code block, a pipe table, a footnote, a citation, a cross-reference to another chapter,
and in every fifth chapter a figure with a small SVG image. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import random
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

SEED = 20240917
IDENTIFIER = "urn:uuid:3d0c8f52-6a1e-4b7d-9c2f-5e8a1b4d7c90"
WRAP = 78
KEEP = "\x00"  # a space that wrapping must not break at
MIN_SECTIONS, MAX_SECTIONS = 4, 6


def split(words: str) -> list[str]:
    return words.split()


IRREGULAR = {"basis": "bases", "matrix": "matrices", "series": "series", "data": "data"}


def plural(noun: str) -> str:
    if noun in IRREGULAR:
        return IRREGULAR[noun]
    if noun.endswith(("s", "x", "sh", "ch")):
        return noun + "es"
    if noun.endswith("y") and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


NOUNS = split("""
algorithm approximation array basis bound coefficient column computation condition constant
convergence curve data derivative difference dimension domain eigenvalue element equation error
estimate factor field formula function gradient grid integral interval iteration kernel layer
limit matrix measure mesh method model node norm operator order parameter partition point
polynomial problem procedure process product quantity rate ratio region remainder residual
result rule sample scheme sequence series set solution space step structure sum system term
tolerance transform value variable vector weight
""")

ADJECTIVES = split("""
accurate adaptive additional approximate arbitrary asymptotic bounded careful central classical
compact complete consistent continuous convex corresponding crude different discrete efficient
explicit exact finite first following general given global implicit important initial large
linear local lower mixed modest natural negative nonlinear numerical optimal ordinary orthogonal
particular positive practical previous primary reasonable regular relative robust second simple
small smooth sparse stable standard straightforward suitable symmetric total typical uniform
unknown upper useful usual weighted
""")

VERBS = split("""
approximates bounds changes computes controls converges defines depends determines describes
dominates estimates follows gives governs improves increases introduces limits measures
minimises models needs preserves produces reduces represents requires satisfies shows solves
suggests supports yields
""")

ADVERBS = split("""
accordingly carefully clearly directly easily exactly fairly gradually largely mostly naturally
nearly often quickly rapidly rarely roughly simply slowly steadily strictly typically usually
""")

PREPOSITIONS = split("of on in for with along over across under between near")
DETERMINERS = split("the the the a every each this that some any")
CONNECTIVES = ["and", "but", "so", "while", "because", "although", "whereas", "since"]
OPENERS = [
    "In practice,",
    "For this reason,",
    "As a rule,",
    "In the same way,",
    "By contrast,",
    "On the other hand,",
    "In most cases,",
    "Put simply,",
    "As before,",
    "At first sight,",
]

SURNAMES = split("""
Abel Bernoulli Cauchy Dahlquist Euler Fourier Galerkin Hermite Householder Jacobi Kutta Lanczos
Legendre Newton Ostrowski Richardson Runge Simpson Taylor Wilkinson
""")
GIVEN = split("Ada Boris Clara David Elena Felix Greta Hugo Irene Jonas Karin Lena Marta Nils")
JOURNALS = [
    "Journal of Numerical Words",
    "Proceedings of the Society of Approximation",
    "Annals of Computation",
    "Review of Applied Iteration",
]

INLINE_MATH = [
    r"$x_{k+1} = x_k - f(x_k)/f'(x_k)$",
    r"$\|e_{k+1}\| \le C \|e_k\|^2$",
    r"$h = (b - a)/n$",
    r"$O(h^{p})$",
    r"$\lambda_{\max}(A)$",
    r"$\kappa(A) = \|A\| \, \|A^{-1}\|$",
    r"$u'(t) = f(t, u(t))$",
    r"$|r_n| < \varepsilon$",
    r"$p_n(x) = \sum_{j=0}^{n} c_j x^j$",
    r"$0 < \theta < 1$",
]

DISPLAY_MATH = [
    r"\int_a^b f(x)\,dx \approx \frac{h}{2} \sum_{k=0}^{n-1} \bigl(f(x_k) + f(x_{k+1})\bigr)",
    r"\|x - \hat{x}\| \le \kappa(A) \, \frac{\|r\|}{\|b\|} \, \|x\|",
    r"u_{n+1} = u_n + h \, f\!\left(t_n + \tfrac{h}{2}, u_n + \tfrac{h}{2} f(t_n, u_n)\right)",
    r"f(x) = \sum_{k=0}^{n} \frac{f^{(k)}(a)}{k!} (x - a)^k + R_n(x)",
    r"A = Q R, \qquad Q^{\mathsf{T}} Q = I",
    r"e_{k+1} \approx \frac{f''(\xi)}{2 f'(\xi)} \, e_k^2",
]


@dataclass
class Writer:
    """Makes pseudo-English from the word lists."""

    rng: random.Random

    def noun_phrase(self) -> str:
        parts = [self.rng.choice(DETERMINERS)]
        if self.rng.random() < 0.6:
            parts.append(self.rng.choice(ADJECTIVES))
        parts.append(self.rng.choice(NOUNS))
        if self.rng.random() < 0.35:
            parts += [self.rng.choice(PREPOSITIONS), "the", self.rng.choice(NOUNS)]
        phrase = " ".join(parts)
        if phrase.startswith("a ") and phrase[2] in "aeio":
            phrase = "an " + phrase[2:]
        return phrase

    def clause(self) -> str:
        verb = self.rng.choice(VERBS)
        clause = f"{self.noun_phrase()} {verb} {self.noun_phrase()}"
        if self.rng.random() < 0.25:
            clause += " " + self.rng.choice(ADVERBS)
        return clause

    def sentence(self, extra: str = "") -> str:
        text = self.clause()
        if self.rng.random() < 0.4:
            text += f" {self.rng.choice(CONNECTIVES)} {self.clause()}"
        note = ""
        if extra.startswith("[^"):
            note = extra  # a footnote mark follows the full stop
        elif extra:
            text += f" {extra}"
        if self.rng.random() < 0.15:
            text = f"{self.rng.choice(OPENERS)} {text}"
        text = text[0].upper() + text[1:] + "." + note
        return text

    def paragraph(self, inserts: list[str] | None = None, sentences: int = 0) -> str:
        """A wrapped paragraph of 3-6 sentences; each insert goes at the end of one sentence."""
        inserts = list(inserts or [])
        count = max(sentences or self.rng.randint(3, 6), len(inserts))
        slots = sorted(self.rng.sample(range(count), len(inserts)))
        out = []
        for index in range(count):
            extra = inserts.pop(0) if slots and slots[0] == index else ""
            if slots and slots[0] == index:
                slots.pop(0)
            out.append(self.sentence(extra))
        return wrap(" ".join(out))

    def title(self, words: int) -> str:
        pool = [self.rng.choice(ADJECTIVES), plural(self.rng.choice(NOUNS))]
        if words > 2:
            pool = [self.rng.choice(ADJECTIVES), self.rng.choice(NOUNS), "and", pool[1]]
        return " ".join(word[0].upper() + word[1:] if word != "and" else word for word in pool)


def words_in(text: str) -> int:
    return len(text.split())


def wrap(text: str) -> str:
    """Wrap prose at WRAP columns, never inside a piece of markup made by `keep`."""
    lines = textwrap.wrap(text, WRAP, break_long_words=False, break_on_hyphens=False)
    return "\n".join(lines).replace(KEEP, " ")


def keep(markup: str) -> str:
    """The markup with its spaces protected from wrapping (math, citations, link text)."""
    return markup.replace(" ", KEEP)


def code_block(rng: random.Random, number: int) -> str:
    name = f"{rng.choice(ADJECTIVES)}_{rng.choice(NOUNS)}"
    tolerance = rng.choice(["1e-8", "1e-10", "1e-12"])
    steps = rng.choice([20, 50, 100, 200])
    return "\n".join(
        [
            "```python",
            f"# {name}: chapter {number}, a heading-like comment inside code",
            f"def {name}(f, x0, tol={tolerance}, max_steps={steps}):",
            "    x = x0",
            "    for step in range(max_steps):",
            "        dx = f(x) / (2 * x + 1)",
            "        x = x - dx",
            "        if abs(dx) < tol:",
            "            return x, step",
            f'    raise RuntimeError("no convergence after {steps} steps")',
            "```",
        ]
    )


def table(rng: random.Random) -> str:
    rows = ["| Method | Order | Cost per step | Error |", "|---|---:|---:|---:|"]
    for _ in range(rng.randint(3, 5)):
        method = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
        order = rng.randint(1, 6)
        cost = rng.randint(1, 12) * 10
        error = f"{rng.uniform(1.0, 9.9):.1f}e-{rng.randint(3, 14):02d}"
        rows.append(f"| {method} | {order} | {cost} | {error} |")
    caption = f"Table: {rng.choice(ADJECTIVES).capitalize()} {plural(rng.choice(NOUNS))} compared."
    return "\n".join(rows) + "\n\n" + caption


def svg(rng: random.Random, number: int) -> bytes:
    points = " ".join(f"{x * 10},{rng.uniform(5, 95):.1f}" for x in range(21))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100" width="200" height="100">'
        f"<title>Figure {number}</title>"
        '<rect x="0.5" y="0.5" width="199" height="99" fill="none" stroke="gray"/>'
        f'<polyline points="{points}" fill="none" stroke="black"/>'
        "</svg>\n"
    ).encode()


def bibliography(rng: random.Random, count: int) -> str:
    entries = []
    for number in range(1, count + 1):
        authors = " and ".join(
            f"{rng.choice(SURNAMES)}, {rng.choice(GIVEN)}" for _ in range(rng.randint(1, 3))
        )
        adjective, topic, use = rng.choice(ADJECTIVES), rng.choice(NOUNS), rng.choice(NOUNS)
        title = f"On {adjective} {plural(topic)} for {plural(use)}"
        first = rng.randint(1, 400)
        entries.append(
            "\n".join(
                [
                    f"@article{{key{number},",
                    f"  author = {{{authors}}},",
                    f"  title = {{{title}}},",
                    f"  journal = {{{rng.choice(JOURNALS)}}},",
                    f"  year = {{{rng.randint(1950, 2023)}}},",
                    f"  volume = {{{rng.randint(1, 80)}}},",
                    f"  pages = {{{first}--{first + rng.randint(5, 40)}}}",
                    "}",
                ]
            )
        )
    return "\n\n".join(entries) + "\n"


@dataclass(frozen=True)
class Plan:
    chapters: int
    words: int

    @property
    def width(self) -> int:
        return max(2, len(str(self.chapters)))

    def chapter_id(self, number: int) -> str:
        return f"ch{number:0{self.width}d}"

    @property
    def keys(self) -> int:
        return max(10, self.chapters)


def chapter(plan: Plan, writer: Writer, number: int) -> tuple[str, bytes | None]:
    """The chapter's Markdown (canonical: sections joined by one blank line) and its figure."""
    rng = writer.rng
    cid = plan.chapter_id(number)
    budget = plan.words // plan.chapters
    count = rng.randint(MIN_SECTIONS, MAX_SECTIONS)
    has_figure = number % 5 == 0
    others = [n for n in range(1, plan.chapters + 1) if n != number] or [number]
    target = plan.chapter_id(rng.choice(others))
    key = f"key{(number - 1) % plan.keys + 1}"
    second = f"key{rng.randint(1, plan.keys)}"
    citation = f"[@{key}]" if second == key else f"[@{key}; @{second}]"
    # Which section (1..count) gets each feature: spread them, in a shuffled order.
    features = ["math", "code", "table", "footnote", "cite", "xref"]
    if has_figure:
        features.append("figure")
    rng.shuffle(features)
    where = {feature: index % count + 1 for index, feature in enumerate(features)}

    sections = []
    intro = writer.paragraph([keep(rng.choice(INLINE_MATH))])
    sections.append(f"# {writer.title(3)} {{#{cid}}}\n\n{intro}\n")
    per_section = max(40, (budget - words_in(sections[0])) // count)
    figure = None
    for s in range(1, count + 1):
        blocks = [f"## {writer.title(rng.choice([2, 3]))} {{#{cid}-s{s}}}"]
        inserts: list[str] = []
        tail: list[str] = []
        if where["math"] == s:
            inserts.append(f"when {keep(rng.choice(INLINE_MATH))}")
            blocks.append(writer.paragraph(inserts))
            inserts = []
            blocks.append(f"$$\n{rng.choice(DISPLAY_MATH)}\n$$")
        if where["code"] == s:
            blocks.append(writer.paragraph(sentences=2))
            blocks.append(code_block(rng, number))
        if where["table"] == s:
            blocks.append(writer.paragraph(sentences=2))
            blocks.append(table(rng))
        if where["cite"] == s:
            inserts.append(f"as shown by {keep(citation)}")
        if where["xref"] == s:
            inserts.append(f"[see](#{target}-s1)")
        if where["footnote"] == s:
            inserts.append(f"[^{cid}-note]")
            tail.append(f"[^{cid}-note]: {writer.sentence()}")
        if has_figure and where["figure"] == s:
            figure = svg(rng, number)
            inserts.append(f"as {keep(f'[the figure](#fig-{number:0{plan.width}d})')} shows")
            caption = f"{writer.title(2)} for chapter {number}."
            blocks.append(writer.paragraph(inserts))
            inserts = []
            blocks.append(
                f"![{caption}](images/fig{number:0{plan.width}d}.svg)"
                f"{{#fig-{number:0{plan.width}d}}}"
            )
        if inserts or len(blocks) == 1:
            blocks.append(writer.paragraph(inserts))
        # Paragraphs average some 55 words: stop when the next would overshoot by more than half.
        used = sum(words_in(block) for block in blocks + tail)
        while used < per_section - 27:
            blocks.append(writer.paragraph())
            used += words_in(blocks[-1])
        sections.append("\n\n".join(blocks + tail) + "\n")
    return "\n".join(sections), figure


def generate(out: Path, chapters: int, words: int) -> int:
    """Write the book into `out`; returns the number of words in its chapters."""
    if chapters < 1 or words < chapters * 50:
        raise SystemExit("need at least 1 chapter and 50 words per chapter")
    plan = Plan(chapters, words)
    rng = random.Random(SEED)
    writer = Writer(rng)
    prepare(out)
    files, figures, total = [], {}, 0
    for number in range(1, chapters + 1):
        text, figure = chapter(plan, writer, number)
        total += words_in(text)
        name = f"{plan.chapter_id(number)}.md"
        (out / name).write_text(text, encoding="utf-8", newline="\n")
        files.append(name)
        if figure is not None:
            figures[f"fig{number:0{plan.width}d}.svg"] = figure
    (out / "references.bib").write_text(
        bibliography(rng, plan.keys), encoding="utf-8", newline="\n"
    )
    if figures:
        (out / "images").mkdir()
        for name, data in figures.items():
            (out / "images" / name).write_bytes(data)
    description = (
        f"A generated book of {chapters} chapter{'s' if chapters != 1 else ''} "
        f"and about {words} words of pseudo-English, "
        "with math, code, tables, footnotes, citations and figures, for benchmarks."
    )
    yaml_lines = [
        "title: A Large Benchmark Book",
        "language: en",
        "license: CC-BY-4.0",
        f"identifier: {IDENTIFIER}",
        "description: >-",
        *("  " + line for line in textwrap.wrap(description, 90)),
        "chapters:",
        *(f"  - {name}" for name in files),
    ]
    (out / "book.yaml").write_text("\n".join(yaml_lines) + "\n", encoding="utf-8", newline="\n")
    return total


def prepare(out: Path) -> None:
    """Make `out` an empty folder, deleting only files a previous run of this script wrote."""
    out.mkdir(parents=True, exist_ok=True)
    ours = [*out.glob("ch*.md"), out / "book.yaml", out / "references.bib"]
    ours += list(out.glob("images/fig*.svg"))
    for path in ours:
        if path.is_file():
            path.unlink()
    images = out / "images"
    if images.is_dir() and not any(images.iterdir()):
        images.rmdir()
    left = sorted(path.name for path in out.iterdir())
    if left:
        raise SystemExit(f"{out} holds files this script did not write: {', '.join(left)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--chapters", type=int, default=50, help="number of chapters (50)")
    parser.add_argument("--words", type=int, default=70000, help="words in total, about (70000)")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("build/bench/large-book"),
        help="the book's folder; its name is the slug (build/bench/large-book)",
    )
    args = parser.parse_args(argv)
    written = generate(args.out, args.chapters, args.words)
    print(f"Wrote {args.out}: {args.chapters} chapters, {written} words", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
