"""`{{ obj|display:"field" }}` shows what `get_FIELD_display` shows, in the active language."""

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.functional import SimpleLazyObject

pytestmark = pytest.mark.django_db


def _render(obj) -> str:
    return Template('{% load choice_labels %}{{ obj|display:"role" }}').render(Context({"obj": obj}))


def test_display_matches_get_display_in_each_language_and_for_a_lazy_user(field_engineer, manager):
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for user in (field_engineer, manager):
                assert _render(user) == user.get_role_display()
            assert _render(SimpleLazyObject(lambda: manager)) == manager.get_role_display()
    with translation.override("zh-hans"):
        assert _render(field_engineer) != _render(manager)


def test_a_value_outside_the_choices_shows_as_it_is(field_engineer):
    field_engineer.role = "<b>legacy</b>"
    assert _render(field_engineer) == "&lt;b&gt;legacy&lt;/b&gt;"


def test_an_object_that_is_not_a_model_answers_with_its_own_method():
    class Row:
        def get_status_display(self):
            return "已完成"

    assert Template('{% load choice_labels %}{{ row|display:"status" }}').render(Context({"row": Row()})) == "已完成"
