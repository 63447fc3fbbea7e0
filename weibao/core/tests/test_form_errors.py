"""The one helper that puts a service's ValidationError onto a form (and its row formsets)."""

from django import forms
from django.core.exceptions import ValidationError

from weibao.core.form_views import attach_service_errors


class LineForm(forms.Form):
    quantity = forms.IntegerField()


class OrderForm(forms.Form):
    title = forms.CharField()


Lines = forms.formset_factory(LineForm, extra=0)


def _bound():
    form = OrderForm({"title": "x"})
    formset = Lines(
        {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0", "form-0-quantity": "1", "form-1-quantity": "2"}
    )
    assert form.is_valid()
    assert formset.is_valid()
    return form, formset


def test_field_errors_go_to_their_field_unknown_fields_to_the_form():
    form, _ = _bound()
    attach_service_errors(form, ValidationError({"title": "太长", "contract": "无效合同"}))
    assert form.errors["title"] == ["太长"]
    assert form.non_field_errors() == ["无效合同"]


def test_plain_error_goes_to_the_form():
    form, _ = _bound()
    attach_service_errors(form, ValidationError("已被他人修改"))
    assert form.non_field_errors() == ["已被他人修改"]


def test_row_errors_go_to_the_formset_row_and_bad_rows_to_the_form():
    form, formset = _bound()
    exc = ValidationError({"lines.1.quantity": "数量不能为负", "lines.9.quantity": "越界", "lines.x": "坏键"})
    attach_service_errors(form, exc, formsets={"lines": formset})
    assert formset.forms[1].errors["quantity"] == ["数量不能为负"]
    assert not formset.forms[0].errors
    assert sorted(form.non_field_errors()) == ["坏键", "越界"]
