"""Two generations of the same plans at once (the nightly job and a plan save, or two workers) make no duplicate
visit: the unique (plan, period) key and ON CONFLICT DO NOTHING. PostgreSQL only (real concurrent transactions)."""

import datetime as dt
import threading

import pytest
from django.db import connection

from weibao.inspections.models import InspectionVisit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_generation_makes_no_duplicates(plan_a):
    from weibao.inspections import services

    InspectionVisit.objects.all().delete()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(services.visits_generate_all(today=dt.date(2026, 1, 1)))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert InspectionVisit.objects.filter(plan=plan_a).count() == 12
    assert sum(results) == 12
