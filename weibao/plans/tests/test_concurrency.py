"""Answers at the same moment (threads with their own connections; PostgreSQL only — SQLite serialises writers):
two tabs approving, or a tab approving while the one-time link rejects, record exactly one answer, and the plan
clock moves once."""

import pytest
from django.db import connection

from weibao.core import action_links
from weibao.core.exceptions import TransitionNotAllowed
from weibao.plans import services
from weibao.plans.models import SolutionPlan
from weibao.workorders.choices import EventKind
from weibao.workorders.models import WorkOrderEvent
from weibao.workorders.tests.test_concurrency import run_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]
ANSWERS = (EventKind.PLAN_APPROVED, EventKind.PLAN_REJECTED, EventKind.PLAN_CHANGES_REQUESTED)


def test_two_tabs_approving_at_once_record_one_approval(submitted_plan, order_a, customer_a_user):
    def approve(i: int) -> None:
        services.plan_answer(
            plan=SolutionPlan.objects.get(pk=submitted_plan.pk), actor=customer_a_user, decision="approve"
        )

    assert run_threads(4, approve) == []
    assert WorkOrderEvent.objects.filter(workorder=order_a, kind=EventKind.PLAN_APPROVED).count() == 1


def test_the_portal_and_the_link_at_once_answer_once(submitted_plan, order_a, customer_a_user, duty_engineer):
    _link, token = services.plan_link_create(plan=submitted_plan, actor=duty_engineer, sent_to="wang@example.cn")
    refused: list[str] = []

    def answer(i: int) -> None:
        try:
            if i % 2:
                services.plan_answer_by_link(token=token, decision="reject", name="王工", reason="不同意")
            else:
                services.plan_answer(
                    plan=SolutionPlan.objects.get(pk=submitted_plan.pk), actor=customer_a_user, decision="approve"
                )
        except (action_links.LinkError, TransitionNotAllowed) as exc:
            refused.append(type(exc).__name__)

    assert run_threads(4, answer) == []
    assert WorkOrderEvent.objects.filter(workorder=order_a, kind__in=ANSWERS).count() == 1
    assert len(refused) >= 1
