"""Which devices a label sheet covers (scoped to the user), and the facts each printed label shows."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse

from weibao.labels import conf
from weibao.labels.models import Label


def label_in_force(*, device) -> Label | None:
    return Label.objects.filter(device=device, revoked_at__isnull=True).first()


def sheet_devices(
    *, user, site_id: int | None = None, project_id: int | None = None, device_id: int | None = None
) -> QuerySet:
    """The devices of one site, project or device the user can see (404 through the scoping selectors for anything
    outside the user's organisation), in the order they hang: location, then name. Retired devices get no label."""
    from weibao.assets.choices import DeviceStatus
    from weibao.assets.selectors import device_get_for_user, device_qs_for, project_get_for_user
    from weibao.customers.selectors import site_get_for_user

    qs = device_qs_for(user).select_related("site", "customer").exclude(status=DeviceStatus.RETIRED)
    if site_id is not None:
        qs = qs.filter(site=site_get_for_user(user=user, pk=site_id))
    elif project_id is not None:
        qs = qs.filter(project=project_get_for_user(user=user, pk=project_id))
    else:
        qs = qs.filter(pk=device_get_for_user(user=user, pk=device_id).pk)
    return qs.order_by("site_id", "location", "name", "pk")


@lru_cache(maxsize=4096)
def label_qr(url: str) -> str:
    """A label's QR code as a PNG data URI, 8 pixels a module (≥ 300 dpi at the printed size), cached per URL: a
    token never changes, and making the code is most of the cost of a sheet."""
    from weibao.onsite.pdf import qr_data_uri

    return qr_data_uri(url, kind="png", scale=8)


def scan_url(label: Label) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("labels:scan", args=[label.token])


def sheet_context(*, devices, labels: dict[int, Label], columns: int, rows: int, title: str) -> dict:
    """The PDF's pages: lists of rows of label cells (None fills the last page's empty places)."""
    hotline = conf.get("WEIBAO_HOTLINE")
    cells = []
    for device in devices:
        label = labels[device.pk]
        cells.append(
            {
                "name": device.name or device.model,
                "model": device.model,
                "serial": device.serial_number,
                "site": device.site.name,
                "location": device.location,
                "qr": label_qr(scan_url(label)),
            }
        )
    per_page = columns * rows
    pages = []
    for start in range(0, len(cells), per_page):
        chunk = cells[start : start + per_page]
        chunk += [None] * (per_page - len(chunk))
        pages.append([chunk[r * columns : (r + 1) * columns] for r in range(rows)])
    return {"pages": pages, "columns": columns, "rows": rows, "hotline": hotline, "title": title, "count": len(cells)}
