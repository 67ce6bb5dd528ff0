"""Match a client's watch terms against mention text.

A client's terms compile once into a `Matcher`; every text is normalised once
(`text.normalise`: casefolded, accents and compatibility forms stripped, whitespace
collapsed) and every term is a literal in that form.

Modes:
- `word` (whole word): the term must start and end on a word boundary. "acme" matches
  "Acme's", "#acme" and "@acme" but not "acmeville". A multi-word term matches those words
  in that order ("acme foods" matches "ACME   Foods").
- `phrase`: the term matches anywhere, also inside a longer word ("recall" matches
  "recalled"). Terms in scripts written without spaces (Chinese, Japanese, Thai, Korean)
  are always matched this way, as a whole-word test means nothing there.

Hashtag terms always start with `#` (one is added) and so only match the hashtag:
"#acmefail" matches "#AcmeFail" but not "acme fail", nor "#acmefailed" in word mode.

How (measured on 300-character texts, 50 terms): one union regex with a word-boundary
lookaround per term ran at about 450 texts/s, because Python's regex engine tries every
alternative at every position; with the lookbehind factored out, 4,500/s. Checking each
literal with `str.find` (C, fast substring search) and testing the boundaries of the hits
by hand runs at about 50,000/s, is exact for overlapping terms ("acme" inside "acme foods"
both match) and needs no regex. For large term sets (more than `GATE_FROM` literals) a
trie-shaped regex of all literals first rejects texts that contain none of them.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

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


GATE_FROM = 64


def _is_word_char(ch: str) -> bool:
    # What `\w` matches in a str regex: letters and digits of any script, and "_".
    return ch.isalnum() or ch == "_"


def _occurs_as_word(text: str, literal: str, start: int) -> bool:
    """Whether `literal` occurs in `text` at `start` or later with a word boundary on
    both sides (the text's ends count as boundaries)."""
    size, end_of_text = len(literal), len(text)
    while start >= 0:
        end = start + size
        if (start == 0 or not _is_word_char(text[start - 1])) and (
            end == end_of_text or not _is_word_char(text[end])
        ):
            return True
        start = text.find(literal, start + 1)
    return False


def _trie_pattern(literals: Iterable[str]) -> str:
    """A regex matching any of the literals, shaped as a trie so the engine follows one
    branch per character instead of trying every literal at every position."""
    trie: dict[str, Any] = {}
    for literal in literals:
        node = trie
        for ch in literal:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


class Matcher(Generic[TermId]):
    """The compiled form of one client's watch terms. Build once per term-set version
    and reuse for every mention."""

    def __init__(self, terms: Iterable[TermSpec[TermId]]) -> None:
        # literal -> (ids matched as whole words, ids matched anywhere)
        by_literal: dict[str, tuple[list[TermId], list[TermId]]] = {}
        self._kinds: dict[TermId, TermKind] = {}
        for spec in terms:
            literal = normalise_term(spec.term, spec.kind)
            if not literal:
                continue
            mode = MatchMode.PHRASE if is_cjk_or_thai(literal) else spec.mode
            words, anywhere = by_literal.setdefault(literal, ([], []))
            (anywhere if mode is MatchMode.PHRASE else words).append(spec.id)
            self._kinds[spec.id] = spec.kind
        self._literals = [
            (literal, words, anywhere) for literal, (words, anywhere) in by_literal.items()
        ]
        self._gate: re.Pattern[str] | None = (
            re.compile(_trie_pattern(by_literal)) if len(by_literal) > GATE_FROM else None
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
        if self._gate is not None and self._gate.search(norm) is None:
            return []
        matched: set[TermId] = set()
        for literal, words, anywhere in self._literals:
            start = norm.find(literal)
            if start < 0:
                continue
            if anywhere:
                matched.update(anywhere)
            if words and _occurs_as_word(norm, literal, start):
                matched.update(words)
        if not matched:
            return []
        return [term_id for term_id in self._kinds if term_id in matched]


def compile_terms(terms: Iterable[TermSpec[TermId]]) -> Matcher[TermId]:
    return Matcher(terms)
