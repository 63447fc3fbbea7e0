"""The roster's add-shift form is cached by what it shows: a new engineer is offered at once."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_new_engineer_is_offered_at_once_after_the_form_was_cached(client, manager, make_user, branch):
    make_user("field_engineer", name="工程师甲")
    client.force_login(manager)
    assert "工程师甲" in client.get(reverse("dispatch:roster")).content.decode()
    make_user("field_engineer", name="工程师乙")
    body = client.get(reverse("dispatch:roster")).content.decode()
    assert "工程师甲" in body
    assert "工程师乙" in body


def test_a_rejected_shift_keeps_its_own_values_and_errors(client, manager, make_user, branch):
    engineer = make_user("field_engineer", name="工程师甲")
    client.force_login(manager)
    client.get(reverse("dispatch:roster"))  # caches the empty form
    data = {"branch": branch.pk, "engineer": engineer.pk, "date": "2026-12-08", "start": "09:00", "end": "09:00"}
    body = client.post(reverse("dispatch:roster_entry_create"), data, HTTP_HX_REQUEST="true").content.decode()
    assert 'class="errorlist"' in body
    assert 'value="09:00"' in body


def test_on_the_roster_now_shows_a_renamed_engineer_and_a_new_shift_at_once(client, manager, make_user, branch):
    from weibao.dispatch.tests.factories import RosterEntryFactory

    first = make_user("field_engineer", name="值班甲", branch=branch)
    RosterEntryFactory(engineer=first)
    client.force_login(manager)

    def on_duty_now() -> str:
        body = client.get(reverse("dispatch:roster"), {"branch": branch.pk}).content.decode()
        return body.split('data-testid="on-duty-now"', 1)[1].split("</section>", 1)[0]

    assert "值班甲" in on_duty_now()
    first.name = "值班丙"
    first.save()
    RosterEntryFactory(engineer=make_user("field_engineer", name="值班乙", branch=branch))
    shown = on_duty_now()
    assert "值班丙" in shown
    assert "值班乙" in shown
    assert "值班甲" not in shown
