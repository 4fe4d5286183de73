"""Vietnamese alphabetical order for names: ``sort_key(name)``, the order of ICU's ``vi`` collation.

Sorting by ``text.fold`` (lower case, diacritics dropped) files Đ under D and Ư under U; that is search,
not Vietnamese order. Here, as in ICU's Vietnamese collation (CLDR ``vi``; PostgreSQL's ``"vi-x-icu"``,
``PG_COLLATION``), strings are compared level by level over the whole string:

1. **letters** in the Vietnamese alphabet, each its own letter: a ă â b c d đ e ê g h i k l m n o ô ơ p
   q r s t u ư v x y, with f j w z at their Latin places; before the letters come spaces, then
   punctuation, then digits (by digit); other characters after the letters;
2. **tones** (dấu thanh): ngang (none) < huyền < hỏi < ngã < sắc < nặng (a < à < ả < ã < á < ạ), first
   differing syllable first; other marks (ü, Ð) after the tones;
3. **case**: lower case before upper case.

So "Đà Lạt" sorts after every name in D ("Dương" < "Đà Lạt"), "Ư" after "U", "Ă"/"Â" after "A"
("Anh" < "Ăn" < "Ân"), "ba" < "bà" < "bá", "an" < "An". Input in NFD or NFC, or typed with combining
marks, gives the same key. Digraphs (ch, gh, ng, nh, th, tr ...) are letters in sequence, as in ICU.

No library does this offline here: PyICU has no wheel (it builds against the system's ICU headers),
icu4py has no collation, pyuca has no Vietnamese tailoring (it puts "ăn" before "anh"). The tests check
this key against PostgreSQL's ICU collation on a grid of names.

In SQL: ``column.collate(sql_collation(dialect_name))`` orders the same way, on PostgreSQL through its
ICU collation, on SQLite through ``sqlite_compare`` once ``register_sqlite`` has run on the connection
(``event.listen(engine, "connect", collation.register_sqlite)``).
"""

from __future__ import annotations

import functools
import unicodedata

PG_COLLATION = "vi-x-icu"
SQLITE_COLLATION = "vi"

ALPHABET = tuple("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")  # one code point each (NFC)
_LETTER_RANK = {letter: i for i, letter in enumerate(ALPHABET)}

# Marks that make a letter of its own: (base, mark) -> letter.
_BREVE, _CIRCUMFLEX, _HORN = "\u0306", "\u0302", "\u031b"
_LETTER_MARKS = {("a", _BREVE): "ă", ("a", _CIRCUMFLEX): "â", ("e", _CIRCUMFLEX): "ê", ("o", _CIRCUMFLEX): "ô",
                 ("o", _HORN): "ơ", ("u", _HORN): "ư"}
# Tones, in the Vietnamese order: huyền, hỏi, ngã, sắc, nặng (ngang: no mark, 0).
TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_OTHER_MARK = 6  # any other mark sorts after the tones (then by code point)
# Letters that read as another one with a mark (ICU files Ð, the Icelandic eth, beside d).
_LOOKALIKES = {"ð": ("d", "\u0335")}
# Punctuation in ICU's order; whitespace before all of it; any other symbol after it, before digits.
PUNCTUATION = "_-\u2013\u2014,;:!?.\u2026\u00b7'\u2019\"\u201c\u201d\u00ab\u00bb()[]{}@*/\\&#%+<=>|~$"
_PUNCT_RANK = {ch: i for i, ch in enumerate(PUNCTUATION)}

_SPACE, _PUNCT, _SYMBOL, _DIGIT, _LETTER, _OTHER = range(6)


def _primary(base: str) -> tuple[int, int]:
    if base in _LETTER_RANK:
        return (_LETTER, _LETTER_RANK[base])
    if base.isspace():
        return (_SPACE, 0)
    if base in _PUNCT_RANK:
        return (_PUNCT, _PUNCT_RANK[base])
    if unicodedata.category(base)[0] in "PSZ":
        return (_SYMBOL, ord(base))
    if unicodedata.digit(base, None) is not None:
        return (_DIGIT, unicodedata.digit(base))
    return (_OTHER, ord(base))


def _mark_weight(mark: str) -> int:
    return TONES.get(mark) or _OTHER_MARK * 0x10000 + ord(mark)


def _elements(text: str):
    """(letter or character, its marks, upper case?) for each character of ``text`` with its marks."""
    base, marks, upper = None, [], False
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch):
            if base is not None:
                marks.append(ch)
            continue  # a mark with nothing before it is ignored, as ICU does
        if base is not None:
            yield base, marks, upper
        lower = ch.lower() if len(ch.lower()) == 1 else ch
        base, upper = lower, lower != ch
        marks = [_LOOKALIKES[lower][1]] if lower in _LOOKALIKES else []
        base = _LOOKALIKES[lower][0] if lower in _LOOKALIKES else base
    if base is not None:
        yield base, marks, upper


@functools.lru_cache(maxsize=16384)  # the same names are sorted again and again
def _key(text: str) -> tuple:
    primary, secondary, tertiary = [], [], []
    for base, marks, upper in _elements(text):
        letter = base
        rest = []
        for mark in marks:
            made = _LETTER_MARKS.get((letter, mark))
            if made is not None and letter == base:
                letter = made  # ă â ê ô ơ ư: a letter of its own, not a mark
            else:
                rest.append(_mark_weight(mark))
        primary.append(_primary(letter))
        secondary.append(tuple(rest))
        tertiary.append(1 if upper else 0)
    return tuple(primary), tuple(secondary), tuple(tertiary), unicodedata.normalize("NFC", text)


def sort_key(text: str | None) -> tuple:
    """The key that sorts names in Vietnamese alphabetical order (None and "" first)."""
    return _key(text or "")


def sorted_names(values, key=None) -> list:
    """``values`` sorted in Vietnamese order; ``key(value)`` gives the name when values are not names."""
    if key is None:
        return sorted(values, key=sort_key)
    return sorted(values, key=lambda v: sort_key(key(v)))


def sqlite_compare(a: str | None, b: str | None) -> int:
    """-1, 0 or 1: the same order as a SQLite collation function."""
    ka, kb = sort_key(a), sort_key(b)
    return (ka > kb) - (ka < kb)


def register_sqlite(dbapi_connection, _connection_record=None) -> None:
    """Make ``COLLATE vi`` available on a SQLite connection (usable as a "connect" event listener)."""
    dbapi_connection.create_collation(SQLITE_COLLATION, sqlite_compare)


def sql_collation(dialect_name: str) -> str:
    """The collation name that orders names the Vietnamese way in this database's SQL."""
    return PG_COLLATION if dialect_name == "postgresql" else SQLITE_COLLATION
