"""The copy check's finder: which paragraphs of a text copy a paragraph of another book, looked
up in the index of shingles (`textbook.projections.copies`), never by reading every book."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

from textbook.domain.copies import CopyMatch
from textbook.projections import shingles
from textbook.projections.views import ReadModels
from textbook.storage import Sql

CHUNK = 500  # shingles looked up per statement
MAX_ROWS = 50_000  # index rows read per check: a bound on its cost, whatever the text
MAX_MATCHES = 20  # reported per text
MAX_ELSEWHERE = 5  # other sections named as holding a paragraph found

Paragraph = tuple[str, int]  # (section's aggregate id, paragraph number)


class CopyIndex:
    """A `textbook.domain.copies.CopyFinder` on the read models (opened by `views` when first
    needed); `before` brings them up to date first (so that text approved a moment ago is
    found)."""

    def __init__(
        self, views: Callable[[], ReadModels], before: Callable[[], object] = lambda: None
    ) -> None:
        self.views_of, self.before = views, before

    def copies_in(self, text: str, book: str, known: str) -> list[CopyMatch]:
        own = {tuple(shingles.words(p)) for p in shingles.paragraphs(known)}
        compared = [
            (number, paragraph, found)
            for number, paragraph in enumerate(shingles.paragraphs(text), 1)
            if tuple(shingles.words(paragraph)) not in own
            and (found := shingles.shingles(paragraph))
        ][: shingles.MAX_PARAGRAPHS]
        if not compared:
            return []
        self.before()
        wanted = sorted({s for _, _, found in compared for s in found})
        with self.views_of().read() as sql:
            where = self._where(sql, wanted, book)
            matches = []
            for number, paragraph, found in compared:
                best = self._best(found, where)
                if best:
                    matches.append(self._match(sql, number, paragraph, best))
                if len(matches) == MAX_MATCHES:
                    break
        return matches

    @staticmethod
    def _where(sql: Sql, wanted: list[int], book: str) -> dict[int, list[Paragraph]]:
        """For each shingle wanted, the paragraphs of other books that have it."""
        where: dict[int, list[Paragraph]] = defaultdict(list)
        read = 0
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            marks = ", ".join("?" for _ in chunk)
            rows = sql.all(
                "SELECT h.shingle, h.section_uuid, h.paragraph FROM {s}.tb_copy_shingles h"
                " JOIN {s}.tb_copy_sections c ON c.section_uuid = h.section_uuid"
                f" WHERE h.shingle IN ({marks}) AND c.book_slug <> ?"
                " ORDER BY h.section_uuid, h.paragraph LIMIT ?",
                (*chunk, book, MAX_ROWS - read),
            )
            for row in rows:
                where[row["shingle"]].append((row["section_uuid"], row["paragraph"]))
            read += len(rows)
            if read >= MAX_ROWS:
                break
        return where

    @staticmethod
    def _best(found: set[int], where: dict[int, list[Paragraph]]) -> list[tuple[Paragraph, int]]:
        """The paragraphs holding at least `shingles.CONTAINED` of `found`, most first, each
        with the share it holds (per cent)."""
        shared = Counter(p for shingle in found for p in where.get(shingle, ()))
        held = sorted(shared.items(), key=lambda item: (-item[1], item[0]))
        return [
            (paragraph, round(100 * count / len(found)))
            for paragraph, count in held
            if count >= shingles.CONTAINED * len(found)
        ]

    @staticmethod
    def _match(sql: Sql, number: int, text: str, best: list[tuple[Paragraph, int]]) -> CopyMatch:
        (section, paragraph), score = best[0]
        others = sorted({s for (s, _), _ in best[1:]} - {section})[:MAX_ELSEWHERE]
        marks = ", ".join("?" for _ in others) or "''"
        elsewhere = sql.all(
            "SELECT book_slug, section_id FROM {s}.tb_copy_sections"
            f" WHERE section_uuid IN ({marks}) ORDER BY book_slug, section_id",
            tuple(others),
        )
        row = sql.one(
            "SELECT c.book_slug, c.section_id, c.revision, c.origin_book, c.origin_section,"
            " p.excerpt FROM {s}.tb_copy_sections c JOIN {s}.tb_copy_paragraphs p"
            " ON p.section_uuid = c.section_uuid WHERE c.section_uuid = ? AND p.paragraph = ?",
            (section, paragraph),
        )
        assert row is not None  # read in the same transaction as the shingles that name it
        return CopyMatch(
            paragraph=number,
            excerpt=shingles.excerpt(text),
            book=row["book_slug"],
            section=row["section_id"],
            revision=row["revision"],
            source_paragraph=row["excerpt"],
            score=score,
            origin_book=row["origin_book"] or "",
            origin_section=row["origin_section"] or "",
            elsewhere=tuple((r["book_slug"], r["section_id"]) for r in elsewhere),
        )
