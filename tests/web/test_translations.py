"""The Russian catalogue is complete, well-formed, compiled, and covers every string in the code.

Members read Russian more than English; an untranslated string shows up in English in the
middle of a Russian page. When a test here fails, run ``make translations``, translate the new
or changed entries in web/translations/ru/LC_MESSAGES/messages.po, and run
``make translations`` (or ``pybabel compile -d web/translations``) again."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "web" / "translations" / "ru" / "LC_MESSAGES"
PO = CATALOGUE / "messages.po"
MO = CATALOGUE / "messages.mo"

# As `pybabel extract -k _l -k lazy_gettext`: Babel's defaults (_, gettext, ngettext with
# singular and plural, ...) plus the lazy ones.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

# %(name)s, %(n)d, %s, %d ... ("%%" is a literal percent sign, not a placeholder).
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")

FIX = (
    "Run `make translations`, translate the new entries in "
    "web/translations/ru/LC_MESSAGES/messages.po, then `make translations` again to compile."
)


def _catalogue():
    with PO.open("rb") as fh:
        return read_po(fh, locale="ru")


def _messages(catalogue):
    return [m for m in catalogue if m.id]


def _forms(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def _where(message) -> str:
    return ", ".join(f"{path}:{line}" for path, line in message.locations[:2]) or "?"


def test_every_russian_entry_is_translated_and_none_is_fuzzy():
    catalogue = _catalogue()
    assert not catalogue.fuzzy, "The catalogue header is marked fuzzy; pybabel compile skips it."
    assert catalogue.num_plurals == 3, "Russian has three plural forms (nplurals=3)."
    problems = []
    for m in _messages(catalogue):
        if m.fuzzy:
            problems.append(f"fuzzy: {m.id!r} ({_where(m)})")
        forms = _forms(m)
        if m.pluralizable and len(forms) != catalogue.num_plurals:
            problems.append(f"needs {catalogue.num_plurals} plural forms: {m.id!r} ({_where(m)})")
        if not all(form.strip() for form in forms):
            problems.append(f"empty: {m.id!r} ({_where(m)})")
    assert not problems, "Untranslated entries in messages.po:\n" + "\n".join(problems)


def test_translations_keep_every_placeholder_of_the_english_text():
    problems = []
    for m in _messages(_catalogue()):
        # Each Russian form must carry the number and names: form 0 also serves 21, 31...
        expected = sorted(set().union(*(_placeholders(i) for i in _ids(m))))
        for form in _forms(m):
            if sorted(set(_placeholders(form))) != expected:
                problems.append(f"{m.id!r}\n    -> {form!r}\n    expected {expected}, found {_placeholders(form)}")
    assert not problems, "Placeholders differ between English and Russian:\n" + "\n".join(problems)


def test_translations_keep_the_line_breaks_of_emails():
    problems = []
    for m in _messages(_catalogue()):
        breaks = _ids(m)[0].count("\n")
        problems += [f"{m.id!r} -> {form!r}" for form in _forms(m) if form.count("\n") != breaks]
    assert not problems, "Line breaks differ between English and Russian:\n" + "\n".join(problems)


def test_compiled_catalogue_matches_the_po_file():
    """The app reads the .mo; a .po edited without compiling changes nothing on screen.
    Compared by content, not by file time: git does not keep modification times."""
    assert MO.exists(), "messages.mo is missing. Run `pybabel compile -d web/translations`."
    with MO.open("rb") as fh:
        compiled = {_key(m): _forms(m) for m in read_mo(fh) if m.id}
    source = {_key(m): _forms(m) for m in _messages(_catalogue()) if not m.fuzzy}
    stale = sorted(set(source) ^ set(compiled), key=str)
    stale += sorted((k for k in set(source) & set(compiled) if source[k] != compiled[k]), key=str)
    assert not stale, (
        "messages.mo is out of date with messages.po; run "
        "`pybabel compile -d web/translations`. Differing entries:\n" + "\n".join(repr(k) for k in stale[:30])
    )


def _key(message) -> tuple[str, ...]:
    return tuple(_ids(message))


def _extracted() -> dict[tuple[str, ...], str]:
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: dict[tuple[str, ...], str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        ids = tuple(message) if isinstance(message, (list, tuple)) else (message,)
        ids = tuple(i for i in ids if i)
        if ids:
            found.setdefault(ids, f"{filename}:{lineno}")
    return found


def _by_place(where: str) -> tuple[str, int]:
    path, _, line = where.rpartition(":")
    return path, int(line)


def test_every_string_in_the_code_is_in_the_russian_catalogue():
    catalogue = _catalogue()
    known = {_key(m) for m in _messages(catalogue)}
    missing = {ids: where for ids, where in _extracted().items() if ids not in known}
    if missing:
        lines = [
            f"  {where}: {' | '.join(ids)!r}" for ids, where in sorted(missing.items(), key=lambda item: _by_place(item[1]))
        ]
        pytest.fail(
            f"{len(missing)} string(s) in the code are not in the Russian catalogue "
            f"(a plural shows as 'singular | plural'):\n" + "\n".join(lines) + "\n" + FIX,
            pytrace=False,
        )


def test_pages_are_russian_by_default_and_english_on_request(app):
    client = app.test_client()
    russian = client.get("/register", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<html lang="ru">' in russian
    assert "Заявка на вступление в сеть" in russian
    for label in ("Кыргызстан", "Пограничная служба", "Прокуратура", "Узбекский"):
        assert label in russian
    english = client.get("/register", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Apply to join the network" in english and "Kyrgyzstan" in english
