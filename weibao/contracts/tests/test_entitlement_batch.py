"""`entitlements_for_many` (batch intake) answers exactly as `entitlement_for` does one by one, with a fixed
number of queries whatever the batch size."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from weibao.contracts.clock import local_time
from weibao.contracts.selectors import EntitlementQuery, entitlement_for, entitlements_for_many
from weibao.contracts.tests.factories import (
    ContractFactory,
    CustomerFactory,
    DeviceFactory,
    ProjectFactory,
    SiteFactory,
    WarrantyTermFactory,
)

pytestmark = pytest.mark.django_db

AT = local_time("2026-06-10 10:00")


def _fields(ent):
    return (ent.contract, ent.service_type, ent.chargeable, ent.in_warranty, ent.warranty_end, ent.reasons)


def test_batch_matches_one_by_one():
    # A customer with a whole-estate contract, a site contract and a project contract (overlapping data: the most
    # specific wins); a customer whose contract expired; one with none; devices in and out of warranty.
    project = ProjectFactory()
    customer = project.customer
    site, listed = SiteFactory(customer=customer), SiteFactory(customer=customer)
    ContractFactory(customer=customer)
    by_site = ContractFactory(customer=customer, covers_all=False)
    by_site.sites.set([listed])
    by_project = ContractFactory(customer=customer, covers_all=False, start_date=datetime.date(2025, 1, 1))
    by_project.projects.set([project])
    WarrantyTermFactory(contract=by_project, months=36)
    in_project = DeviceFactory(site=site, project=project, installed_on=datetime.date(2024, 3, 1))
    out_of_warranty = DeviceFactory(site=listed, warranty_end=datetime.date(2025, 1, 1))
    expired_site = SiteFactory()
    ContractFactory(
        customer=expired_site.customer, start_date=datetime.date(2024, 1, 1), end_date=datetime.date(2025, 12, 31)
    )
    bare_site = SiteFactory(customer=CustomerFactory())
    later = AT + datetime.timedelta(days=400)  # after every contract's end
    queries = [
        EntitlementQuery(customer=customer, at=AT, site=site),
        EntitlementQuery(customer=customer, at=AT, site=listed),
        EntitlementQuery(customer=customer, at=AT, device=in_project),
        EntitlementQuery(customer=customer, at=AT, site=listed, device=out_of_warranty),
        EntitlementQuery(customer=customer, at=later, site=site),
        EntitlementQuery(customer=expired_site.customer, at=AT, site=expired_site),
        EntitlementQuery(customer=bare_site.customer, at=AT, site=bare_site),
    ]
    expected = [_fields(entitlement_for(customer=q.customer, at=q.at, site=q.site, device=q.device)) for q in queries]
    assert [_fields(e) for e in entitlements_for_many(queries)] == expected
    assert expected[1][0] == by_site
    assert expected[2][0] == by_project


def test_batch_query_count_does_not_grow_with_the_batch():
    # Two customers under contract (one device without its own warranty end, so the contract's warranty terms are
    # read), one without any contract: repeating the same reports must not add queries.
    covered = [SiteFactory() for _ in range(2)]
    for site in covered:
        WarrantyTermFactory(contract=ContractFactory(customer=site.customer), months=36)
    bare = SiteFactory()
    device = DeviceFactory(site=covered[0], installed_on=datetime.date(2025, 1, 1))

    def count(repeat: int) -> int:
        queries = [
            EntitlementQuery(customer=covered[0].customer, at=AT, device=device),
            EntitlementQuery(customer=covered[1].customer, at=AT, site=covered[1]),
            EntitlementQuery(customer=bare.customer, at=AT, site=bare),
        ] * repeat
        with CaptureQueriesContext(connection) as captured:
            result = entitlements_for_many(queries)
        assert result[0].in_warranty is True  # from the contract's warranty term
        assert result[2].contract is None
        return len(captured.captured_queries)

    assert count(1) == count(5)
    assert entitlements_for_many([]) == []
