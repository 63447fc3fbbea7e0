from django.templatetags.static import static

from weibao.core.icons import SPRITE
from weibao.core.navigation import nav_for
from weibao.core.shortcache import shown_key


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    # Once per request: every render_to_string(request=…) runs the context processors again (the briefing renders
    # each registered section that way), and the menu checks a permission per entry.
    memo = getattr(request, "_weibao_nav", None)
    if memo is None or memo[0] != user.pk:
        items, sprite = nav_for(user, request.path), static(SPRITE)
        # The menu's markup (~20 entries, ~1.5 ms to render on every page) is cached by a digest of what it shows.
        key = shown_key((sprite, [(str(i["label"]), i["url"], i["icon"], i["active"]) for i in items]))
        memo = request._weibao_nav = (user.pk, {"nav_items": items, "icon_sprite": sprite, "nav_key": key})
    return memo[1]
