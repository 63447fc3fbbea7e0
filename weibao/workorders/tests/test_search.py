"""The queue's search box: full numbers, number prefixes, and the last digits of a phone or an order number,
answered from indexes (plan test on PostgreSQL); busy sites' briefings stay bounded."""

import pytest
from django.db import connection

from weibao.workorders.selectors import QueueFilters, search_q, workorder_queue, workorders_for_site
from weibao.workorders.services import workorder_update
from weibao.workorders.tests.factories import make_workorder

pytestmark = pytest.mark.django_db


def found(user, q, status="all"):
    page = workorder_queue(user=user, filters=QueueFilters.from_params({"q": q, "status": status}))
    return {wo.number for wo in page.items}


def test_search_by_phone_in_any_shape_and_by_its_last_digits(manager, site_a, duty_engineer):
    mobile = make_workorder(site=site_a, actor=duty_engineer, reporter_phone="+86 139-0049-7829")
    landline = make_workorder(site=site_a, actor=duty_engineer, reporter_phone="010-6552 1234")
    make_workorder(site=site_a, actor=duty_engineer, reporter_phone="13800001111")
    assert found(manager, "13900497829") == {mobile.number}
    assert found(manager, "0086 139 0049 7829") == {mobile.number}
    assert found(manager, "7829") == {mobile.number}
    assert found(manager, "65521234") == {landline.number}
    assert found(manager, "01065521234") == {landline.number}
    assert found(manager, "1234") == {landline.number}


def test_phone_is_stored_canonical_and_found_by_any_of_its_forms(manager, site_a, duty_engineer):
    mobile = make_workorder(site=site_a, actor=duty_engineer, reporter_phone="0086 138 0013 8000")
    landline = make_workorder(site=site_a, actor=duty_engineer, reporter_phone="+86 10 6552 1234 转 8001")
    assert (mobile.reporter_phone, landline.reporter_phone) == ("13800138000", "010-65521234-8001")
    for term in ("+86 138-0013-8000", "138 0013 8000", "13800138000", "8000"):
        assert found(manager, term) == {mobile.number}, term
    # With or without the area code, the country code or the extension; the extension is not part of the key.
    for term in ("010-65521234", "(010) 6552 1234", "+86 10 65521234", "65521234", "1234", "010-65521234 转 8001"):
        assert found(manager, term) == {landline.number}, term


def test_old_numbers_are_normalised_and_rekeyed_by_the_migration(manager, site_a, duty_engineer):
    import importlib

    from django.apps import apps

    from weibao.core.phones import to_fix_q
    from weibao.workorders.models import WorkOrder

    old = {
        "+86 139-0049-7829": ("13900497829", "92879400931"),
        "010-65521234 转 8001": ("010-65521234-8001", "43212556010"),  # the old key carried the extension
        "13700001234": ("13700001234", "43210000731"),
        "王先生": ("王先生", ""),
    }
    orders = {raw: make_workorder(site=site_a, actor=duty_engineer, reporter_phone="") for raw in old}
    for raw, wo in orders.items():  # stored before the rule, keyed by the digits as they were
        digits = "".join(ch for ch in raw if ch.isdigit())
        with connection.cursor() as cursor:  # in SQL: the ORM would store the canonical form (PhoneField)
            cursor.execute(
                "UPDATE workorders_workorder SET reporter_phone = %s, reporter_phone_key = %s WHERE id = %s",
                [raw, digits[::-1], wo.pk],
            )
    assert found(manager, "65521234") == set()  # the extension's digits ended the old key
    migration = importlib.import_module("weibao.workorders.migrations.0025_phones_normalised")
    migration.normalise(apps, None)
    for raw, wo in orders.items():
        wo.refresh_from_db()
        assert (wo.reporter_phone, wo.reporter_phone_key) == old[raw]
    assert found(manager, "65521234") == {orders["010-65521234 转 8001"].number}
    assert found(manager, "+86 139 0049 7829") == {orders["+86 139-0049-7829"].number}
    assert list(WorkOrder.objects.filter(to_fix_q(["reporter_phone"]))) == [orders["王先生"]]


def test_search_by_number_full_prefix_and_suffix(manager, site_a, duty_engineer):
    orders = [make_workorder(site=site_a, actor=duty_engineer, reporter_phone="") for _ in range(3)]
    first = orders[0]
    assert found(manager, first.number) == {first.number}
    assert found(manager, first.number.lower()) == {first.number}
    assert found(manager, first.number[:-1]) >= {first.number}  # a prefix
    suffix = first.number[-3:]
    assert first.number in found(manager, suffix)


def test_too_short_or_wordy_terms_find_nothing_instead_of_scanning(manager, site_a, duty_engineer):
    make_workorder(site=site_a, actor=duty_engineer, reporter_phone="13900497829")
    assert found(manager, "29") == set()
    assert found(manager, "abc7829") == set()
    assert search_q("29").children == [("pk__in", [])]


def test_open_filter_applies_to_search(manager, site_a, duty_engineer):
    wo = make_workorder(site=site_a, actor=duty_engineer, reporter_phone="13900497829")
    assert found(manager, "7829", status="open") == {wo.number}
    assert found(manager, "7829", status="closed") == set()


def test_editing_the_phone_moves_the_search_key(manager, site_a, duty_engineer):
    wo = make_workorder(site=site_a, actor=duty_engineer, reporter_phone="13900497829")
    workorder_update(workorder=wo, actor=manager, expected_version=wo.version, reporter_phone="13700001234")
    wo.refresh_from_db()
    assert wo.reporter_phone_key == "43210000731"
    assert found(manager, "7829") == set()
    assert found(manager, "1234") == {wo.number}


def test_search_is_scoped(customer_a_user, customer_b_user, site_a, duty_engineer):
    wo = make_workorder(site=site_a, actor=duty_engineer, reporter_phone="13900497829")
    assert found(customer_a_user, "7829") == {wo.number}
    assert found(customer_b_user, "7829") == set()
    assert found(customer_b_user, wo.number) == set()


def test_queue_page_search_box(client, manager, site_a, duty_engineer):
    wo = make_workorder(site=site_a, actor=duty_engineer, reporter_phone="13900497829")
    other = make_workorder(site=site_a, actor=duty_engineer, reporter_phone="13800001111")
    client.force_login(manager)
    html = client.get("/work-orders/", {"q": "497829", "status": "all"}).content.decode()
    assert wo.number in html
    assert other.number not in html


# --- busy sites ----------------------------------------------------------------------------------------------------


def test_site_briefing_shows_latest_open_with_a_capped_count_and_a_queue_link(manager, site_a, duty_engineer):
    orders = [make_workorder(site=site_a, actor=duty_engineer) for _ in range(5)]
    context = workorders_for_site(user=manager, site=site_a, limit=2, count_cap=3)
    assert [o.pk for o in context["open"]] == [orders[4].pk, orders[3].pk]
    assert context["open_count"] == 3
    assert context["open_count_capped"] is True
    assert context["queue_query"] == f"site={site_a.pk}&status=open"
    context = workorders_for_site(user=manager, site=site_a, limit=2, count_cap=10)
    assert (context["open_count"], context["open_count_capped"]) == (5, False)


def test_site_briefing_queries_do_not_grow_with_the_site(manager, site_a, duty_engineer, django_assert_num_queries):
    for _ in range(3):
        make_workorder(site=site_a, actor=duty_engineer)
    with django_assert_num_queries(3):
        small = workorders_for_site(user=manager, site=site_a, limit=2)
    for _ in range(6):
        make_workorder(site=site_a, actor=duty_engineer)
    with django_assert_num_queries(3):
        big = workorders_for_site(user=manager, site=site_a, limit=2)
    assert len(small["open"]) == len(big["open"]) == 2


def test_site_briefing_counts_a_short_open_list_without_a_count_query(
    manager, site_a, duty_engineer, django_assert_num_queries
):
    for _ in range(3):
        make_workorder(site=site_a, actor=duty_engineer)
    with django_assert_num_queries(2):
        context = workorders_for_site(user=manager, site=site_a, limit=5)
    assert (len(context["open"]), context["open_count"], context["open_count_capped"]) == (3, 3, False)
    with django_assert_num_queries(3):  # exactly `limit` open: there may be more, so they are counted
        context = workorders_for_site(user=manager, site=site_a, limit=3)
    assert context["open_count"] == 3


def test_briefing_fragment_links_to_the_filtered_queue(manager, site_a, duty_engineer):
    from django.template.loader import render_to_string

    for _ in range(3):
        make_workorder(site=site_a, actor=duty_engineer)
    html = render_to_string(
        "workorders/partials/_briefing.html", workorders_for_site(user=manager, site=site_a, limit=2)
    )
    assert f"?site={site_a.pk}&amp;status=open" in html
    assert 'data-testid="briefing-open-count">3<' in html


# --- query plans (PostgreSQL) ----------------------------------------------------------------------------------------


def _bulk_orders(template, count: int) -> None:
    """`count` copies of `template` with their own numbers and phones, inserted by one statement, then ANALYZE."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'workorders_workorder' "
            "AND is_generated = 'NEVER' AND column_name NOT IN "
            "('id', 'number', 'reporter_phone', 'reporter_phone_key')"
        )
        columns = ", ".join(row[0] for row in cursor.fetchall())  # names from the catalogue, not input
        cursor.execute(
            f"INSERT INTO workorders_workorder ({columns}, number, reporter_phone, reporter_phone_key) "  # noqa: S608
            f"SELECT {columns}, 'WB-2019-' || lpad(g::text, 6, '0'), '139' || lpad(g::text, 8, '0'), "
            f"reverse('139' || lpad(g::text, 8, '0')) "
            f"FROM workorders_workorder, generate_series(1, %s) g WHERE id = %s",
            [count, template.pk],
        )
        cursor.execute("ANALYZE workorders_workorder")


@pytest.mark.postgres
@pytest.mark.parametrize("status", ["open", "all"])
@pytest.mark.parametrize(
    "term", ["13900012345", "+86 139 0001 2345", "2345", "012345", "WB-2019-012345", "WB-2019-0123"]
)
def test_search_forms_use_an_index_on_postgresql(manager, site_a, duty_engineer, status, term):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    _bulk_orders(make_workorder(site=site_a, actor=duty_engineer), 20_000)
    filters = QueueFilters.from_params({"q": term, "status": status})
    from weibao.workorders.selectors import _filtered, search_ids

    ids_plan = search_ids(term).explain() if search_ids(term).query.is_empty() is False else ""
    assert "Seq Scan on workorders_workorder" not in ids_plan, ids_plan
    qs = _filtered(manager, filters).order_by("-pk")[:51]
    plan = qs.explain()
    assert "Seq Scan on workorders_workorder" not in plan, plan
    assert found(manager, term, status) >= ({"WB-2019-012345"} if term != "WB-2019-0123" else set())
