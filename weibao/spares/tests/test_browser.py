"""Issue 14 in a real browser at 375 px (a phone): an engineer opens his order, takes a part from his van from the
order page's parts card, and sees it on the order and in his van's ledger."""

import pytest

from weibao.core.tests.browser import login, screenshot
from weibao.spares import services
from weibao.spares.choices import MoveKind
from weibao.spares.models import Move

pytestmark = pytest.mark.browser


def test_engineer_issues_a_part_from_his_van_on_a_phone(
    phone_page, order_a, van, serial_part, counted_part, manager, field_engineer
):
    services.receive(warehouse=van, part=serial_part, serials=["CAM-0001", "CAM-0002"], actor=manager)
    services.receive(warehouse=van, part=counted_part, quantity=3, actor=manager)
    page = phone_page
    login(page, field_engineer.username)

    # The order page carries the parts card (loaded after the page); it opens the order's parts page.
    page.goto(f"/work-orders/{order_a.pk}/")
    page.wait_for_selector("[data-testid=spares-card]")
    page.click("[data-testid=spares-open]")
    page.wait_for_selector("[data-testid=issue-form]")
    # His van is the default warehouse; a wrong serial is refused with a field error and nothing moves.
    assert page.locator("#id_issue-warehouse option:checked").inner_text() == van.name
    page.select_option("#id_issue-part", str(serial_part.pk))
    page.fill("#id_issue-serials", "CAM-9999")
    page.click("[data-submit=issue]")
    page.wait_for_selector("[data-error-for='issue-serials']")
    assert "CAM-9999" in page.inner_text("[data-error-for='issue-serials']")
    assert not Move.objects.filter(kind=MoveKind.ISSUE).exists()

    page.select_option("#id_issue-part", str(serial_part.pk))
    page.fill("#id_issue-serials", "CAM-0002")
    page.click("[data-submit=issue]")
    page.wait_for_selector("[data-testid=order-parts] [data-part='P-CAM-4MP']")
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "spares-order-parts-375")

    # On the order page: the part, with its serial.
    page.goto(f"/work-orders/{order_a.pk}/")
    card = page.wait_for_selector("[data-testid=spares-card] [data-part='P-CAM-4MP']")
    assert "CAM-0002" in card.inner_text()

    # In his van's ledger: the issue to this order.
    page.goto(f"/spares/ledger/?warehouse={van.pk}")
    row = page.wait_for_selector("[data-testid=ledger] tr[data-kind=issue]")
    assert order_a.number in row.inner_text()
    assert "CAM-0002" in row.inner_text()
    move = Move.objects.get(kind=MoveKind.ISSUE)
    assert (move.warehouse_id, move.workorder_id, move.serials) == (van.pk, order_a.pk, ["CAM-0002"])
