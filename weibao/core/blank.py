"""The empty first option of a hand-built select: the one translatable label CoreConfig.ready() sets ("- 请选择 -")."""

from django.db.models import fields


def blank_choice() -> list[tuple[str, object]]:
    return [("", fields.BLANK_CHOICE_LABEL)]  # read at call time: ready() replaced Django's label
