"""Checks on a rendered PDF shared by the view and browser tests: its text, its fonts, and that it renders."""

import shutil
import subprocess

import pytest


def _tool(*args: str) -> str:
    return subprocess.run(list(args), check=True, capture_output=True, text=True).stdout  # noqa: S603


def pdf_checks(data: bytes, tmp_path, *expected: str) -> str:
    """pdftotext finds the expected text; pdffonts shows only embedded Noto Sans CJK (a missing CJK font would
    fall back to a face without the glyphs: boxes); pdftoppm renders every page."""
    tools = {name: shutil.which(name) for name in ("pdftotext", "pdffonts", "pdftoppm")}
    if not all(tools.values()):
        pytest.skip("poppler-utils not installed")
    path = tmp_path / "form.pdf"
    path.write_bytes(data)
    text = _tool(tools["pdftotext"], "-layout", str(path), "-")
    for piece in expected:
        assert piece in text, piece
    fonts = _tool(tools["pdffonts"], str(path))
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows, "no fonts in the PDF"
    for row in rows:
        assert "Noto-Sans-CJK" in row[0], f"unexpected font {row[0]}"
        assert row[-5:-2] == ["yes", "yes", "yes"], f"font not embedded/subset/unicode: {row}"
    _tool(tools["pdftoppm"], "-r", "30", "-png", str(path), str(tmp_path / "page"))
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) >= 2  # two copies
    return text
