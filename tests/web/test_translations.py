"""Every catalogue is complete, well-formed, compiled, and covers every string in the code.

The interface speaks the network's languages: Russian (the common one), Kazakh, Kyrgyz,
Tajik, Turkmen, Uzbek (Latin, and Cyrillic as uz_Cyrl) and English, the source language. An
untranslated string shows up in English in the middle of a Kazakh page. When a test here
fails, run ``make translations``, translate the new or changed entries in
web/translations/<lang>/LC_MESSAGES/messages.po, and run ``make translations`` (or
``pybabel compile -d web/translations``) again."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from web.config import Config

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "web" / "translations"
# English is the source language: every other interface language has a catalogue.
LOCALES = tuple(code for code in Config.LANGUAGES if code != "en")

# As `pybabel extract -k _l -k lazy_gettext`: Babel's defaults (_, gettext, ngettext with
# singular and plural, ...) plus the lazy ones.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

# %(name)s, %(n)d, %s, %d ... ("%%" is a literal percent sign, not a placeholder).
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def _po(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def _mo(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo"


def _fix(locale: str) -> str:
    return (
        f"Run `make translations`, translate the new entries in {_po(locale).relative_to(ROOT)}, "
        "then `make translations` again to compile."
    )


def test_every_interface_language_has_a_catalogue_and_every_catalogue_is_served():
    on_disk = sorted(p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES" / "messages.po").exists())
    assert on_disk == sorted(LOCALES), "web/translations and Config.LANGUAGES disagree"
    assert set(LOCALES) >= {"ru", "kk", "ky", "tg", "tk", "uz"}


def _catalogue(locale: str):
    with _po(locale).open("rb") as fh:
        return read_po(fh, locale=locale)


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


@pytest.mark.parametrize("locale", LOCALES)
def test_every_entry_is_translated_and_none_is_fuzzy(locale):
    catalogue = _catalogue(locale)
    assert not catalogue.fuzzy, f"The {locale} catalogue header is marked fuzzy; pybabel compile skips it."
    assert str(catalogue.locale) == locale
    problems = []
    for m in _messages(catalogue):
        if m.fuzzy:
            problems.append(f"fuzzy: {m.id!r} ({_where(m)})")
        forms = _forms(m)
        if m.pluralizable and len(forms) != catalogue.num_plurals:
            problems.append(f"needs {catalogue.num_plurals} plural forms: {m.id!r} ({_where(m)})")
        if not all(form.strip() for form in forms):
            problems.append(f"empty: {m.id!r} ({_where(m)})")
    assert not problems, f"Untranslated entries in {_po(locale).relative_to(ROOT)}:\n" + "\n".join(problems)


def _cldr_categories(locale: str) -> dict[int, str]:
    rule = Locale.parse(locale).plural_form
    return {n: rule(n) for n in range(0, 1001)}


def _check_plural_rule(locale: str, nplurals: int, choose) -> list[str]:
    """``choose(n)`` (the catalogue's Plural-Forms) must pick one form per CLDR category of
    whole numbers, and as many forms as there are such categories: Russian 1 / 2-4 / 5-20
    (one, few, many), Tajik 0-1 / 2+ (one, other), Kazakh 1 / other..."""
    problems = []
    forms_of: dict[str, set[int]] = {}
    categories_of: dict[int, set[str]] = {}
    for n, category in _cldr_categories(locale).items():
        form = choose(n)
        if not 0 <= form < nplurals:
            problems.append(f"n={n} picks form {form}, outside 0..{nplurals - 1}")
        forms_of.setdefault(category, set()).add(form)
        categories_of.setdefault(form, set()).add(category)
    if len(forms_of) != nplurals:
        problems.append(
            f"nplurals={nplurals}, but CLDR has {len(forms_of)} categories for whole numbers: {sorted(forms_of)}"
        )
    problems += [f"CLDR category {c!r} is split over forms {sorted(f)}" for c, f in forms_of.items() if len(f) > 1]
    problems += [f"form {f} mixes CLDR categories {sorted(c)}" for f, c in categories_of.items() if len(c) > 1]
    return problems


@pytest.mark.parametrize("locale", LOCALES)
def test_plural_forms_follow_the_languages_cldr_rule(locale):
    catalogue = _catalogue(locale)
    problems = _check_plural_rule(locale, catalogue.num_plurals, gettext.c2py(catalogue.plural_expr))
    # What the running app uses: the header compiled into the .mo.
    with _mo(locale).open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    problems += ["compiled: " + p for p in _check_plural_rule(locale, catalogue.num_plurals, compiled.plural)]
    assert not problems, f"Plural-Forms of {locale} ({catalogue.plural_expr}):\n" + "\n".join(problems)


def test_the_plural_check_catches_a_wrong_rule():
    assert _check_plural_rule("ru", 2, lambda n: int(n != 1))
    assert _check_plural_rule("tg", 2, lambda n: int(n != 1))  # Tajik says "0" like "1"
    assert not _check_plural_rule("tg", 2, lambda n: int(n > 1))
    assert not _check_plural_rule("kk", 2, lambda n: int(n != 1))


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_every_placeholder_of_the_english_text(locale):
    problems = []
    for m in _messages(_catalogue(locale)):
        # Each translated form must carry the number and names: form 0 also serves 21, 31...
        expected = sorted(set().union(*(_placeholders(i) for i in _ids(m))))
        for form in _forms(m):
            if sorted(set(_placeholders(form))) != expected:
                problems.append(f"{m.id!r}\n    -> {form!r}\n    expected {expected}, found {_placeholders(form)}")
    assert not problems, f"Placeholders differ between English and {locale}:\n" + "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_line_breaks_of_emails(locale):
    problems = []
    for m in _messages(_catalogue(locale)):
        breaks = _ids(m)[0].count("\n")
        problems += [f"{m.id!r} -> {form!r}" for form in _forms(m) if form.count("\n") != breaks]
    assert not problems, f"Line breaks differ between English and {locale}:\n" + "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_matches_the_po_file(locale):
    """The app reads the .mo; a .po edited without compiling changes nothing on screen.
    Compared by content, not by file time: git does not keep modification times."""
    mo = _mo(locale)
    assert mo.exists(), f"{mo.relative_to(ROOT)} is missing. Run `pybabel compile -d web/translations`."
    with mo.open("rb") as fh:
        compiled = {_key(m): _forms(m) for m in read_mo(fh) if m.id}
    source = {_key(m): _forms(m) for m in _messages(_catalogue(locale)) if not m.fuzzy}
    stale = sorted(set(source) ^ set(compiled), key=str)
    stale += sorted((k for k in set(source) & set(compiled) if source[k] != compiled[k]), key=str)
    assert not stale, (
        f"{locale}: messages.mo is out of date with messages.po; run "
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


@pytest.fixture(scope="module")
def extracted() -> dict[tuple[str, ...], str]:
    return _extracted()


@pytest.mark.parametrize("locale", LOCALES)
def test_every_string_in_the_code_is_in_the_catalogue(locale, extracted):
    catalogue = _catalogue(locale)
    known = {_key(m) for m in _messages(catalogue)}
    missing = {ids: where for ids, where in extracted.items() if ids not in known}
    if missing:
        lines = [
            f"  {where}: {' | '.join(ids)!r}" for ids, where in sorted(missing.items(), key=lambda item: _by_place(item[1]))
        ]
        pytest.fail(
            f"{len(missing)} string(s) in the code are not in the {locale} catalogue "
            f"(a plural shows as 'singular | plural'):\n" + "\n".join(lines) + "\n" + _fix(locale),
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
