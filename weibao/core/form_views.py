"""The one shape of a create/edit page: show the form; on a valid POST call one service; on success redirect, else
show the form again with what the service refused.

    return form_page(request, form, save=lambda data: services.site_update(site=site, actor=request.user, **data),
                     done=lambda _saved: redirect("customers:site_detail", pk=site.pk),
                     template="customers/site_form.html", context={"site": site})

Optimistic locking stays with the caller, who passes the version the user loaded into the service; a `StaleEdit`
becomes a form error asking to reload, like a refused value.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from weibao.core.exceptions import StaleEdit, TransitionNotAllowed


def attach_service_errors(form: forms.BaseForm, exc: ValidationError, *, formsets: dict | None = None) -> None:
    """Put a service's ValidationError on the form: on the field it names when the form shows that field, else on the
    form as a whole (a service may name a model field the form does not have; that must not become a 500).

    `formsets` maps a key prefix to a formset: an error keyed `<prefix>.<i>.<field>` (e.g. `lines.2.quantity`, as
    services name the rows of a list) goes onto that row's field."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        prefix, _, rest = key.partition(".")
        formset = (formsets or {}).get(prefix)
        if formset is not None and rest:
            index, _, field = rest.partition(".")
            if index.isdigit() and int(index) < len(formset.forms) and field in formset.forms[int(index)].fields:
                formset.forms[int(index)].add_error(field, errors)
                continue
        form.add_error(key if key in form.fields else None, errors)


def run_service(form: forms.BaseForm, call: Callable[[], Any], *, formsets: dict | None = None) -> tuple[int, str]:
    """Call a service for an htmx/JSON-ish view: (200, "") on success; a stale edit or an illegal move → (409, its
    message); refused input → (422, "") with the errors on the form (and its row formsets)."""
    try:
        call()
    except (StaleEdit, TransitionNotAllowed) as exc:
        return 409, exc.message
    except ValidationError as exc:
        attach_service_errors(form, exc, formsets=formsets)
        return 422, ""
    return 200, ""


def form_page[T](
    request: HttpRequest,
    form: forms.BaseForm,
    *,
    save: Callable[[dict[str, Any]], T],
    done: Callable[[T], HttpResponse],
    template: str,
    context: dict[str, Any] | None = None,
    formsets: Iterable[forms.BaseFormSet] = (),
    success_message: str = "",
) -> HttpResponse:
    """Render `template` with `form` (and `context`); on a POST where the form and all `formsets` are valid, call
    `save(form.cleaned_data)` and answer `done(saved)` (a redirect), with `success_message` flashed when given."""
    if request.method == "POST" and all(f.is_valid() for f in (form, *formsets)):
        try:
            saved = save(form.cleaned_data)
        except ValidationError as exc:
            attach_service_errors(form, exc)
        except StaleEdit as exc:
            form.add_error(None, exc.message)
        else:
            if success_message:
                messages.success(request, success_message)
            return done(saved)
    return render(request, template, {"form": form, **(context or {})})
