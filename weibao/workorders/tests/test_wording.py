"""Words that mean one thing in one place and another elsewhere carry a translation context (issue 18 point 10)."""

import pytest
from django.urls import reverse

from weibao.workorders.services import workorder_accept, workorder_dispatch
from weibao.workorders.tests.factories import make_workorder

pytestmark = pytest.mark.django_db


def test_an_accepted_job_says_jiedan_not_yanshou(client, manager, field_engineer, site_a, duty_engineer):
    wo = make_workorder(site=site_a, actor=duty_engineer)
    wo = workorder_dispatch(workorder=wo, actor=manager, engineer=field_engineer)
    workorder_accept(workorder=wo, actor=field_engineer)
    client.force_login(manager)
    html = client.get(reverse("workorders:detail", args=[wo.pk])).content.decode()
    assert "已接单" in html
    assert "验收" not in html


def test_the_notification_log_names_its_channel_column(client, manager):
    client.force_login(manager)
    html = client.get(reverse("notifications:log")).content.decode()
    assert "<th>通知渠道</th>" in html
    assert "<th>报修渠道</th>" not in html
