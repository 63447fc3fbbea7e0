"""Menu icons: symbols of the vendored Lucide sprite (static/vendor/lucide/sprite.svg, ISC licence).

Icons are drawn as SVG, never as text glyphs: a glyph missing from the installed fonts shows as a box (tofu) on
the customer's PC or phone. A NavItem names one of ICONS; anything else (an older glyph) draws the neutral dot.
"""

SPRITE = "vendor/lucide/sprite.svg"
FALLBACK = "dot"
ICONS = frozenset(
    {
        "house",
        "clipboard-list",
        "chart-column",
        "circle-plus",
        "triangle-alert",
        "calendar-clock",
        "building-2",
        "server",
        "folder-kanban",
        "search",
        "factory",
        "file-text",
        "calendar-days",
        "timer",
        "mail",
        "inbox",
        "bell",
        "users",
        "key-round",
        "map-pin",
        "activity",
        "circle-user",
        "dot",
        "message-square",
        "chart-line",
        "wallet",
        "package",
        "rotate-ccw",
        "clipboard-check",
        "calendar-check",
        "wrench",
    }
)


def icon_name(value: str) -> str:
    """The sprite symbol for a menu entry's icon (the fallback dot for anything the sprite does not hold)."""
    return value if value in ICONS else FALLBACK
