from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

BRIEFING_TEMPLATE = "workorders/partials/_briefing.html"


def briefing_section(*, request, site=None, project=None, device=None) -> dict | None:
    """Pre-visit briefing: the site's (or device's) open and recent work orders."""
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    from weibao.accounts.permissions import has_perm
    from weibao.workorders.selectors import workorders_for_device, workorders_for_site

    if not has_perm(request.user, "workorders.view") or (site is None and device is None):
        return None
    try:
        get_template(BRIEFING_TEMPLATE)
    except TemplateDoesNotExist:
        return None  # the UI's fragment is not there (yet): show nothing rather than break the page
    if device is not None:
        orders = workorders_for_device(user=request.user, device=device)
        context = {"open": [o for o in orders if o.is_open], "recent": [o for o in orders if not o.is_open]}
    else:
        context = workorders_for_site(user=request.user, site=site)
    return {"title": _("Open and recent work orders"), "template": BRIEFING_TEMPLATE, "context": context, "order": 30}


def _recompute_after_calendar_change(calendar_ids: list[int]) -> None:
    """A calendar's working time changed (after commit): move the stored deadlines of the orders running on it."""
    from weibao.workorders.tasks import recompute_deadlines

    recompute_deadlines.enqueue(calendar_ids=calendar_ids)


class WorkordersConfig(AppConfig):
    name = "weibao.workorders"
    label = "workorders"
    verbose_name = _("Work orders")

    def ready(self) -> None:
        from weibao.contracts.services import calendars_changed_subscribe

        calendars_changed_subscribe(_recompute_after_calendar_change)
        try:
            from weibao.assets import briefing
        except ImportError:  # pragma: no cover - the estate app provides it
            return
        briefing.register_section(briefing_section)
        briefing.register_device_panel(briefing_section)
