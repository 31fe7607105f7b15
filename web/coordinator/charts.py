"""Small server-side charts: functions that return SVG markup.

Pure Python, no JavaScript: every chart has ``role="img"``, an ``aria-label``, a ``<title>``
and a ``<desc>``; the page puts a data table or a sentence beside it. Sizes are in a
``viewBox`` so the chart scales to a phone and prints. Colours are SVG presentation
attributes (the CSP forbids ``style=""``) chosen for contrast on white: text is dark on
light cells and white on dark ones.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

INK = "#1b1b1f"
MUTED = "#4a4a55"
BAR = "#1f5fa8"  # 6.1:1 on white
GRID = "#c8c8d0"
TRACK = "#e6ebf2"  # the empty part of a bar
# Heat-map shades from light to dark blue; text is white from index 4 on: every cell's
# number has a contrast of at least 4.5:1 (ink on #4f8fd0 is 5.1:1, white on #1f5fa8 6.4:1).
SHADES = ("#f2f5fa", "#cfe0f3", "#9dc2e8", "#4f8fd0", "#1f5fa8", "#0d3a6e")
FONT = "system-ui, sans-serif"
WHITE_FROM = 4


def _svg(width: int, height: int, label: str, desc: str, body: list[str], *, natural: bool = False) -> Markup:
    """``natural``: drawn at its own size (12 px text stays 12 px), not scaled to the page."""
    label_e, desc_e = escape(label), escape(desc)
    size = f'width="{width}" height="{height}" ' if natural else ""
    # Every text that goes in was escaped by _text or here.
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" {size}viewBox="0 0 {width} {height}" '
        f'class="chart" role="img" aria-label="{label_e}" preserveAspectRatio="xMinYMin meet" '
        f'font-family="{FONT}" font-size="12">'
        f"<title>{label_e}</title><desc>{desc_e}</desc>" + "".join(body) + "</svg>"
    )


def _text(
    x: float | str,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    fill: str = INK,
    size: int | None = None,
    weight: str | None = None,
) -> str:
    extra = f' font-size="{size}"' if size else ""
    extra += f' font-weight="{weight}"' if weight else ""
    x = x if isinstance(x, str) else f"{x:.1f}"  # a string is a length such as "100%"
    return f'<text x="{x}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{extra}>{escape(str(text))}</text>'


def shade(value: float, top: float) -> tuple[str, str]:
    """Fill and text colour of a heat-map cell: ``value`` of at most ``top``."""
    if value <= 0 or top <= 0:
        return SHADES[0], INK
    index = 1 + min(len(SHADES) - 2, int((value / top) * (len(SHADES) - 1) - 1e-9))
    return SHADES[index], ("#ffffff" if index >= WHITE_FROM else INK)


def heatmap(
    rows: list[str],
    cols: list[str],
    values: dict[tuple[str, str], int],
    *,
    row_labels: dict[str, str],
    col_labels: dict[str, str],
    label: str,
    desc: str,
) -> Markup:
    """A grid of counts: ``values[(row, col)]``; darker is more. Every cell carries its number.

    Labels are 12 px and level (column labels over their column, on two lines when long);
    the chart is drawn at its own size. Below 600 px the page shows a ranked list instead."""
    cell_w, cell, left, top = 92, 40, 130, 40
    width = left + cell_w * max(1, len(cols)) + 4
    height = top + cell * max(1, len(rows)) + 4
    peak = max(values.values(), default=0)
    body = []
    for j, col in enumerate(cols):
        x = left + j * cell_w + cell_w / 2
        lines = _two_lines(col_labels.get(col, col))
        for k, line in enumerate(lines):
            body.append(_text(x, top - 8 - 14 * (len(lines) - 1 - k), line, anchor="middle", fill=MUTED))
    for i, row in enumerate(rows):
        y = top + i * cell
        body.append(_text(left - 8, y + cell / 2 + 4, row_labels.get(row, row), anchor="end", fill=MUTED))
        for j, col in enumerate(cols):
            n = int(values.get((row, col), 0))
            fill, ink = shade(n, peak)
            x = left + j * cell_w
            body.append(
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell - 2}" '
                f'fill="{fill}" stroke="{GRID}" stroke-width="1"><title>'
                f"{escape(row_labels.get(row, row))} → {escape(col_labels.get(col, col))}: "
                f"{n}</title></rect>"
            )
            body.append(_text(x + (cell_w - 2) / 2, y + cell / 2 + 4, str(n), anchor="middle", fill=ink, weight="600"))
    return _svg(width, height, label, desc, body, natural=True)


def _two_lines(text: str, room: int = 13) -> list[str]:
    """A label on one line, or split at the space (or hyphen) nearest its middle when long."""
    if len(text) <= room:
        return [text]
    cuts = [i for i, ch in enumerate(text) if ch in " -"]
    if not cuts:
        return [text]
    cut = min(cuts, key=lambda i: abs(i - len(text) / 2))
    return [text[: cut + (text[cut] == "-")].strip(), text[cut + 1 :].strip()]


def hbars(items: list[tuple[str, float, str]], *, label: str, desc: str, maximum: float = 1.0) -> Markup:
    """Horizontal bars: ``(name, value, value_text)``, value from 0 to ``maximum``.

    Fluid, not scaled: the chart is as wide as its box and its text stays 14 px on a phone
    and on a desktop. Each row is the name (left) and the value (right) over a full-width
    track whose filled part is the value, in percentages of the chart's width."""
    row, bar_h, text_y, bar_y = 44, 14, 15, 22
    height = max(1, len(items)) * row
    body = []
    for i, (name, value, text) in enumerate(items):
        y = i * row
        pct = 0 if maximum <= 0 else max(0.0, min(1.0, value / maximum)) * 100
        body.append(_text(0, y + text_y, name, size=14))
        body.append(_text("100%", y + text_y, text, anchor="end", size=14, weight="600"))
        body.append(f'<rect x="0" y="{y + bar_y}" width="100%" height="{bar_h}" fill="{TRACK}"/>')
        body.append(f'<rect x="0" y="{y + bar_y}" width="{pct:.1f}%" height="{bar_h}" fill="{BAR}"/>')
    label_e, desc_e = escape(label), escape(desc)
    return Markup(  # noqa: S704 - every text that goes in was escaped by _text or here
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" height="{height}" class="chart-bars" '
        f'role="img" aria-label="{label_e}" font-family="{FONT}" font-size="14">'
        f"<title>{label_e}</title><desc>{desc_e}</desc>" + "".join(body) + "</svg>"
    )


def histogram(edges: list[float], counts: list[int], *, label: str, desc: str) -> Markup:
    """Vertical bars over the bins ``[edges[i], edges[i+1])``, each with its count above."""
    width, height, left, bottom, top = 460, 220, 36, 34, 20
    n = max(1, len(counts))
    span_w, span_h = width - left - 10, height - top - bottom
    peak = max(counts, default=0) or 1
    bw = span_w / n
    body = [f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="{MUTED}"/>']
    for i, c in enumerate(counts):
        h = span_h * c / peak
        x = left + i * bw
        y = height - bottom - h
        lo = edges[i] if i < len(edges) else 0
        hi = edges[i + 1] if i + 1 < len(edges) else lo
        body.append(
            f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(bw - 2, 1):.1f}" '
            f'height="{h:.1f}" fill="{BAR}"><title>{lo:.2f}–{hi:.2f}: {c}</title></rect>'
        )
        if c:
            body.append(_text(x + bw / 2, y - 4, str(c), anchor="middle", size=11))
    step = max(1, n // 5)
    for i in range(0, len(edges), step):
        x = left + i * bw
        body.append(_text(x, height - bottom + 16, f"{edges[i]:.1f}", anchor="middle", fill=MUTED, size=11))
    return _svg(width, height, label, desc, body)
