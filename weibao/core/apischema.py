"""Bounded input types and error responses shared by every API router.

- `Schema`: the base of every API schema. Its one validator refuses, for every field of an input (never when a
  response is serialised): text with a NUL character (PostgreSQL cannot store it), integers beyond a 64-bit column,
  dates outside 1900..2100 and times with an offset where a wall-clock time is meant. The error names the field
  (422, `{"detail": [{"loc": [..., "field"], "msg": ...}]}`).
- `Id`, `Offset`, `BoundedInt`, `Year`, `SaneDate`, `SaneDateTime`, `LocalTime`, `Phone`: the same limits for path and query
  parameters and for the fields that need a narrower range (appointments, SLA previews, official days).
- `api_errors(...)` and `declare_error_responses(api)`: the OpenAPI schema lists the error answers each operation
  gives (400, 401, 403, 404, 409, 413, 422) with their bodies.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

import ninja
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from ninja.schema import DjangoGetter
from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from weibao.core import phones, validators


def _django_to_value_error(check):
    """Run a weibao.core.validators check; its message becomes a pydantic error on the field."""

    def run(value):
        try:
            check(value)
        except DjangoValidationError as exc:
            raise ValueError(" ".join(str(m) for m in exc.messages)) from None
        return value

    return run


class Schema(ninja.Schema):
    @model_validator(mode="before")
    @classmethod
    def _refuse_non_object(cls, data: Any) -> Any:
        # ninja reads a schema from any object's attributes, so `[null, null]` or `42` would pass as "every field
        # at its default" (a PUT of preferences wiped them): a JSON body must be an object.
        raw = data._obj if isinstance(data, DjangoGetter) else data  # ninja wraps the input first
        if raw is None or isinstance(raw, (list, tuple, str, bytes, int, float)):
            raise ValueError(_("Send a JSON object."))
        return data

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_unstorable(cls, value: Any, info: ValidationInfo) -> Any:
        if info.context and "response_status" in info.context:
            return value  # serialising an answer: the data is already stored
        _check_input(value)
        return value


def _check_input(value: Any) -> None:
    if isinstance(value, str):
        _django_to_value_error(validators.validate_no_nul)(value)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        _django_to_value_error(validators.validate_bigint)(value)
    elif isinstance(value, datetime.date):  # datetimes too
        _django_to_value_error(validators.validate_record_date)(value)
    elif isinstance(value, datetime.time):
        _django_to_value_error(validators.validate_local_time)(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_input(key)
            _check_input(item)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _check_input(item)


def patch_changes(payload: ninja.Schema, *, nullable: tuple[str, ...] = ()) -> dict:
    """The fields a PATCH sets; an explicit null is refused (422 naming the field) unless the field may be empty.

    Without this a `null` for a text column passes full_clean() (blank values are skipped) and fails at the database.
    """
    changes = payload.dict(exclude_unset=True)
    nulls = {f: _("This field cannot be null.") for f, v in changes.items() if v is None and f not in nullable}
    if nulls:
        raise DjangoValidationError(nulls)
    return changes


# --- parameter types ---------------------------------------------------------------------------------------------

Id = Annotated[int, Field(ge=1, le=validators.MAX_BIGINT)]
Offset = Annotated[int, Field(ge=0, le=validators.MAX_BIGINT)]
# A number the view clamps itself (e.g. `limit`): any value a 64-bit column can compare with.
BoundedInt = Annotated[int, Field(ge=-validators.MAX_BIGINT, le=validators.MAX_BIGINT)]
Year = Annotated[int, Field(ge=validators.MIN_YEAR, le=validators.MAX_YEAR)]
SaneDate = Annotated[datetime.date, AfterValidator(_django_to_value_error(validators.validate_sane_date))]
SaneDateTime = Annotated[datetime.datetime, AfterValidator(_django_to_value_error(validators.validate_sane_date))]
LocalTime = Annotated[datetime.time, AfterValidator(_django_to_value_error(validators.validate_local_time))]


def _phone(value: str) -> str:
    try:
        return phones.normalise_phone(value)
    except DjangoValidationError as exc:
        raise ValueError(" ".join(str(m) for m in exc.messages)) from None


# A phone number in any accepted shape, answered in its canonical form ("" stays ""; see weibao.core.phones).
Phone = Annotated[str, Field(max_length=phones.MAX_INPUT), AfterValidator(_phone)]


# --- error responses ---------------------------------------------------------------------------------------------


class ErrorOut(ninja.Schema):
    """400, 401, 403, 404, 409, 413: one sentence."""

    detail: str


class ValidationIssue(ninja.Schema):
    type: str = ""
    loc: list[str | int]
    msg: str


class ValidationErrorOut(ninja.Schema):
    """422: either field → messages (rules checked by the services) or the schema's list of issues."""

    detail: dict[str, list[str]] | list[ValidationIssue]


ERROR_MODELS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ValidationErrorOut,
}


def api_errors(*codes: int):
    """Declare error answers of a view beyond those every operation gets (see declare_error_responses)."""
    unknown = set(codes) - set(ERROR_MODELS)
    if unknown:
        raise ValueError(f"No error body is defined for {sorted(unknown)}")

    def decorate(view):
        view.__weibao_api_errors__ = set(getattr(view, "__weibao_api_errors__", set())) | set(codes)
        return view

    return decorate


def operation_error_codes(operation) -> set[int]:
    """401 and 403 behind authentication (a missing role is refused), 422 with any input, 404 with an id in the
    path, 400 and 413 with a body; the rest (409, a 404 for an id in the body) as declared by @api_errors."""
    codes = set(getattr(operation.view_func, "__weibao_api_errors__", set()))
    if operation.auth_callbacks:
        codes |= {401, 403}
    if operation.signature.models:
        codes.add(422)
    if operation.signature.path_params_names:
        codes.add(404)
    if any(m.__ninja_param_source__ in ("body", "form", "file") for m in operation.signature.models):
        codes |= {400, 413}  # a body that cannot be parsed; a body above DATA_UPLOAD_MAX_MEMORY_SIZE
    return codes


def declare_error_responses(api: ninja.NinjaAPI) -> None:
    """Add the error answers to every operation of the API (call once, after every router is added)."""
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                for code in sorted(operation_error_codes(operation)):
                    if code not in operation.response_models:
                        operation.response_models[code] = operation._create_response_model(ERROR_MODELS[code])
