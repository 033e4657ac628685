"""What a licence lets others do with a book: adapt it (fork, remix) and under which licence the
result may go out. The rules, once, for the fork, the remix and the attribution.

A licence expression comes from SPDX (`metadata.licence_of` checks it). Each licence on the SPDX
list falls in one of these families, as the Creative Commons compatibility chart reads them:

- permissive: CC0, CC BY, MIT, Apache, BSD and the like. Adaptations may go out under any
  licence (with the attribution the licence asks for).
- non-commercial (CC BY-NC): adaptations must keep the non-commercial term.
- share-alike (CC BY-SA, CC BY-NC-SA, GFDL, GPL and the like): adaptations must go out under the
  same licence (CC BY-SA also under a later version of itself).
- no derivatives (CC BY-ND, CC BY-NC-ND): no adaptation may be shared at all.

An expression `A OR B` lets a reuser choose: it allows what either allows. `A AND B` binds by
both. A licence the list does not know (a `LicenseRef-`) allows nothing: nobody can tell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from license_expression import AND, OR, LicenseSymbol, LicenseWithExceptionSymbol

from textbook.domain.errors import LicenceRefused
from textbook.domain.metadata import _licensing, licence_as_stored


class Family(StrEnum):
    PERMISSIVE = "permissive"
    NON_COMMERCIAL = "non-commercial"
    SHARE_ALIKE = "share-alike"
    NO_DERIVATIVES = "no derivatives"
    UNKNOWN = "unknown"


PERMISSIVE = {
    "CC0-1.0", "MIT", "MIT-0", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "0BSD", "ISC",
    "Unlicense", "Zlib", "PDDL-1.0", "ODC-By-1.0", "CC-PDDC", "WTFPL",
}  # fmt: skip
# Share-alike licences outside Creative Commons: adaptations keep the very same licence.
COPYLEFT = re.compile(r"^(GFDL|GPL|AGPL|LGPL|MPL|EUPL|CECILL|OGL-UK|ODbL|FAL)-")
CREATIVE_COMMONS = re.compile(r"^CC-BY(?P<terms>(?:-(?:NC|ND|SA))*)-(?P<version>\d\.\d)")


def family(licence_id: str) -> Family:
    """The family of one SPDX licence id."""
    match = CREATIVE_COMMONS.match(licence_id)
    if match:
        terms = set(match["terms"].strip("-").split("-")) - {""}
        if "ND" in terms:
            return Family.NO_DERIVATIVES
        if "SA" in terms:
            return Family.SHARE_ALIKE
        if "NC" in terms:
            return Family.NON_COMMERCIAL
        return Family.PERMISSIVE
    if licence_id in PERMISSIVE:
        return Family.PERMISSIVE
    if COPYLEFT.match(licence_id):
        return Family.SHARE_ALIKE
    return Family.UNKNOWN


def _name(licence_id: str) -> str:
    return licence_as_stored(licence_id).name


@dataclass(frozen=True)
class Terms:
    """What adapting a work under one licence obliges: nothing, keeping the non-commercial
    term, or keeping one share-alike licence; or that adapting is not allowed (`refusal`)."""

    licence_id: str
    family: Family

    @property
    def refusal(self) -> str | None:
        name = _name(self.licence_id)
        if self.family is Family.NO_DERIVATIVES:
            return (
                f"its licence, {name}, allows no derivatives: it may be shared only as it is, "
                "so it cannot be forked, remixed or adapted"
            )
        if self.family is Family.UNKNOWN:
            return (
                f"its licence, {name}, is not one whose terms textbook knows allow adaptations; "
                "ask its maintainers to license it under an open licence such as CC-BY-4.0"
            )
        return None

    def admits(self, target_id: str) -> bool:
        """Whether an adaptation of this work may go out under the licence `target_id`."""
        if self.family is Family.PERMISSIVE:
            return family(target_id) is not Family.UNKNOWN
        target = CREATIVE_COMMONS.match(target_id)
        if self.family is Family.NON_COMMERCIAL:
            return target is not None and "NC" in target["terms"] and "ND" not in target["terms"]
        # Share-alike: the same licence, or (Creative Commons) the same terms in a later version.
        if target_id == self.licence_id:
            return True
        source = CREATIVE_COMMONS.match(self.licence_id)
        return (
            source is not None
            and target is not None
            and source["terms"] == target["terms"]
            and target["version"] >= source["version"]
        )


def _leaves(expression: str) -> tuple[str, list[list[str]]]:
    """The expression as stored, and its choices: a list of alternatives, each the licence ids
    that bind together ("A OR (B AND C)" -> [[A], [B, C]])."""
    parsed = _licensing().parse(expression, validate=False, strict=False)
    if parsed is None:
        raise LicenceRefused("The book has no licence, so nothing may be adapted from it.")

    def choices(node: object) -> list[list[str]]:
        if isinstance(node, OR):
            return [choice for arg in node.args for choice in choices(arg)]
        if isinstance(node, AND):
            combined: list[list[str]] = [[]]
            for arg in node.args:
                combined = [c + more for c in combined for more in choices(arg)]
            return combined
        if isinstance(node, LicenseWithExceptionSymbol):
            return [[str(node.license_symbol.key)]]
        if isinstance(node, LicenseSymbol):
            return [[str(node.key)]]
        return [[str(node)]]

    return str(parsed), choices(parsed)


def derivatives_allowed(expression: str) -> str | None:
    """None if a work under `expression` may be adapted, else the reason it may not."""
    _, alternatives = _leaves(expression)
    reasons: list[str] = []
    for alternative in alternatives:
        refusals = [Terms(i, family(i)).refusal for i in alternative]
        stated = [r for r in refusals if r]
        if not stated:
            return None
        reasons.extend(stated)
    return reasons[0]


def check_derivatives_allowed(expression: str, title: str) -> None:
    """Refuse (LicenceRefused) to adapt a work whose licence allows no derivatives."""
    reason = derivatives_allowed(expression)
    if reason is not None:
        raise LicenceRefused(f"“{title}” cannot be adapted: {reason}.")


def admits(source: str, target: str) -> str | None:
    """None if an adaptation of a work under `source` may go out under `target` (each an SPDX
    expression), else the reason it may not. A target `X OR Y` must satisfy the source under
    each choice a reader may make; a source `A OR B` is satisfied if either alternative is."""
    reason = derivatives_allowed(source)
    if reason is not None:
        return reason
    _, sources = _leaves(source)
    target_text, targets = _leaves(target)
    for alternative in sources:
        terms = [Terms(i, family(i)) for i in alternative]
        if all(all(t.admits(i) for t in terms for i in choice) for choice in targets):
            return None
    return _why_not(source, target_text)


def _why_not(source: str, target: str) -> str:
    source_name, target_name = licence_as_stored(source).name, licence_as_stored(target).name
    families = {family(i) for alternative in _leaves(source)[1] for i in alternative}
    if Family.SHARE_ALIKE in families:
        return (
            f"{source_name} is a ShareAlike licence: what is adapted from it must go out under "
            f"the same licence, not under {target_name}"
        )
    if Family.NON_COMMERCIAL in families:
        return (
            f"{source_name} allows no commercial use: what is adapted from it must keep that "
            f"term, which {target_name} does not"
        )
    return f"{source_name} does not allow its adaptations to go out under {target_name}"


def check_admits(source: str, target: str, what: str) -> None:
    """Refuse (LicenceRefused) to put `what`, under `source`, into a work under `target`."""
    reason = admits(source, target)
    if reason is not None:
        raise LicenceRefused(f"{what} cannot be taken: {reason}.")


def licence_for(sources: list[str]) -> str:
    """The licence an adaptation of all `sources` may go out under, the most open that admits
    each (CC-BY-4.0 for permissive ones); LicenceRefused, with the reason, when none does."""
    if not sources:
        return "CC-BY-4.0"
    for source in sources:
        reason = derivatives_allowed(source)
        if reason is not None:
            raise LicenceRefused(f"A work cannot be taken: {reason}.")
    candidates: list[str] = ["CC-BY-4.0", "CC-BY-NC-4.0"]
    for source in sources:
        for alternative in _leaves(source)[1]:
            candidates.extend(alternative)
    candidates.extend(["CC-BY-SA-4.0", "CC-BY-NC-SA-4.0"])
    for candidate in dict.fromkeys(candidates):
        if all(admits(source, candidate) is None for source in sources):
            return candidate
    first, *others = sources
    for other in others:
        reason = admits(first, other) or admits(other, first)
        if reason:
            raise LicenceRefused(f"These works cannot be combined: {reason}.")
    raise LicenceRefused("These works cannot be combined under any one licence.")
