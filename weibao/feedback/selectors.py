"""Reads of the customer loop: scoped querysets, the callback queue, complaint visibility, satisfaction figures."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from weibao.feedback.models import Complaint


def confirmed_complaints(start: datetime, end: datetime) -> QuerySet[Complaint]:
    """Complaints confirmed against an engineer in [start, end) — what month-end pay counts (SPEC §5)."""
    return Complaint.objects.filter(confirmed_at__gte=start, confirmed_at__lt=end, engineer__isnull=False)
