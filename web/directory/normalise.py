"""Text folded for search, the same way for what is stored and what is typed.

SQLite's ``lower()`` folds only ASCII letters, so the directory keeps a folded
copy of the searchable text on each member and compares it with ``LIKE``
against the folded query: the result is the same on SQLite and PostgreSQL.

Imports nothing from the app: the member model calls it on every write.
"""

from __future__ import annotations

import re
import unicodedata

# Apostrophe-like marks typed for the Uzbek oʻ and gʻ (and in names such as
# O'Brien): modifier letters, quotation marks, accents, the backtick.
_APOSTROPHES = "\u02bb\u02bc\u02bd\u2018\u2019\u201b\u0060\u00b4\u2032"
_TABLE = str.maketrans(
    {
        **dict.fromkeys(map(ord, _APOSTROPHES), "'"),
        "ё": "е",
        # The Latin schwa is often typed for the Kazakh Cyrillic ә (and back).
        "ə": "ә",
    }
)
_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Case- and variant-insensitive form of ``text`` for searching.

    Composed first (NFC), so a decomposed й stays й and a decomposed ё is
    caught; then case-folded (Kazakh and Uzbek letters included); ё becomes е,
    apostrophe variants become ``'``, and runs of white space one space.

    >>> fold("АЙГУЛЬ Ёлкина")
    'айгуль елкина'
    >>> fold("Oʻzbek") == fold("O'zbek") == fold("o’zbek")
    True
    >>> fold("ӘСЕЛ Қуаныш")
    'әсел қуаныш'
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).casefold().translate(_TABLE)
    return _SPACES.sub(" ", text).strip()


def member_search_text(member) -> str:
    """What a directory search matches for ``member``: her name always, her agency's
    name and her bio only when she shows them, so a search cannot reveal hidden text.
    Lines are kept apart by a newline, which a folded query never contains."""
    parts = [member.display_name]
    if member.show_agency_name is not False:
        parts.append(member.agency_name)
    if member.show_bio is not False:
        parts.append(member.bio)
    return "\n".join(fold(p) for p in parts if p)
