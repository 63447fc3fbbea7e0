"""Optimistic concurrency: update a row only if nobody else changed it since it was read."""

from typing import Any

from django.db import models
from django.db.models import F
from django.utils import timezone

from weibao.core.exceptions import StaleEdit


def update_if_version(*, instance: models.Model, expected_version: int, **changes: Any) -> None:
    """Write `changes` when the stored version still equals `expected_version`; else raise StaleEdit."""
    model = type(instance)
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        changes.setdefault("updated_at", timezone.now())
    updated = model.objects.filter(pk=instance.pk, version=expected_version).update(version=F("version") + 1, **changes)
    if updated != 1:
        raise StaleEdit
    for field, value in changes.items():
        setattr(instance, field, value)
    instance.version = expected_version + 1
