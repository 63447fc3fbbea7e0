"""Issue 18 §14 in a real browser: no tofu — every menu icon draws from the vendored SVG sprite, and no character
of the menu falls back to the missing-glyph box of the installed fonts."""

import pytest

pytestmark = pytest.mark.browser

# Draw each character with the menu's font on a canvas and compare with a code point no font has (its .notdef box).
MISSING_GLYPHS = """() => {
  const canvas = document.createElement('canvas'); canvas.width = 48; canvas.height = 48;
  const ctx = canvas.getContext('2d');
  const link = document.querySelector('#mainnav a');
  const font = getComputedStyle(link).fontFamily;
  const draw = (ch) => { ctx.clearRect(0, 0, 48, 48); ctx.font = `28px ${font}`; ctx.fillText(ch, 4, 36);
                         return ctx.getImageData(0, 0, 48, 48).data.join(','); };
  const tofu = draw(String.fromCodePoint(0x10FFFD));
  const missing = new Set();
  for (const a of document.querySelectorAll('#mainnav a')) {
    for (const ch of a.textContent.replace(/\\s/g, '')) { if (draw(ch) === tofu) missing.add(ch); }
  }
  return [...missing];
}"""
ICON_SIZES = """() => [...document.querySelectorAll('#mainnav svg.icon')].map(
  (svg) => { const box = svg.querySelector('use').getBBox(); return [svg.dataset.icon, box.width, box.height]; })"""


@pytest.mark.parametrize("who", ["admin_user", "customer_a_user", "field_engineer"])
def test_menu_has_no_tofu(browser_page, login_as, request, who):
    page = login_as(request.getfixturevalue(who))
    page.goto("/")
    page.wait_for_selector("#mainnav svg.icon")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#mainnav svg.icon use')].every((u) => u.getBBox().width > 0)",
        timeout=5000,
    )
    sizes = page.evaluate(ICON_SIZES)
    assert sizes
    assert all(w > 0 and h > 0 for _name, w, h in sizes), sizes
    assert page.evaluate(MISSING_GLYPHS) == []
