"""Two-character searches of customers and sites ("监控", "南京"): the same rows as a plain contains-search, and on
PostgreSQL through the doubled-character trigram index (`customers.0007_search_pairs`, `core.textsearch`)."""

import pytest
from django.db import connection

from weibao.core.textsearch import has_pairs_column
from weibao.customers.models import Site
from weibao.customers.selectors import customer_list, site_list
from weibao.workorders.tests.factories import SiteFactory


@pytest.fixture
def sites(customer_a, customer_b):
    return [
        SiteFactory(customer=customer_a, name="监控中心", address="南京市鼓楼区"),
        SiteFactory(customer=customer_a, name="门诊楼", address="苏州市"),
        SiteFactory(customer=customer_b, name="机房监控室", address="上海市"),
        SiteFactory(customer=customer_b, name="监听站", address="杭州市"),  # 监 without 控: no match for 监控
    ]


@pytest.mark.parametrize("term", ["监控", "南京", "监控 南京", "控中", "中心"])
def test_two_character_terms_find_the_same_sites_as_contains(admin_user, sites, term):
    plain = Site.objects.all()
    for word in term.upper().split():
        plain = plain.filter(search_text__contains=word)
    assert set(site_list(user=admin_user, q=term).values_list("pk", flat=True)) == set(
        plain.values_list("pk", flat=True)
    )
    assert site_list(user=admin_user, q="监控").count() == 2


def test_two_character_search_is_scoped_like_any_other(customer_a_user, sites):
    found = set(site_list(user=customer_a_user, q="监控").values_list("name", flat=True))
    assert found == {"监控中心"}  # the other customer's 机房监控室 is not theirs


@pytest.mark.postgres
def test_two_character_terms_use_the_pairs_index_on_postgresql(admin_user, customer_a):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    assert has_pairs_column("customers_site")
    assert has_pairs_column("customers_customer")
    with connection.cursor() as cursor:
        # 20,000 sites and customers' worth of rows so that the planner prefers an index to a scan.
        cursor.execute(
            "INSERT INTO customers_site (created_at, updated_at, customer_id, organisation_id, name, address, "
            "region_tier, timezone, notes) SELECT now(), now(), %s, %s, '站点' || g, '无锡市' || g || '号', 'city', "
            "'Asia/Shanghai', '' FROM generate_series(1, 20000) g",
            [customer_a.pk, customer_a.organisation_id],
        )
        # The rows sit in the GIN index's pending list until a VACUUM, which the planner prices as a scan of it.
        cursor.execute("SELECT gin_clean_pending_list('site_pairs_trgm_idx'::regclass)")
        cursor.execute("ANALYZE customers_site")
    plan = site_list(user=admin_user, q="监控")[:8].explain()
    assert "site_pairs_trgm_idx" in plan, plan
    assert "Seq Scan on customers_site" not in plan, plan
    assert "search_pairs" in str(customer_list(user=admin_user, q="监控").query)  # same filter on customers
