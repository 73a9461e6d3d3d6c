"""The focus outline has a contrast of at least 3:1 with the background it is drawn on (WCAG
1.4.11), on every stop that Tab reaches on the main pages: the light page, the grey cards, the
coloured badges and the dark header."""

from __future__ import annotations

import pytest

from tests.conftest import make_client

pytestmark = pytest.mark.django_db(transaction=True)

# For the focused element: its outline colour and the first opaque background under the middle
# of the outline's right edge (the outline lies outside the element: what is painted there is
# its parent, or whatever the element is laid over, like the skip link over the dark header).
MEASURE = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
    const r = el.getBoundingClientRect();
    const width = parseFloat(style.outlineWidth) || 0;
    const x = Math.min(r.right + (parseFloat(style.outlineOffset) || 0) + width / 2,
                       window.innerWidth - 1);
    const y = Math.max(0, Math.min(r.top + r.height / 2, window.innerHeight - 1));
    let under = document.elementsFromPoint(x, y).find((e) => e !== el && !el.contains(e));
    let bg = null;
    for (let p = under || el.parentElement; p; p = p.parentElement) {
        const c = rgb(getComputedStyle(p).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0.99)) { bg = c.slice(0, 3); break; }
    }
    return {what: el.tagName + (el.id ? '#' + el.id : '') + ' ' +
                  (el.textContent || '').trim().slice(0, 30),
            style: style.outlineStyle, width: width,
            outline: rgb(style.outlineColor).slice(0, 3), background: bg || [255, 255, 255]};
}"""


def luminance(rgb: list[float]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: list[float], b: list[float]) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_arithmetic_matches_the_wcag_reference_pairs():
    assert round(contrast([0, 0, 0], [255, 255, 255]), 1) == 21.0
    assert round(contrast([255, 191, 71], [255, 255, 255]), 1) == 1.6  # the old yellow outline


def test_every_focus_stop_has_an_outline_of_at_least_3_to_1(
    page, live_server, sign_in, lead, team_a, adviser
):
    client = make_client(team_a, responsible_adviser=adviser)
    sign_in(page, lead.username)
    low = []
    stops = 0
    for path in ("/clients/", f"/clients/{client.pk}/", f"/teams/{team_a.pk}/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        for _ in range(60):
            page.keyboard.press("Tab")
            m = page.evaluate(MEASURE)
            if m["what"].startswith("BODY"):
                break
            stops += 1
            ratio = contrast(m["outline"], m["background"])
            if m["style"] == "none" or m["width"] < 2 or ratio < 3:
                low.append((path, m["what"], m["outline"], m["background"], round(ratio, 2)))
    assert stops > 30
    assert not low, low
