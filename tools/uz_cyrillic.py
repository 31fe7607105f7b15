"""Regenerate the Uzbek Cyrillic catalogue (uz_Cyrl) from the Uzbek Latin one (uz).

The Latin catalogue is the one translators edit; the Cyrillic one is derived from it, so that both always say
the same thing. Run after changing web/translations/uz, then compile:

    .venv/bin/python tools/uz_cyrillic.py
    .venv/bin/pybabel compile -d web/translations -l uz_Cyrl

Placeholders (%(name)s, %%), product names and e-mail addresses are kept as they are. Rules: oʻ/gʻ (U+02BB)
become ў/ғ, the apostrophe ʼ (U+02BC) becomes ъ, sh/ch/yo/yu/ya/ye become ш/ч/ё/ю/я/е, e at the start of a word or
after a vowel becomes э, ts becomes ц only in -tsiya/-tsion loanwords, and a few Russian loanwords get back
their soft sign (пароль, профиль, роль, фильтр) or spelling (объект, коррупция).
"""

import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "web/translations/uz/LC_MESSAGES/messages.po"
TARGET = ROOT / "web/translations/uz_Cyrl/LC_MESSAGES/messages.po"

KEEP = re.compile(
    r"%\([A-Za-z_]\w*\)[sd]|%%|Bridges|FreeOTP|Aegis|Google Authenticator|CSV|PDF|JSON|QR|[\w.+-]+@[\w.-]+\w|"
    r"\bIIV\b|\bOAV\b|\bYeXHT"
)
ABBREVIATIONS = {"IIV": "ИИВ", "OAV": "ОАВ", "YeXHT": "ЕХҲТ"}
# Longest first: "yoʻ" must win over "yo", "oʻ" over "o".
DIGRAPHS = [
    ("yoʻ", "йў"),
    ("oʻ", "ў"),
    ("gʻ", "ғ"),
    ("sh", "ш"),
    ("ch", "ч"),
    ("yo", "ё"),
    ("yu", "ю"),
    ("ya", "я"),
    ("ye", "е"),
    ("ts", "ц"),
]
LETTERS = dict(zip("abdfghijklmnopqrstuvxyz", "абдфгҳижклмнопқрстувхйз", strict=True))
LETTERS["ʼ"] = "ъ"
VOWELS = set("aeiouAEIOU")
WHOLE_WORDS = {"профил": "профиль", "парол": "пароль", "рол": "роль"}
WORD_STARTS = {"филтр": "фильтр", "обект": "объект", "коррупсия": "коррупция"}


def _cased(cyrillic: str, latin: str, next_char: str) -> str:
    if not latin[0].isupper():
        return cyrillic
    if next_char.isupper():
        return cyrillic.upper()
    return cyrillic[0].upper() + cyrillic[1:]


def _word(word: str) -> str:
    low = word.lower()
    out = []
    i = 0
    while i < len(word):
        for latin, cyrillic in DIGRAPHS:
            if not low.startswith(latin, i):
                continue
            if latin == "ts" and not low.startswith(("tsiy", "tsio"), i):
                continue  # t + s across a suffix (juftsiz, muvaffaqiyatsiz)
            nxt = word[i + len(latin)] if i + len(latin) < len(word) else ""
            out.append(_cased(cyrillic, word[i], nxt))
            i += len(latin)
            break
        else:
            char = word[i]
            lower = char.lower()
            if lower == "e":
                cyrillic = "э" if i == 0 or word[i - 1] in VOWELS else "е"
            else:
                cyrillic = LETTERS.get(lower, lower)
            out.append(cyrillic.upper() if char.isupper() else cyrillic)
            i += 1
    return _loanword("".join(out))


def _loanword(word: str) -> str:
    low = word.lower()
    fixed = WHOLE_WORDS.get(low)
    if fixed is None:
        for start, replacement in WORD_STARTS.items():
            if low.startswith(start):
                fixed = replacement + low[len(start) :]
                break
    if fixed is None:
        return word
    return fixed[0].upper() + fixed[1:] if word[0].isupper() else fixed


def _plain(text: str) -> str:
    return re.sub(r"[A-Za-zʻʼ]+", lambda m: _word(m.group(0)), text)


def to_cyrillic(text: str) -> str:
    """Uzbek Latin text to Uzbek Cyrillic, keeping placeholders and names."""
    parts = []
    pos = 0
    for match in KEEP.finditer(text):
        parts.append(_plain(text[pos : match.start()]))
        parts.append(ABBREVIATIONS.get(match.group(0), match.group(0)))
        pos = match.end()
    parts.append(_plain(text[pos:]))
    return "".join(parts)


def main() -> int:
    with SOURCE.open("rb") as f:
        catalog = read_po(f, locale="uz")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.string, tuple):
            message.string = tuple(to_cyrillic(s) for s in message.string)
        else:
            message.string = to_cyrillic(message.string)
    catalog.locale = "uz_Cyrl"
    catalog.language_team = "Uzbek (Cyrillic)"
    catalog.header_comment = catalog.header_comment.replace("# Uzbek translations", "# Uzbek (Cyrillic) translations")
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    with TARGET.open("wb") as f:
        write_po(f, catalog, width=76)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
