"""The pairing report's "Share of each country's mentees matched" chart on a 360 px phone
(issue 14): its names and figures are drawn at a legible size (not scaled down with the
chart), inside the screen, and each bar still says its value."""

from __future__ import annotations

from tests.browser.support import assert_no_horizontal_scroll, sign_in
from tests.browser.test_coordinator_pages import world  # noqa: F401 - the fixture

SHARES = "section[aria-labelledby=flows-h] figure.chart-figure:not(.heatmap) svg"
# The size a reader sees: the font size times the chart's scale on the screen.
RENDERED = """svg => [...svg.querySelectorAll('text')].map(t => {
  const r = t.getBoundingClientRect();
  return {text: t.textContent, size: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a,
          left: r.left, right: r.right};
})"""


def test_the_shares_chart_is_legible_on_a_phone(new_page, live_server, world):  # noqa: F811
    page = new_page(locale="ru-RU", width=360, height=740)
    sign_in(page, "coordinator@example.org")
    page.goto(f"/coordinator/console/runs/{world['run']}")
    assert_no_horizontal_scroll(page, 360)
    texts = page.eval_on_selector(SHARES, RENDERED)
    assert len(texts) == 10, texts  # five countries: a name and a share each
    small = [(t["text"], round(t["size"], 1)) for t in texts if t["size"] < 12]
    assert not small, f"shares chart text below 12 px on a phone: {small}"
    outside = [t["text"] for t in texts if t["left"] < 0 or t["right"] > 360]
    assert not outside, f"cut off at the screen's edge: {outside}"
    assert "100 %" in [t["text"] for t in texts]
