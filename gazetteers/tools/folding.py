"""The build scripts' approximation of the engine's folding (src/text.rs): case, diacritics,
quote and dash variants, runs of spaces. Shared by build_places.py and build_cues.py so that both
decide "the same name" the same way.
"""
from __future__ import annotations

import unicodedata

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201b\u02bc\u02bb\u0060\u00b4\u2032"), "'")


def fold(s: str) -> str:
    """Folds like the engine: case, diacritics, quotes, dashes, spaces."""
    s = s.translate(_DASHES).translate(_QUOTES)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.replace("ı", "i").replace("ø", "o").replace("đ", "d").replace("ł", "l").replace("ß", "ss")
    return " ".join(s.lower().split())


def is_latin(s: str) -> bool:
    """Every letter of `s` is in a Latin block."""
    return all("LATIN" in unicodedata.name(c, "") for c in s if c.isalpha())
