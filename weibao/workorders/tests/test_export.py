"""Excel export of the work queue and of contracts, with the filters on screen (issue 18 point 18)."""

import io

import pytest
from openpyxl import load_workbook

from weibao.contracts.tests.factories import ContractFactory
from weibao.contracts.tests.factories import CustomerFactory as ContractCustomerFactory
from weibao.workorders.tests.factories import make_workorder

pytestmark = pytest.mark.django_db


def _sheet(response) -> list[tuple]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content), read_only=True).active
    return list(ws.iter_rows(values_only=True))


def test_queue_export_follows_the_filters(client, manager, site_a, site_b, duty_engineer):
    a = make_workorder(
        site=site_a,
        actor=duty_engineer,
        severity="A",
        reporter_phone="13900497829",
        symptom='=HYPERLINK("http://evil")',
    )
    b = make_workorder(site=site_b, actor=duty_engineer, severity="C")
    client.force_login(manager)
    rows = _sheet(client.get("/work-orders/export.xlsx", {"status": "all"}))
    assert {r[0] for r in rows[1:]} == {a.number, b.number}
    rows = _sheet(client.get("/work-orders/export.xlsx", {"status": "all", "severity": "A"}))
    assert [r[0] for r in rows[1:]] == [a.number]
    assert rows[1][7] == "13900497829"
    assert rows[1][5].startswith("'=")  # a formula typed by a reporter stays text
    rows = _sheet(client.get("/work-orders/export.xlsx", {"q": "7829"}))
    assert [r[0] for r in rows[1:]] == [a.number]


def test_queue_export_is_scoped_for_customers(client, customer_a_user, site_a, site_b, duty_engineer):
    a = make_workorder(site=site_a, actor=duty_engineer)
    make_workorder(site=site_b, actor=duty_engineer)
    client.force_login(customer_a_user)
    rows = _sheet(client.get("/work-orders/export.xlsx", {"status": "all"}))
    assert [r[0] for r in rows[1:]] == [a.number]


def test_queue_export_over_the_cap_asks_to_narrow(client, manager, site_a, duty_engineer, settings):
    settings.WEIBAO_EXPORT_MAX_ROWS = 1
    for _ in range(2):
        make_workorder(site=site_a, actor=duty_engineer)
    client.force_login(manager)
    response = client.get("/work-orders/export.xlsx", {"status": "all"}, follow=True)
    assert response.redirect_chain[-1][0].startswith("/work-orders/?status=all")
    assert "缩小筛选范围" in response.content.decode()


def test_queue_page_links_the_export_with_its_filters(client, manager):
    client.force_login(manager)
    html = client.get("/work-orders/", {"severity": "A"}).content.decode()
    assert 'href="/work-orders/export.xlsx?severity=A"' in html


def test_contract_export(client, manager, customer_a_user, customer_a_org):
    mine = ContractFactory(code="HT-A1", customer=ContractCustomerFactory(organisation=customer_a_org))
    other = ContractFactory(code="HT-B1", name="别家合同")
    client.force_login(manager)
    rows = _sheet(client.get("/contracts/export.xlsx"))
    assert {r[0] for r in rows[1:]} == {mine.code, other.code}
    rows = _sheet(client.get("/contracts/export.xlsx", {"q": "别家"}))
    assert [r[0] for r in rows[1:]] == [other.code]
    client.force_login(customer_a_user)
    rows = _sheet(client.get("/contracts/export.xlsx"))
    assert [r[0] for r in rows[1:]] == [mine.code]
