"""The contract list reads contracts in its sort order from an index instead of sorting the whole table."""

import pytest
from django.db import connection

from weibao.contracts.selectors import contract_list
from weibao.contracts.tests.factories import ContractFactory

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_contract_list_sort_uses_its_index(manager):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    template = ContractFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'contracts_contract' "
            "AND column_name NOT IN ('id', 'code', 'start_date')"
        )
        columns = ", ".join(row[0] for row in cursor.fetchall())  # names from the catalogue, not input
        cursor.execute(
            f"INSERT INTO contracts_contract ({columns}, code, start_date) "  # noqa: S608
            f"SELECT {columns}, 'HT-' || g, start_date - (g %% 2000) "
            f"FROM contracts_contract, generate_series(1, 20000) g WHERE id = %s",
            [template.pk],
        )
        cursor.execute("ANALYZE contracts_contract")
    qs = contract_list(user=manager)[:50]
    plan = qs.explain()
    assert "contract_list_order_idx" in plan, plan
    assert "Sort Key" not in plan, plan  # read in order, not sorted
    rows = list(qs)
    assert [c.start_date for c in rows] == sorted((c.start_date for c in rows), reverse=True)
