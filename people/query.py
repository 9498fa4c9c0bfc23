"""A people query: the words of `q` and the filters, each under all its spellings, as prefix terms.

Every word must match (as Mastodon's account search does); each is a prefix, so "kube"
finds "Kubernetes" while the user is still typing. The same Query becomes an FTS5 MATCH
expression on SQLite and a tsquery on PostgreSQL, so both backends find the same people.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from people.folding import key_spellings, spellings, words

# A one-letter prefix matches nearly everyone and costs a ranking of the whole directory
# (75 ms at 100,000 people): single letters match whole words (initials), prefixes start at two.
MIN_PREFIX = 2
MAX_WORDS = 8
MAX_WORD_LENGTH = 64

# Filter name → the index column (SQLite) and tsvector weight (PostgreSQL) that narrow the search.
FILTER_COLUMNS = {"department": ("department", "C"), "location": ("location", "C"), "skill": ("skills", "D")}


def _terms(text: str) -> list[list[str]]:
    return [spellings(word[:MAX_WORD_LENGTH]) for word in words(text)[:MAX_WORDS]]


@dataclass(frozen=True)
class Filter:
    name: str  # department, location or skill
    values: list[str]  # the wanted value under its spellings, folded: matched as a prefix of the whole value
    terms: list[list[str]]  # its words, to narrow the full-text search to that column


@dataclass(frozen=True)
class Query:
    terms: list[list[str]] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)

    @classmethod
    def parse(cls, q: str = "", **filters: str | None) -> Query:
        parsed = []
        for name, value in filters.items():
            if name not in FILTER_COLUMNS:
                raise ValueError(f"unknown filter {name!r}")
            if value and (values := key_spellings(value)):
                parsed.append(Filter(name, values, _terms(value)))
        return cls(_terms(q), parsed)

    @property
    def empty(self) -> bool:
        return not self.terms and not self.filters

    def fts5(self) -> str:
        """An FTS5 MATCH expression. Words are [^\\W_]+ only, so quoting them is enough."""

        def any_of(spelt: list[str]) -> str:
            return "(" + " OR ".join(f'"{s}"' + ("*" if len(s) >= MIN_PREFIX else "") for s in spelt) + ")"

        parts = [any_of(term) for term in self.terms]
        for wanted in self.filters:
            column = FILTER_COLUMNS[wanted.name][0]
            parts.extend(f"{column} : {any_of(term)}" for term in wanted.terms)
        return " AND ".join(parts)

    def tsquery(self) -> str:
        """A to_tsquery('simple', ...) expression; a weight letter after :* limits a word to one field."""

        def any_of(spelt: list[str], weight: str = "") -> str:
            def one(s: str) -> str:
                marks = ("*" if len(s) >= MIN_PREFIX else "") + weight
                return f"{s}:{marks}" if marks else s

            return "(" + " | ".join(one(s) for s in spelt) + ")"

        parts = [any_of(term) for term in self.terms]
        for wanted in self.filters:
            weight = FILTER_COLUMNS[wanted.name][1]
            parts.extend(any_of(term, weight) for term in wanted.terms)
        return " & ".join(parts)
