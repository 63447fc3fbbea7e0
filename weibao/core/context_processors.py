from django.templatetags.static import static

from weibao.core.icons import SPRITE
from weibao.core.navigation import nav_for


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {"nav_items": nav_for(user, request.path), "icon_sprite": static(SPRITE)}
