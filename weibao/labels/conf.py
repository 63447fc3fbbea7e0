"""Label settings: a Django setting when present (tests override them), else a WEIBAO_* variable."""

from typing import Any

from django.conf import settings

from weibao.env import env_int, env_str

DEFAULTS: dict[str, Any] = {
    # Printed on every label: the number a customer calls when the scan page is no help.
    "WEIBAO_HOTLINE": lambda: env_str("WEIBAO_HOTLINE", "400-000-0000"),
    # Default sheet: columns x rows of labels on an A4 page (the print form may choose another).
    "WEIBAO_LABEL_GRID": lambda: env_str("WEIBAO_LABEL_GRID", "3x8"),
    # One-time SMS codes of the scan page: validity, wrong tries per code, and requests allowed per number,
    # per label and per client address in the window.
    "WEIBAO_SCAN_CODE_MINUTES": lambda: env_int("WEIBAO_SCAN_CODE_MINUTES", 10, minimum=1),
    "WEIBAO_SCAN_CODE_ATTEMPTS": lambda: env_int("WEIBAO_SCAN_CODE_ATTEMPTS", 5, minimum=1),
    "WEIBAO_SCAN_CODE_WINDOW_MINUTES": lambda: env_int("WEIBAO_SCAN_CODE_WINDOW_MINUTES", 60, minimum=1),
    "WEIBAO_SCAN_CODES_PER_PHONE": lambda: env_int("WEIBAO_SCAN_CODES_PER_PHONE", 3, minimum=1),
    "WEIBAO_SCAN_CODES_PER_LABEL": lambda: env_int("WEIBAO_SCAN_CODES_PER_LABEL", 10, minimum=1),
    "WEIBAO_SCAN_CODES_PER_ADDRESS": lambda: env_int("WEIBAO_SCAN_CODES_PER_ADDRESS", 10, minimum=1),
    # How long a verified contact may report from the scanned label without a new code.
    "WEIBAO_SCAN_SESSION_MINUTES": lambda: env_int("WEIBAO_SCAN_SESSION_MINUTES", 30, minimum=1),
}

GRID_COLUMNS = range(1, 6)  # the stylesheet has classes for 1..5 columns
GRID_ROWS = range(1, 13)  # and 1..12 rows


def get(name: str) -> Any:
    if hasattr(settings, name):
        return getattr(settings, name)
    return DEFAULTS[name]()


def parse_grid(value: str) -> tuple[int, int] | None:
    """ "3x8" → (3, 8); None when it is not a grid the sheet can print."""
    cols, sep, rows = (value or "").lower().replace("×", "x").partition("x")
    if not sep or not (cols.strip().isdigit() and rows.strip().isdigit()):
        return None
    grid = int(cols), int(rows)
    return grid if grid[0] in GRID_COLUMNS and grid[1] in GRID_ROWS else None


def default_grid() -> tuple[int, int]:
    return parse_grid(get("WEIBAO_LABEL_GRID")) or (3, 8)
