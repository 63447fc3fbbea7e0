"""`{{ obj|display:"role" }}`: what `obj.get_role_display` shows, from a table built once per field and language.

`get_FOO_display()` hashes every lazy label of the field's choices on each call (a gettext each: 14 for a role), which
on a list of 50 accounts was 700 translations a page, and one dozen on every page for the header's role."""

import functools

from django import template
from django.utils.translation import get_language

register = template.Library()


@functools.cache
def _labels(model: type, field_name: str, language: str) -> dict:
    field = model._meta.get_field(field_name)
    return {value: str(label) for value, label in field.flatchoices}


@register.filter
def display(instance, field_name: str):
    meta = getattr(instance, "_meta", None)  # a model instance, also behind a lazy object (request.user)
    if meta is None:
        return getattr(instance, f"get_{field_name}_display")()  # anything else that offers the method
    value = getattr(instance, field_name)
    return _labels(meta.model, field_name, get_language() or "").get(value, value)
