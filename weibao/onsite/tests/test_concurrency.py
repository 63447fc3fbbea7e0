"""Two tabs (or a tab and the one-time link) answering one quote at the same moment record one answer
(threads with their own connections; PostgreSQL only — SQLite serialises writers)."""

import pytest
from django.db import connection

from weibao.onsite import services
from weibao.onsite.choices import AnswerChannel, QuoteStatus
from weibao.onsite.models import Quote
from weibao.workorders.choices import EventKind
from weibao.workorders.models import WorkOrderEvent
from weibao.workorders.tests.test_concurrency import run_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

LINE = [{"kind": "other", "description": "线材", "quantity": "1", "unit_price": "10"}]


def test_two_tabs_approving_at_once_record_one_approval(on_site_order, field_engineer, customer_a_user):
    quote = services.quote_create(workorder=on_site_order, actor=field_engineer, lines=LINE)

    def approve(i: int) -> None:
        services.quote_approve(
            quote=Quote.objects.get(pk=quote.pk), actor=customer_a_user, channel=AnswerChannel.PORTAL
        )

    assert run_threads(4, approve) == []
    assert WorkOrderEvent.objects.filter(workorder=on_site_order, kind=EventKind.QUOTE_APPROVED).count() == 1
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.APPROVED


def test_one_time_link_used_from_two_tabs_answers_once(on_site_order, field_engineer):
    quote = services.quote_create(workorder=on_site_order, actor=field_engineer, lines=LINE)
    _link, token = services.approval_link_create(quote=quote, actor=field_engineer, channel="sms", sent_to="138")
    refused: list[str] = []

    def answer(i: int) -> None:
        try:
            services.quote_answer_by_link(token=token, approve=True, name="王主任")
        except services.LinkRefused as exc:
            refused.append(exc.code)

    assert run_threads(3, answer) == []
    assert refused == ["used", "used"]
    assert WorkOrderEvent.objects.filter(workorder=on_site_order, kind=EventKind.QUOTE_APPROVED).count() == 1
