"""Sorting names in the viewer's language, the same way on PostgreSQL and SQLite.

The one home of collation: every list of members sorted by name asks ``name_order(column)``
(in SQL) or ``sort_key(text)`` (in Python) and gets the order of the page's language.

- PostgreSQL sorts with ICU collations ``bridges_<locale>``, created by migration 0009 from the
  ICU locales in ``ICU_LOCALES``. ICU (CLDR) is the reference order.
- SQLite gets collations of the same names on every connection (``install_sqlite_collations``,
  called by the engine's connect hook in ``web/__init__.py``); they compare the keys of
  ``sort_key``, built from the alphabets below, which follow the CLDR tailorings so that both
  databases give the same order.

How a key is built, as ICU does at its first three levels: letters by the language's alphabet
(a letter with a mark the alphabet does not list counts as its base letter, the mark deciding
only between otherwise equal names), case-insensitive, lower case before upper case as the last
tie-break; spaces and punctuation before digits, digits before letters; the page's script
first, then the other (Latin or Cyrillic); any other character after both, by code point.
Checked against PostgreSQL's ICU on every locale with thousands of random strings over the
letters of all eight alphabets, spaces, hyphens, apostrophes and digits: the same order.

Known differences from ICU, all outside the network's alphabets: other scripts (Greek,
Georgian, Armenian, Han) and Latin or Cyrillic letters not listed here (ƀ, ѳ) sort after both
scripts by code point; compatibility characters (the ligature ĳ, roman numerals) are not
expanded.
"""

from __future__ import annotations

import functools
import unicodedata
import weakref

from flask_babel import get_locale

# ICU locale of each interface language. A Cyrillic page lists Cyrillic names first (kr: the
# script reordering; ICU's own tg and uz-Cyrl would put Latin first).
ICU_LOCALES = {
    "en": "en",
    "ru": "ru",
    "kk": "kk",
    "ky": "ky",
    "tg": "tg-u-kr-cyrl-latn",
    "tk": "tk",
    "uz": "uz",
    "uz_Cyrl": "uz-Cyrl-u-kr-cyrl-latn",
}
DEFAULT = "ru"

# The root (DUCET) order of the letters of the network's alphabets. Letters with a mark that
# Unicode decomposes (ё ӣ ӯ ў, ä ç ö ş ü ý ž ň) are not listed: they sort as their base letter
# and their mark as a secondary difference, as in ICU's root order, unless a language lists
# them as letters of their own below. й is a letter of its own in ICU's root order too.
# A few letters of neighbouring languages are placed as ICU places them (є ђ ј џ, æ ə ı ŋ œ þ);
# ICU's root order also has the modifier letters ʻ (after h) and ʼ (after z) as letters.
CYRILLIC = "а ә б в г ғ д ђ е є ж з и і й ј к қ л м н ң о ө п р с т у ү ұ ф х ҳ һ ц ч ҷ џ ш щ ъ ы ь э ю я".split()
LATIN = "a æ b c d e ə f g h ʻ i ı j k l m n ŋ o œ p q r s t u v w x y z þ ʼ".split()
# Letters Unicode does not decompose but ICU sorts as a base letter with a stroke, and ß as ss.
VARIANTS = {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "ħ": "h", "ґ": "г"}
EXPANSIONS = {"ß": "ss"}
# ICU's order of the marks (its second level); other marks follow by code point.
MARKS = [chr(c) for c in (0x301, 0x300, 0x306, 0x302, 0x30C, 0x30A, 0x308, 0x30B, 0x303, 0x307, 0x338, 0x327, 0x328, 0x304)]
STROKE = "\u0338"

# Each language's letters that its alphabet orders differently from the root order, as CLDR
# tailors them ("&е<ё": ё is a letter of its own right after е). Sources: the official
# alphabets (Kazakh Cyrillic: А Ә Б В Г Ғ Д Е Ё Ж З И Й К Қ Л М Н Ң О Ө П Р С Т У Ұ Ү Ф Х Һ Ц Ч
# Ш Щ Ъ Ы І Ь Э Ю Я; Kyrgyz: А Б В Г Д Е Ё Ж З И Й К Л М Н Ң О Ө П Р С Т У Ү Ф Х Ц Ч Ш Щ Ъ Ы Ь Э
# Ю Я; Turkmen Latin (1993/1999): A B Ç D E Ä F G H I J Ž K L M N Ň O Ö P R S Ş T U Ü W Y Ý Z;
# Uzbek Latin (1995): A B D E F G H I J K L M N O P Q R S T U V X Y Z Oʻ Gʻ Sh Ch Ng ʼ) and the
# CLDR collation files kk.xml, ky.xml, tk.xml, uz.xml. Where ICU departs from an official
# alphabet we follow ICU, so that both databases agree (see docs/glossary.md, "Alphabetical order").
TAILORINGS: dict[str, list[tuple[str, str]]] = {
    "en": [],
    "ru": [],  # ё sorts as е, as in Russian dictionaries (CLDR ru has no tailoring)
    "kk": [("е", "ё"), ("у", "ұ"), ("ы", "і")],
    "ky": [("е", "ё")],
    "tg": [],  # CLDR has no Tajik tailoring: ӣ ӯ ё sort as и у е with a mark
    "tk": [("c", "ç"), ("e", "ä"), ("j", "ž"), ("n", "ň"), ("o", "ö"), ("s", "ş"), ("u", "ü"), ("y", "ý")],
    # Uzbek: oʻ gʻ sh ch are letters after z (ICU does not make ng one); the turned comma ʻ
    # may be typed as ' or ‘. Uzbek Cyrillic (ў қ ғ ҳ at the end of the official alphabet)
    # has no tailoring in CLDR: those letters keep their root places next to у к г х.
    "uz": [("z", "oʻ"), ("oʻ", "gʻ"), ("gʻ", "sh"), ("sh", "ch")],
    "uz_Cyrl": [("z", "oʻ"), ("oʻ", "gʻ"), ("gʻ", "sh"), ("sh", "ch")],
}
UZBEK_APOSTROPHES = ("'", "‘")  # typed for ʻ (U+02BB); ’ and ` are not, in ICU either

# ICU's root order of the punctuation and symbols a name may hold; others follow by code point.
PUNCTUATION = list(" _-–—,;:!?.·'‘’\"«»()[]{}@*/\\&#%`^+<=>|~$")

# Primary weights, in groups: punctuation and symbols (then any other by code point), digits,
# the two scripts, anything else by code point. Below 2**24: three bytes each in a key.
_PUNCT, _DIGIT, _SCRIPT, _OTHER = 0, 0x120000, 0x130000, 0x140000
_EXPANDED = 0x120000  # the second level of an expansion (ß), after every mark


class _Alphabet:
    """Primary weights of the letters of one language, its page's script first."""

    def __init__(self, locale: str):
        cyrillic, latin = list(CYRILLIC), list(LATIN)
        for anchor, letter in TAILORINGS[locale]:
            order = latin if anchor[0] in LATIN else cyrillic
            if letter in order:
                order.remove(letter)
            order.insert(order.index(anchor) + 1, letter)
        first, second = (latin, cyrillic) if locale in ("en", "tk", "uz") else (cyrillic, latin)
        self.weights = {letter: _SCRIPT + i for i, letter in enumerate(first)}
        self.weights.update({letter: _SCRIPT + len(first) + i for i, letter in enumerate(second)})
        if locale in ("uz", "uz_Cyrl"):
            for letter in ("oʻ", "gʻ"):
                for mark in UZBEK_APOSTROPHES:
                    self.weights[letter[0] + mark] = self.weights[letter]
        self.digraphs = {letter: w for letter, w in self.weights.items() if len(letter) == 2}
        self._chars: dict[str, tuple[bytes, bytes, bytes]] = {}

    def char(self, char: str) -> tuple[bytes, bytes, bytes]:
        """The packed weights of one character (remembered: names share their letters)."""
        found = self._chars.get(char)
        if found is None:
            primary: list[int] = []
            secondary: list[int] = []
            tertiary: list[int] = []
            if char.lower() in self.weights:  # a letter of the alphabet, marked or not (й, ё, ç)
                primary.append(self.weights[char.lower()])
                secondary.append(0)
                tertiary.append(_case(char))
            else:
                _decomposed(char, self, primary, secondary, tertiary)
            found = self._chars[char] = (_packed(primary, 3), _packed(secondary, 3), bytes(tertiary))
        return found


@functools.cache
def _alphabet(locale: str) -> _Alphabet:
    return _Alphabet(locale)


def _case(text: str) -> int:
    """ICU's third level: lower case first, then a capital, then a digraph in capitals (SH)."""
    upper = sum(1 for c in text if c.isupper())
    return min(upper, 2)


def _mark(mark: str) -> int:
    return MARKS.index(mark) + 1 if mark in MARKS else len(MARKS) + ord(mark)


@functools.lru_cache(maxsize=50_000)  # SQLite's sort asks again and again; about 15 MB when full
def sort_key(text: str, locale: str = DEFAULT) -> tuple:
    """The key that orders ``text`` in ``locale``'s alphabet, as ICU's collation would.

    >>> names = ["Яна", "Әсел", "айдана", "Zarina"]
    >>> sorted(names, key=lambda n: sort_key(n, "kk"))
    ['айдана', 'Әсел', 'Яна', 'Zarina']
    >>> sorted(names, key=lambda n: sort_key(n, "en"))
    ['Zarina', 'айдана', 'Әсел', 'Яна']
    """
    alphabet = _alphabet(locale if locale in TAILORINGS else DEFAULT)
    text = unicodedata.normalize("NFC", text or "")
    parts: list[tuple[bytes, bytes, bytes]] = []
    i, end = 0, len(text)
    while i < end:
        if alphabet.digraphs and i + 1 < end:
            piece = text[i : i + 2]
            weight = alphabet.digraphs.get(piece.lower())
            if weight is not None and piece in (piece.lower(), piece.capitalize(), piece.upper()):
                parts.append((_packed([weight], 3), _packed([0], 3), bytes([_case(piece)])))
                i += 2
                continue
        parts.append(alphabet.char(text[i]))
        i += 1
    return b"".join(p[0] for p in parts), b"".join(p[1] for p in parts), b"".join(p[2] for p in parts), text


def _packed(weights: list[int], width: int) -> bytes:
    """Weights as bytes that compare as the list would, in a fraction of its memory."""
    return b"".join(w.to_bytes(width, "big") for w in weights)


def _decomposed(char: str, alphabet: _Alphabet, primary: list, secondary: list, tertiary: list) -> None:
    """Weights of a character the alphabet does not list: a known letter with marks, a digit,
    punctuation, or anything else (after every known letter, by code point)."""
    if char.lower() in EXPANSIONS:
        for letter in EXPANSIONS[char.lower()]:
            _decomposed(letter, alphabet, primary, secondary, tertiary)
            secondary[-1] = _EXPANDED  # after ss with any mark (şş), as in ICU
        return
    base, *marks = unicodedata.normalize("NFD", char)
    lower = base.lower() if len(base.lower()) == 1 else base
    if lower in VARIANTS:
        lower, marks = VARIANTS[lower], [STROKE, *marks]
        base = lower.upper() if base.isupper() else lower
    if lower in alphabet.weights:
        primary.append(alphabet.weights[lower])
        secondary.append(0)
        tertiary.append(_case(base))
    elif unicodedata.combining(base):
        marks = [base, *marks]
    elif base.isdigit():
        primary.append(_DIGIT + unicodedata.digit(base, 0))
        secondary.append(0)
        tertiary.append(0)
    elif base in PUNCTUATION:
        primary.append(_PUNCT + PUNCTUATION.index(base))
        secondary.append(0)
        tertiary.append(0)
    else:
        category = unicodedata.category(base)
        primary.append((_PUNCT + len(PUNCTUATION) if category[0] in "PSZ" else _OTHER) + ord(lower))
        secondary.append(0)
        tertiary.append(_case(base))
    for mark in marks:
        secondary.append(_mark(mark))
        tertiary.append(0)


def collation_name(locale: str) -> str:
    return "bridges_" + locale.lower()


def _compare(locale: str):
    def compare(a: str, b: str) -> int:
        ka, kb = sort_key(a or "", locale), sort_key(b or "", locale)
        return (ka > kb) - (ka < kb)

    return compare


def install_sqlite_collations(dbapi_connection) -> None:
    for locale in ICU_LOCALES:
        dbapi_connection.create_collation(collation_name(locale), _compare(locale))


_available: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _has_collations(engine) -> bool:
    """Whether this database has the collations: always on SQLite; on PostgreSQL once
    migration 0009 made them (it skips a server built without ICU). Asked once per engine."""
    if engine.dialect.name == "sqlite":
        return True
    if engine not in _available:
        from sqlalchemy import text

        with engine.connect() as conn:
            names = conn.scalars(text("SELECT collname FROM pg_collation WHERE collname LIKE 'bridges\\_%'")).all()
        _available[engine] = {collation_name(locale) for locale in ICU_LOCALES} <= set(names)
    return _available[engine]


def page_locale() -> str:
    """The page's language among ours (``uz_Cyrl`` stays itself; an unknown one is Russian)."""
    locale = str(get_locale() or DEFAULT)
    for code in (locale, locale.split("_")[0]):
        if code in ICU_LOCALES:
            return code
    return DEFAULT


def name_order(column, locale: str | None = None):
    """``column`` for ORDER BY in the alphabet of ``locale`` (by default the page's language).
    Add the primary key after it: names are not unique."""
    from .extensions import db

    if not _has_collations(db.engine):
        return column
    return column.collate(collation_name(locale or page_locale()))


def name_key(text: str, locale: str | None = None) -> tuple:
    """``sort_key`` in the page's language, for names sorted in Python."""
    return sort_key(text or "", locale or page_locale())
