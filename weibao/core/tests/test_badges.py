"""Issue 18 §21: one badge vocabulary — tone names in code and templates, their colours in one stylesheet."""

import importlib
import re
from pathlib import Path

from django.apps import apps

from weibao.core.badges import TONES

PACKAGE = Path(__file__).resolve().parents[2]
CSS = PACKAGE / "static" / "css" / "weibao.css"


def _badge_tables() -> dict[str, dict]:
    tables = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("weibao."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.choices")
        except ModuleNotFoundError:
            continue
        for name, value in vars(module).items():
            if re.search(r"BADGES?$", name) and isinstance(value, dict):
                tables[f"{config.label}.{name}"] = value
    return tables


def test_every_badge_table_names_tones():
    tables = _badge_tables()
    assert len(tables) >= 10
    wrong = {name: sorted(set(t.values()) - set(TONES)) for name, t in tables.items() if set(t.values()) - set(TONES)}
    assert wrong == {}


def test_the_stylesheet_styles_each_tone_and_no_colour_name():
    css = CSS.read_text(encoding="utf-8")
    classes = set(re.findall(r"\.badge-([a-z]+)\b", css))
    assert classes == set(TONES)


def test_templates_name_tones_not_colours():
    wrong = []
    for path in PACKAGE.rglob("templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r'class="badge\b([^"]*)"', text):
            attribute = match.group(1)
            # A literal suffix must be a tone; a computed one must come after "badge-" (the tone is the suffix).
            for suffix in re.findall(r"badge-([a-z]+)", attribute):
                if suffix not in TONES:
                    wrong.append(f"{path.relative_to(PACKAGE)}: {match.group(0)}")
            if "{{" in attribute and "badge-{{" not in attribute:
                wrong.append(f"{path.relative_to(PACKAGE)}: {match.group(0)}")
            for word in re.findall(r"%\}\s*([a-z]+)\s*\{%", attribute):
                if word not in TONES:
                    wrong.append(f"{path.relative_to(PACKAGE)}: {match.group(0)}")
    assert wrong == []


def test_python_names_no_badge_class():
    wrong = [
        f"{path.relative_to(PACKAGE)}"
        for path in PACKAGE.rglob("*.py")
        if "tests" not in path.parts
        and re.search(r"""["']badge-(red|orange|green|blue|grey|danger|warn|ok|info|muted)""", path.read_text())
    ]
    assert wrong == []
