"""Accent folding for people search, the same in the index and in queries on every backend.

German names are spelt both ways in company directories and in people's heads: "Müller",
"Mueller" and "Muller" are one person. A word is therefore indexed under each of its
spellings (ü→u, ü→ue, and ue→u for names already written out), and a query word is
looked up under its spellings too, so each of the three finds the others.
"""

from __future__ import annotations

import re
import unicodedata

# German transliteration (DIN 5007-2): what people type without an umlaut key.
_TRANSLITERATE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})
# Letters NFKD does not split into a base letter and a mark.
_SPECIAL = str.maketrans({"ß": "ss", "ẞ": "ss", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "ı": "i"})
_WORD = re.compile(r"[^\W_]+")
# "ue" read back as "ü" (Mueller → Muller). It also gives "samul" for "Samuel": an extra spelling
# that costs a rare surplus match, never a missed one.
_WRITTEN_OUT = re.compile(r"(?<=\w)([aou])e")


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower case without accents: "Müller" → "muller"."""
    return _strip_marks(text.lower())


def transliterate(text: str) -> str:
    """Lower case with umlauts written out: "Müller" → "mueller"."""
    return _strip_marks(text.lower().translate(_TRANSLITERATE))


def words(text: str) -> list[str]:
    """The words of a text in lower case, accents kept (spellings() folds them): "Groß-Müller" → ["groß", "müller"]."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def spellings(word: str) -> list[str]:
    """Every spelling a word is indexed or looked up under, the plain folded one first."""
    found = [fold(word), transliterate(word)]
    found.append(_WRITTEN_OUT.sub(r"\1", found[1]))
    unique: list[str] = []
    for spelling in found:
        for part in _WORD.findall(spelling):
            if part not in unique:
                unique.append(part)
    return unique


def index_text(text: str) -> str:
    """A field as the index stores it: each word under all its spellings, separated by spaces."""
    tokens: list[str] = []
    for raw in words(text):
        for spelling in spellings(raw):
            if spelling not in tokens:
                tokens.append(spelling)
    return " ".join(tokens)


def key_spellings(value: str) -> list[str]:
    """A whole value (a department, a skill) under its spellings, words joined by single spaces."""
    variants = [fold(value), transliterate(value)]
    variants.append(_WRITTEN_OUT.sub(r"\1", variants[1]))
    unique: list[str] = []
    for variant in variants:
        joined = " ".join(_WORD.findall(variant))
        if joined and joined not in unique:
            unique.append(joined)
    return unique
