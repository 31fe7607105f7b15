"""Message text to HTML: everything escaped, line breaks kept, http(s) links made clickable."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_URL = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}"


def render(text: str) -> Markup:
    """Escape every piece of the raw text; only the links we build are markup."""
    text = (text or "").replace("\r\n", "\n")
    parts: list[str] = []
    pos = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        end = match.start() + len(url)
        parts.append(str(escape(text[pos : match.start()])))
        parts.append(f'<a href="{escape(url)}" rel="nofollow noopener noreferrer">{escape(url)}</a>')
        pos = end
    parts.append(str(escape(text[pos:])))
    # Every part above is escaped or built from escaped pieces.
    return Markup("".join(parts).replace("\n", "<br>\n"))  # noqa: S704
