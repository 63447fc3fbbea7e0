"""Every shipped zh-Hans catalogue is complete and compiled: no untranslated or fuzzy entry (a fuzzy entry is left
out of the .mo, so the page would show English) and the .mo says what the .po says (a forgotten compilemessages)."""

import ast
import gettext
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(PACKAGE.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))


@dataclass
class Entry:
    flags: str = ""
    strings: dict[str, str] = field(default_factory=dict)  # "msgctxt", "msgid", "msgid_plural", "msgstr[0]", …


def parse_po(text: str) -> list[Entry]:
    """A small .po reader: enough for Django's makemessages output (obsolete `#~` entries are skipped)."""
    entries, entry, key = [], Entry(), None
    for line in [*text.splitlines(), ""]:
        if not line.strip():
            if entry.strings:
                entries.append(entry)
            entry, key = Entry(), None
        elif line.startswith("#,"):
            entry.flags += line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry.strings[key] += ast.literal_eval(line)
        else:
            key, _sep, rest = line.partition(" ")
            entry.strings[key] = ast.literal_eval(rest)
    return [e for e in entries if e.strings.get("msgid")]


def test_there_are_catalogues():
    assert len(CATALOGUES) >= 9


def test_parser_sees_problems():
    bad = 'msgid "a"\nmsgstr ""\n\n#, fuzzy\nmsgid "b"\nmsgstr "乙"\n\nmsgid "c"\nmsgid_plural "cs"\nmsgstr[0] ""\n'
    entries = parse_po(bad)
    assert [e.strings["msgid"] for e in entries] == ["a", "b", "c"]
    assert "fuzzy" in entries[1].flags
    assert entries[2].strings["msgstr[0]"] == ""


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(PACKAGE).parts[0]))
def test_catalogue_is_complete_and_compiled(po: Path):
    entries = parse_po(po.read_text(encoding="utf-8"))
    with po.with_suffix(".mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    problems = []
    for e in entries:
        s = e.strings
        translations = [v for k, v in s.items() if k.startswith("msgstr")]
        if "fuzzy" in e.flags:
            problems.append(f"fuzzy: {s['msgid']!r}")
        elif not translations or not all(translations):
            problems.append(f"untranslated: {s['msgid']!r}")
        elif "msgid_plural" in s:
            if compiled.ngettext(s["msgid"], s["msgid_plural"], 1) != s["msgstr[0]"]:
                problems.append(f"not compiled: {s['msgid']!r}")
        elif "msgctxt" in s:
            if compiled.pgettext(s["msgctxt"], s["msgid"]) != s["msgstr"]:
                problems.append(f"not compiled: {s['msgid']!r}")
        elif compiled.gettext(s["msgid"]) != s["msgstr"]:
            problems.append(f"not compiled: {s['msgid']!r}")
    assert problems == []
