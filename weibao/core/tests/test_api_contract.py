"""The API keeps its OpenAPI contract under generated input (issue 19): schemathesis calls every operation in
process (WSGI, no server), with valid and with invalid input, one call at a time and in chains along the links
schemathesis infers, as an administrator and as a customer's user (bearer token), with a fixed seed and a
bounded number of examples: 0 server errors, 0 undeclared status codes, 0 response bodies off their schema.

Select with `-m contract`; it runs in the normal test command. `WEIBAO_CONTRACT_EXAMPLES` raises the example
count per operation for a deeper run (default 8).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.contract, pytest.mark.django_db(transaction=True)]

EXAMPLES = int(os.environ.get("WEIBAO_CONTRACT_EXAMPLES", "8"))
STATEFUL_EXAMPLES = int(os.environ.get("WEIBAO_CONTRACT_STATEFUL_EXAMPLES", "10"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Binary downloads have no JSON body to check (the stateful run checks their status only); the rest is checked.
SKIP = {
    ("GET", "/api/estate/documents/{document_id}/versions/{number}/file"),
    ("GET", "/api/onsite/work-orders/{workorder_id}/service-form.pdf"),
    ("GET", "/api/onsite/work-orders/{workorder_id}/sheet.pdf"),
    ("GET", "/api/plans/reports/{report_id}/pdf"),
}


def _schema():
    from weibao.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def estate(customer_a_org, admin_user):
    """A little of everything, under small ids, so that generated ids sometimes hit real rows."""
    from weibao.contracts.tests.factories import ContractFactory, DeviceFactory, SiteFactory
    from weibao.customers.tests.factories import ContactFactory
    from weibao.workorders.tests.factories import make_workorder

    site = SiteFactory(customer__organisation=customer_a_org)
    DeviceFactory(site=site)
    ContactFactory(customer=site.customer, site=site)
    ContractFactory(customer=site.customer)
    make_workorder(site=site, actor=admin_user)
    return site


def _token(user) -> str:
    from weibao.accounts.services import token_create

    return token_create(user=user, name="contract")[1]


def _run(token: str) -> list[str]:
    failures: list[str] = []
    headers = {"Authorization": f"Bearer {token}"}
    for result in _schema().get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIP:
            continue

        @seed(19)
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            phases=["explicit", "generate"],
        )
        @given(case=st.one_of(operation.as_strategy(), operation.as_strategy(GenerationMode.NEGATIVE)))
        def check(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - all failures are collected, then reported
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    return failures


def test_contract_as_administrator(estate, admin_user):
    failures = _run(_token(admin_user))
    assert not failures, "\n\n".join(failures)


def test_contract_as_customer(estate, customer_a_user):
    failures = _run(_token(customer_a_user))
    assert not failures, "\n\n".join(failures)


def _run_stateful(token: str) -> None:
    """Chains of calls along the links schemathesis infers (create → read → update → transition)."""
    headers = {"Authorization": f"Bearer {token}"}

    class Machine(_schema().as_state_machine()):
        # Every scenario starts from the same rows: what one chain created is rolled back before the next, so the
        # answers (and the links they feed) do not depend on the order hypothesis runs the scenarios in (otherwise
        # hypothesis reports "inconsistent data generation").
        # The requests run in this thread on this connection; Django closes a connection that is inside a
        # transaction when a request ends, so that is switched off for the scenario (as Django's test client does).
        def setup(self):
            request_started.disconnect(close_old_connections)
            request_finished.disconnect(close_old_connections)
            self._scenario = transaction.atomic()
            self._scenario.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self._scenario.__exit__(None, None, None)
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # A binary download (PDF, a stored file) is checked for its status only: it has no JSON body.
            binary = (case.operation.method.upper(), case.operation.path) in SKIP
            checks = [not_a_server_error, status_code_conformance] if binary else CHECKS
            case.validate_response(response, checks=checks, transport_kwargs=kwargs)

    Machine.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=8,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            phases=["explicit", "generate"],
        )
    )


def test_contract_stateful_as_administrator(estate, admin_user):
    _run_stateful(_token(admin_user))


def test_contract_stateful_as_customer(estate, customer_a_user):
    _run_stateful(_token(customer_a_user))


def test_openapi_declares_error_responses():
    """Issue 19 point 9: every operation lists the errors it gives, each with its body schema."""
    from weibao.api import api

    schema = api.get_openapi_schema()
    operations = {(m.upper(), p): op for p, ms in schema["paths"].items() for m, op in ms.items()}
    assert len(operations) > 50
    for (method, path), op in operations.items():
        responses = {int(code): body for code, body in op["responses"].items()}
        assert {401, 403} <= set(responses), (method, path)  # every operation needs a token or a session
        if "{" in path:
            assert 404 in responses, (method, path)
        if op.get("parameters") or op.get("requestBody"):
            assert 422 in responses, (method, path)
        for code in set(responses) & {400, 401, 403, 404, 409, 413, 422}:
            assert "schema" in responses[code]["content"]["application/json"], (method, path, code)
    assert 409 in {int(c) for c in operations[("POST", "/api/work-orders/{workorder_id}/resolve")]["responses"]}
    assert 409 in {int(c) for c in operations[("PATCH", "/api/contracts/calendars/{calendar_id}")]["responses"]}
    assert 404 in {int(c) for c in operations[("POST", "/api/estate/devices")]["responses"]}
    upload = {int(c) for c in operations[("POST", "/api/work-orders/{workorder_id}/attachments")]["responses"]}
    assert {400, 413} <= upload
