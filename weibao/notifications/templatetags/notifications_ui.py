"""`{% load notifications_ui %}{% deliveries_panel workorder %}` on the work-order page: the notices sent about
the order (staff with the log permission only; nothing for anyone else)."""

from django import template

from weibao.notifications.selectors import delivery_list_for_workorder

register = template.Library()


@register.inclusion_tag("notifications/partials/_deliveries.html", takes_context=True)
def deliveries_panel(context, workorder) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return {"deliveries": []}
    return {"deliveries": list(delivery_list_for_workorder(workorder, user)[:50])}
