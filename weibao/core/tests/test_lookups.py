"""InArray: the same rows as `__in`, with one statement text for any number of values on PostgreSQL."""

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from weibao.accounts.models import Branch
from weibao.core.lookups import InArray

pytestmark = pytest.mark.django_db


def test_in_array_finds_what_in_finds_with_one_statement_text():
    branches = [Branch.objects.create(code=f"b{i}", name=f"分公司{i}", city="南京") for i in range(5)]
    some = [b.pk for b in branches[:2]]
    more = [b.pk for b in branches[1:]] + [10**12]  # a value that matches nothing
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)  # the statement as sent, placeholders and all
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert set(Branch.objects.filter(InArray(F("pk"), some)).values_list("pk", flat=True)) == set(some)
        found = set(Branch.objects.filter(InArray(F("pk"), iter(more))).values_list("pk", flat=True))
    assert found == set(more[:-1]) == set(Branch.objects.filter(pk__in=more).values_list("pk", flat=True))
    first, second = statements
    if connection.vendor == "postgresql":
        assert first == second  # a prepared statement serves every length
        assert "= ANY(" in first
    else:
        assert first != second  # Django's IN, one placeholder per value


def test_in_array_of_nothing_matches_nothing_without_a_query():
    Branch.objects.create(code="x", name="分公司", city="南京")
    with CaptureQueriesContext(connection) as queries:
        assert list(Branch.objects.filter(InArray(F("pk"), []))) == []
    assert len(queries) == 0
