"""Issue 15, emergency plan and training pages: the plan shown on an A-class order and its steps ticked onto the
timeline, forms with field errors, and scoping (another customer and a vendor get 404 on every page)."""

import pytest

from weibao.planning.models import Attendance, EmergencyPlan
from weibao.workorders.choices import EventKind

pytestmark = pytest.mark.django_db


def test_a_class_order_shows_the_plan_and_a_tick_appends_a_timeline_event(
    client, emergency_plan, a_order, duty_engineer
):
    client.force_login(duty_engineer)
    page = client.get(f"/work-orders/{a_order.pk}/").content.decode()
    assert f"/planning/orders/{a_order.pk}/emergency/" in page
    panel = client.get(f"/planning/orders/{a_order.pk}/emergency/").content.decode()
    assert "核心网络中断应急预案" in panel
    assert 'href="tel:13912345678"' in panel
    step = emergency_plan.steps.order_by("position")[0]
    response = client.post(f"/planning/orders/{a_order.pk}/emergency/steps/{step.pk}/tick/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-done="true"' in response.content.decode()
    assert a_order.events.filter(kind=EventKind.EMERGENCY_STEP_DONE).count() == 1
    timeline = client.get(f"/work-orders/{a_order.pk}/").content.decode()
    assert "确认核心交换机堆叠状态" in timeline


def test_emergency_plan_form_and_drill(client, manager, subsystem_a, customer_a):
    client.force_login(manager)
    assert "核心网络" in client.get(f"/planning/emergency/?customer={customer_a.code}").content.decode()
    url = f"/planning/emergency/systems/{subsystem_a.pk}/new/"
    data = {
        "title": "预案",
        "scope": "全院",
        "triggers": "断网",
        "steps-TOTAL_FORMS": "1",
        "steps-INITIAL_FORMS": "0",
        "steps-0-text": "",
        "contacts-TOTAL_FORMS": "1",
        "contacts-INITIAL_FORMS": "0",
        "contacts-0-side": "ours",
        "contacts-0-name": "张工",
        "contacts-0-phone": "电话",
    }
    bad = client.post(url, data)
    assert bad.status_code == 422
    assert not EmergencyPlan.objects.exists()
    data.update({"steps-0-text": "切换备用链路", "contacts-0-phone": "13800000000"})
    assert client.post(url, data).status_code == 302
    plan = EmergencyPlan.objects.get()
    assert client.post(f"/planning/emergency/{plan.pk}/approve/", {"version": plan.version}).status_code == 302
    drill = client.post(f"/planning/emergency/{plan.pk}/drills/", {"held_on": "2026-01-05", "participants": "张工"})
    assert drill.status_code == 302
    assert "张工" in client.get(f"/planning/emergency/{plan.pk}/").content.decode()


def test_training_pages_attendance_and_phone_sign_in(
    client, manager, training, session, customer_a, customer_b, customer_a_user, contract_a
):
    from weibao.customers.models import Contact

    theirs = Contact.objects.create(customer=customer_b, organisation=customer_b.organisation, name="赵工")
    ours = Contact.objects.create(customer=customer_a, organisation=customer_a.organisation, name="李工")
    client.force_login(manager)
    page = client.get(f"/planning/training/?contract={contract_a.code}").content.decode()
    assert "1 / 3" in page or "1.0 / 3" in page
    url = f"/planning/training/{training.pk}/attendance/"
    assert client.post(url, {"session": session.pk, "contact": theirs.pk}).status_code == 422
    assert not Attendance.objects.exists()
    assert client.post(url, {"session": session.pk, "contact": ours.pk, "feedback_score": "4"}).status_code == 302
    over = client.post(f"/planning/training/{training.pk}/sessions/", {"held_on": "2026-03-09", "days": "5"})
    assert over.status_code == 422
    client.force_login(customer_a_user)
    assert client.get(f"/planning/training/{training.pk}/").status_code == 200
    assert client.post(f"/planning/training/sessions/{session.pk}/sign-in/", {"feedback_score": "5"}).status_code == 302
    assert Attendance.objects.filter(user=customer_a_user, feedback_score=5).exists()


@pytest.mark.parametrize("who", ["customer_b_user", "vendor_user"])
def test_other_organisations_get_404(client, request, emergency_plan, a_order, training, session, who):
    client.force_login(request.getfixturevalue(who))
    step = emergency_plan.steps.first()
    urls = [
        f"/planning/emergency/{emergency_plan.pk}/",
        f"/planning/training/{training.pk}/",
        f"/planning/orders/{a_order.pk}/emergency/",
    ]
    for url in urls:
        assert client.get(url).status_code in ((404,) if who == "customer_b_user" else (403, 404)), url
    posts = [
        f"/planning/training/sessions/{session.pk}/sign-in/",
        f"/planning/orders/{a_order.pk}/emergency/steps/{step.pk}/tick/",
    ]
    for url in posts:
        assert client.post(url).status_code in ((404,) if who == "customer_b_user" else (403, 404)), url
    listed = client.get("/planning/emergency/")
    assert "核心网络中断应急预案" not in listed.content.decode()


@pytest.mark.parametrize("who", ["customer_b_user", "vendor_user"])
def test_every_object_url_is_404_for_other_organisations(
    client, request, emergency_plan, a_order, training, session, subsystem_a, contract_a, manager, assert_scoped, who
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from weibao.planning import services

    material = services.material_add(
        plan=training,
        actor=manager,
        title="讲义",
        upload=SimpleUploadedFile("slides.pdf", b"%PDF-1.4 test", "application/pdf"),
    )
    step = emergency_plan.steps.first()
    client.force_login(request.getfixturevalue(who))
    for url in (
        f"/planning/emergency/{emergency_plan.pk}/",
        f"/planning/emergency/{emergency_plan.pk}/revise/",
        f"/planning/emergency/systems/{subsystem_a.pk}/new/",
        f"/planning/orders/{a_order.pk}/emergency/",
        f"/planning/training/{training.pk}/",
        f"/planning/training/contracts/{contract_a.pk}/new/",
        f"/planning/training/materials/{material.pk}/",
    ):
        assert_scoped(url, client)
    for url in (
        f"/planning/emergency/{emergency_plan.pk}/approve/",
        f"/planning/emergency/{emergency_plan.pk}/drills/",
        f"/planning/orders/{a_order.pk}/emergency/steps/{step.pk}/tick/",
        f"/planning/training/{training.pk}/sessions/",
        f"/planning/training/{training.pk}/attendance/",
        f"/planning/training/{training.pk}/materials/",
        f"/planning/training/sessions/{session.pk}/sign-in/",
    ):
        assert_scoped(url, client, method="post", data={})
