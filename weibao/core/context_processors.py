from django.templatetags.static import static

from weibao.core.icons import SPRITE
from weibao.core.navigation import nav_for


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    # Once per request: every render_to_string(request=…) runs the context processors again (the briefing renders
    # each registered section that way), and the menu checks a permission per entry.
    memo = getattr(request, "_weibao_nav", None)
    if memo is None or memo[0] != user.pk:
        memo = request._weibao_nav = (
            user.pk,
            {"nav_items": nav_for(user, request.path), "icon_sprite": static(SPRITE)},
        )
    return memo[1]
