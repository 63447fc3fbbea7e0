"""Issue 18 §24: the formatter formats. No formatter escape comments (fmt skip/off) except where a table's alignment is the point:
today no code needs it (migrations are generated and left as they are)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
ALLOWED: set[str] = set()  # "weibao/app/module.py" of an aligned table that must keep its columns
MARKERS = ("# fmt: " + "skip", "# fmt: " + "off")  # spelt in two pieces so this file does not match itself


def test_no_formatter_escapes_outside_alignment_tables():
    found = sorted(
        str(path.relative_to(ROOT))
        for folder in ("weibao", "bench", "scripts")
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts and any(marker in path.read_text(encoding="utf-8") for marker in MARKERS)
    )
    assert [p for p in found if p not in ALLOWED] == []
