"""Queries and markup of the busiest work-order pages (queue, dashboard): what is cached, what stays fresh."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from weibao.accounts.models import Branch
from weibao.workorders.tests.factories import make_workorder

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached_lists(settings):
    settings.WEIBAO_QUEUE_COUNTS_TTL = 30
    cache.clear()
    yield
    cache.clear()


def _tables(queries) -> list[str]:
    return [q["sql"].split(" FROM ", 1)[1].split()[0] for q in queries if " FROM " in q["sql"]]


def test_queue_pick_lists_are_escaped(client, duty_engineer, make_user, site_a, settings):
    settings.WEIBAO_QUEUE_COUNTS_TTL = 0
    Branch.objects.create(code="x", name='<b>东 & "西"</b>', city="南京")
    make_user("field_engineer", name="<i>王</i> & 李")
    make_workorder(site=site_a, actor=duty_engineer)
    client.force_login(duty_engineer)
    body = client.get(reverse("workorders:list")).content.decode()
    assert "&lt;b&gt;东 &amp; &quot;西&quot;&lt;/b&gt;</option>" in body
    assert "&lt;i&gt;王&lt;/i&gt; &amp; 李</option>" in body
    assert "<b>东" not in body
    assert "<i>王" not in body
    me = f'<option value="{duty_engineer.pk}" selected>'
    assert me in client.get(reverse("workorders:list"), {"assignee": duty_engineer.pk}).content.decode()


def test_queue_reads_branches_once_per_ttl(client, duty_engineer, site_a, cached_lists):
    make_workorder(site=site_a, actor=duty_engineer)
    client.force_login(duty_engineer)
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("workorders:list"))
    with CaptureQueriesContext(connection) as second:
        body = client.get(reverse("workorders:list")).content.decode()
    assert '"accounts_branch"' in _tables(first)
    assert '"accounts_branch"' not in _tables(second)
    assert len(second) < len(first)
    assert f">{duty_engineer.branch.name}</option>" in body


def _risk_list(body: str) -> str:
    return body.split('data-testid="sla-risk"', 1)[1].split("</ul>", 1)[0]


def test_dashboard_at_risk_list_is_cached_per_scope(
    client, manager, duty_engineer, order_a, customer_a_user, customer_b_user, cached_lists
):
    from weibao.workorders.models import WorkOrder

    WorkOrder.objects.filter(pk=order_a.pk).update(sla_state="warning")
    client.force_login(manager)
    with CaptureQueriesContext(connection) as first:
        body = client.get(reverse("workorders:dashboard")).content.decode()
    assert order_a.number in _risk_list(body)
    client.force_login(duty_engineer)
    with CaptureQueriesContext(connection) as second:
        body = client.get(reverse("workorders:dashboard")).content.decode()
    assert order_a.number in _risk_list(body)  # staff share one list
    assert any('"sla_state" IN' in q["sql"] for q in first)
    assert not any('"sla_state" IN' in q["sql"] for q in second)
    # Another organisation's customer never gets the staff list (nor its own organisation's from someone else).
    client.force_login(customer_b_user)
    assert order_a.number not in _risk_list(client.get(reverse("workorders:dashboard")).content.decode())
    client.force_login(customer_a_user)
    assert order_a.number in _risk_list(client.get(reverse("workorders:dashboard")).content.decode())


def test_detail_action_links_are_the_actions_urls(client, manager, order_a):
    from weibao.workorders.views.actions import available_actions

    client.force_login(manager)
    body = client.get(reverse("workorders:detail", args=[order_a.pk])).content.decode()
    actions = available_actions(order_a, manager)
    assert actions
    for action in actions:
        if action.quick:
            assert f'hx-post="{reverse("workorders:action", args=[order_a.pk, action.name])}"' in body
        else:
            assert f'hx-get="{reverse("workorders:action_form", args=[order_a.pk, action.name])}"' in body
    assert "action-name-placeholder" not in body


def _card_loads(queries) -> int:
    by_id = ('"workorders_workorder"."id" IN (', '"workorders_workorder"."id" = ANY(')  # SQLite, PostgreSQL
    return sum(any(text in q["sql"] for text in by_id) for q in queries)


def test_queue_loads_only_the_orders_of_cards_not_in_the_cache(
    client, duty_engineer, field_engineer, site_a, cached_lists
):
    """The page reads its orders as keys; the orders behind cards missing from the cache are loaded in one query,
    with their names (customer, site, engineer) and without a query per card."""
    from weibao.workorders.services import workorder_assign

    orders = [make_workorder(site=site_a, actor=duty_engineer) for _ in range(3)]
    workorder_assign(workorder=orders[0], actor=duty_engineer, assignee=field_engineer)
    client.force_login(duty_engineer)
    with CaptureQueriesContext(connection) as cold:
        body = client.get(reverse("workorders:list")).content.decode()
    with CaptureQueriesContext(connection) as warm:
        again = client.get(reverse("workorders:list")).content.decode()
    assert body.count('class="wo-card') == again.count('class="wo-card') == 3
    assert (_card_loads(cold), _card_loads(warm)) == (1, 0)  # the cards' orders, once for all three
    for name in (str(field_engineer), site_a.name, site_a.customer.name):
        assert name in body

    # A change to one order re-renders its card only: one load, whatever the page's size.
    workorder_assign(workorder=orders[1], actor=duty_engineer, assignee=field_engineer)
    with CaptureQueriesContext(connection) as changed:
        body = client.get(reverse("workorders:list")).content.decode()
    assert _card_loads(changed) == 1
    assert body.count(f"<span>{field_engineer}</span>") == 2


def test_queue_queries_do_not_grow_with_its_cards(client, duty_engineer, field_engineer, site_a, settings):
    """Without any cache, 2 cards and 6 cards cost the same queries (no lazy load of a deferred column)."""
    from weibao.workorders.services import workorder_assign

    settings.WEIBAO_QUEUE_COUNTS_TTL = 0
    client.force_login(duty_engineer)
    counts = []
    for n in (2, 4):
        for _ in range(n):
            order = make_workorder(site=site_a, actor=duty_engineer, title="标题")
            workorder_assign(workorder=order, actor=duty_engineer, assignee=field_engineer)
        with CaptureQueriesContext(connection) as queries:
            body = client.get(reverse("workorders:list")).content.decode()
        assert body.count(f"<span>{field_engineer}</span>") == len(counts) * 4 + 2
        counts.append(len(queries))
    assert counts[0] == counts[1]
