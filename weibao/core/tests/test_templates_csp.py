"""The Content-Security-Policy allows no inline script and no inline style, so no template may contain one (issue 19,
point 6). This scan catches templates added later, by anyone: every .html under weibao/ (e-mail templates excepted,
mail clients need inline styles)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

PACKAGE = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(
    p for p in PACKAGE.rglob("*.html") if "templates" in p.parts and "email" not in p.parts and "static" not in p.parts
)

# <script> with a body or without src (data blocks of type application/json are fine: json_script renders them).
SCRIPT_TAG = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.S | re.I)
RULES = {
    "<style> block": re.compile(r"<style\b", re.I),
    'style="…" attribute': re.compile(r"""[\s"'](?:style)\s*=""", re.I),
    "on…= event handler": re.compile(r"""[\s"'](on[a-z]+)\s*=\s*["'{]""", re.I),
    "hx-on handler": re.compile(r"\bhx-on", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "js: value (eval)": re.compile(r"""hx-(?:vals|vars|headers)\s*=\s*["']\s*js:""", re.I),
}


def problems(text: str) -> list[str]:
    found = []
    for match in SCRIPT_TAG.finditer(text):
        attrs, body = match["attrs"], match["body"]
        if "application/json" in attrs:
            continue
        if "src=" not in attrs or body.strip():
            found.append(f"inline <script>: {match[0][:80]!r}")
    for label, pattern in RULES.items():
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"line {line}: {label}: {text[max(0, match.start() - 20) : match.end() + 40]!r}")
    return found


def test_the_scan_sees_the_templates():
    assert len(TEMPLATES) > 50
    assert PACKAGE / "templates" / "base.html" in TEMPLATES


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<script src="/static/x.js">alert(1)</script>',
        "<style>.x{}</style>",
        '<div style="color:red">',
        "<p class=\"a\" style='x'>",
        '<button onclick="go()">',
        "<body onload='x()'>",
        '<a href="javascript:history.back()">',
        '<div hx-on:click="x()">',
        "<div hx-vals='js:{a: 1}'>",
    ],
)
def test_the_scan_catches(snippet):
    assert problems(f"<div>{snippet}</div>")


@pytest.mark.parametrize(
    "snippet",
    [
        "<script src=\"{% static 'js/weibao.js' %}\" defer></script>",
        '<script id="d" type="application/json">{"a": 1}</script>',
        '<input name="style">',
        '<div data-online="1" class="stylish">',
        "<p>{% translate 'Set the style of the report' %}</p>",
    ],
)
def test_the_scan_lets_pass(snippet):
    assert problems(snippet) == []


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_inline_script_or_style_in_templates(path):
    assert problems(path.read_text(encoding="utf-8")) == []


def test_the_policy_allows_no_inline_code():
    policy = settings.SECURE_CSP
    for directive in ("script-src", "style-src", "default-src"):
        assert "'unsafe-inline'" not in policy[directive]
        assert "'unsafe-eval'" not in policy[directive]
    assert "script-src-attr" not in policy
    assert "style-src-attr" not in policy
