"""Match a client's watch terms against mention text.

A client's terms compile once into a `Matcher`: one regular expression, the union of all
terms, run over the normalised text (`text.normalise`: casefolded, accents stripped,
whitespace collapsed), so matching costs one scan per mention however many terms there
are.

Modes:
- `word` (whole word): the term must start and end on a word boundary. "acme" matches
  "Acme's" and "#acme" but not "acmeville". A multi-word term matches those words in
  that order ("acme foods" matches "ACME   Foods").
- `phrase`: the term matches anywhere, also inside a longer word ("recall" matches
  "recalled"). Terms in scripts written without spaces (Chinese, Japanese, Thai, Korean)
  are always matched this way, as a whole-word test means nothing there.

Hashtag terms always start with `#` (one is added) and so only match the hashtag:
"#acmefail" matches "#AcmeFail" but not "acme fail" and not "#acmefailed" in word mode.

One leftmost scan reports only one of two terms that overlap in the text ("acme" inside
"acme foods"), so terms whose literals can overlap are precomputed, and when one of them
matches, the others are checked on their own. The result is exactly the set of terms
that occur.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from incidents.monitoring.text import is_cjk_or_thai, normalise

TermId = TypeVar("TermId", bound=Hashable)


class TermKind(StrEnum):
    BRAND = "brand"
    PRODUCT = "product"
    PERSON = "person"
    HASHTAG = "hashtag"
    NEGATIVE = "negative"


class MatchMode(StrEnum):
    WORD = "word"
    PHRASE = "phrase"


@dataclass(frozen=True, slots=True)
class TermSpec(Generic[TermId]):
    id: TermId
    term: str
    kind: TermKind = TermKind.BRAND
    mode: MatchMode = MatchMode.WORD


def normalise_term(term: str, kind: TermKind) -> str:
    """The literal a term is matched as (empty when the term has no content)."""
    literal = normalise(term)
    if kind is TermKind.HASHTAG:
        literal = literal.lstrip("#").replace(" ", "")
        return f"#{literal}" if literal else ""
    return literal


def _overlaps(a: str, b: str) -> bool:
    """Whether two literals can share characters in some text: one contains the other,
    or an end of one is a start of the other."""
    if a in b or b in a:
        return True
    shortest = min(len(a), len(b))
    return any(a.endswith(b[:k]) or b.endswith(a[:k]) for k in range(1, shortest))


def _pattern(literal: str, mode: MatchMode) -> str:
    body = re.escape(literal)
    if mode is MatchMode.PHRASE:
        return body
    # A word boundary that also holds next to '#' and '@': "acme" matches "#acme" and
    # "@acme", and a term ending in punctuation ("c++") still needs a non-word after it.
    return rf"(?<!\w){body}(?!\w)"


class Matcher(Generic[TermId]):
    """The compiled form of one client's watch terms. Build once per term-set version
    and reuse for every mention."""

    def __init__(self, terms: Iterable[TermSpec[TermId]]) -> None:
        # (literal, mode) -> term ids: two terms with the same literal and mode share one
        # alternative, so the union regex never has to report both.
        groups: dict[tuple[str, MatchMode], list[TermId]] = {}
        self._kinds: dict[TermId, TermKind] = {}
        for spec in terms:
            literal = normalise_term(spec.term, spec.kind)
            if not literal:
                continue
            mode = MatchMode.PHRASE if is_cjk_or_thai(literal) else spec.mode
            groups.setdefault((literal, mode), []).append(spec.id)
            self._kinds[spec.id] = spec.kind
        # Longest first, so the union prefers "acme foods" over "acme" at one position.
        keys = sorted(groups, key=lambda key: (-len(key[0]), key[0], key[1]))
        self._ids: list[list[TermId]] = [groups[key] for key in keys]
        self._singles: list[re.Pattern[str]] = [re.compile(_pattern(*key)) for key in keys]
        self._overlapping: list[tuple[int, ...]] = [
            tuple(j for j, other in enumerate(keys) if j != i and _overlaps(key[0], other[0]))
            for i, key in enumerate(keys)
        ]
        self._union: re.Pattern[str] | None = (
            re.compile("|".join(f"(?P<t{i}>{_pattern(*key)})" for i, key in enumerate(keys)))
            if keys
            else None
        )

    def __len__(self) -> int:
        return len(self._kinds)

    def kind(self, term_id: TermId) -> TermKind:
        return self._kinds[term_id]

    def match(self, text: str) -> list[TermId]:
        """Ids of the terms that occur in `text` (plain text, not yet normalised), in the
        order the terms were given."""
        return self.match_normalised(normalise(text))

    def match_normalised(self, norm: str) -> list[TermId]:
        """As `match`, for text already passed through `normalise`."""
        if self._union is None:
            return []
        found: set[int] = set()
        to_check: set[int] = set()
        for m in self._union.finditer(norm):
            index = int(m.lastgroup[1:]) if m.lastgroup else -1
            if index >= 0 and index not in found:
                found.add(index)
                to_check.update(self._overlapping[index])
        for index in to_check - found:
            if self._singles[index].search(norm):
                found.add(index)
        if not found:
            return []
        matched = {term_id for index in found for term_id in self._ids[index]}
        return [term_id for term_id in self._kinds if term_id in matched]


def compile_terms(terms: Iterable[TermSpec[TermId]]) -> Matcher[TermId]:
    return Matcher(terms)
