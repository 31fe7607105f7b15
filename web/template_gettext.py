"""Templates' ``_()`` and ``gettext()`` with the translation of each string kept per language.

Flask-Babel's template gettext finds the request's translations on every call (the locale,
then the domain, then its cache, each through ``g``): about 0.1 ms a string, and a
conversation page asks for some 70. Here the page's language comes from the template
context (``current_locale``, set by ``web.i18n`` for every render), and the translated text
of a string in a language is computed once per process. Catalogues are loaded once per
process by Flask-Babel too, so nothing can go stale that was not stale before.
"""

from __future__ import annotations

from flask_babel import get_translations, gettext
from jinja2 import pass_context
from jinja2.ext import _make_new_gettext

# Template strings are literals, a few hundred per language; the bound only guards against
# a template translating something unbounded.
_LIMIT = 20_000
_cache: dict[tuple[str, str], str] = {}


@pass_context
def template_gettext(context, string: str) -> str:
    locale = context.get("current_locale")
    if not locale:  # rendered without our context processor: the ordinary way
        return gettext(string)
    key = (locale, string)
    text = _cache.get(key)
    if text is None:
        text = get_translations().ugettext(string)
        if len(_cache) < _LIMIT:
            _cache[key] = text
    return text


def init_app(app) -> None:
    """Replace the ``gettext``/``_`` that Flask-Babel installed (newstyle: Jinja still escapes
    and fills the ``%(name)s`` values); ngettext and pgettext stay Flask-Babel's."""
    app.jinja_env.globals["gettext"] = app.jinja_env.globals["_"] = _make_new_gettext(template_gettext)
