"""The roster week page at scale: the grid and the engineer list are written in Python, with the same markup."""

import datetime as dt
import re

import pytest
from django import forms
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from weibao.dispatch.forms import OptionsSelect, RosterEntryForm
from weibao.dispatch.selectors import monday_of, roster_week, roster_week_rows
from weibao.dispatch.tests.factories import BranchFactory, RosterEntryFactory

pytestmark = pytest.mark.django_db


def _shift(engineer, *, day: dt.date, start: int, hours: int, **kwargs):
    starts_at = timezone.make_aware(dt.datetime.combine(day, dt.time(start)))
    return RosterEntryFactory(
        engineer=engineer, date=day, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=hours), **kwargs
    )


def test_week_grid_shows_each_shift_escaped_with_its_controls(client, manager, make_user):
    today = timezone.localdate()
    night = _shift(
        make_user("field_engineer", name="<i>夜班</i>"),
        day=today,
        start=20,
        hours=12,
        kind="standby",
        note="<b>带钥匙</b>",
    )
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("dispatch:roster")).content.decode()
    section = re.search(rf'<section class="card today" data-day="{today.isoformat()}">.*?</section>', body, re.S)
    assert section is not None
    html = section.group(0)
    assert '<span class="badge badge-info">Standby</span>' in html
    assert "<strong>&lt;i&gt;夜班&lt;/i&gt;</strong>" in html
    assert '<span class="muted">20:00–08:00 (next day)</span>' in html
    assert '<div class="muted">&lt;b&gt;带钥匙&lt;/b&gt;</div>' in html
    assert "<i>" not in html
    assert "<b>" not in html
    assert f'<a href="/dispatch/roster/{night.pk}/edit/">Edit</a>' in html
    assert f'formaction="/dispatch/roster/{night.pk}/delete/"' in html
    # One form for the week's "Remove" buttons (htmx posts to the clicked button's formaction; so does the browser
    # without JavaScript), with the CSRF token once.
    form = re.search(
        r'<form id="roster-remove"[^>]*hx-post=""[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"',
        body,
    )
    assert form is not None
    assert len(form.group(1)) == 64
    assert body.count('name="csrfmiddlewaretoken"') == 5  # remove, add a shift, copy the week, language, log out
    # Every other day of the week is there, empty.
    assert body.count('<li class="muted">Nobody rostered.</li>') == 6


def test_week_grid_has_no_controls_for_engineers(client, field_engineer):
    _shift(field_engineer, day=timezone.localdate(), start=9, hours=8)
    client.force_login(field_engineer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("dispatch:roster")).content.decode()
    assert f"<strong>{field_engineer.name}</strong>" in body
    assert "row-actions" not in body
    assert "/delete/" not in body


def test_roster_page_queries_do_not_grow_with_shifts(client, manager, make_user):
    client.force_login(manager)
    day = timezone.localdate()
    _shift(make_user("field_engineer"), day=day, start=8, hours=8)
    client.get(reverse("dispatch:roster"))  # the 7x24 branches are cached for a few minutes: compare warm with warm
    client.get(reverse("dispatch:roster"))
    with CaptureQueriesContext(connection) as cached:
        client.get(reverse("dispatch:roster"))  # the week unchanged: its cards from the cache, no row read
    assert not [q for q in cached if '"accounts_user"."username" AS' in q["sql"]]  # the engineer options too
    _shift(make_user("field_engineer"), day=day, start=17, hours=2)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("dispatch:roster"))  # a new shift: the week's version changed, the cards are read anew
    for i in range(12):
        _shift(
            make_user("field_engineer"),
            day=day - dt.timedelta(days=day.weekday()) + dt.timedelta(days=i % 7),
            start=6 + i,
            hours=4,
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("dispatch:roster"))
    assert response.content.decode().count('class="row-actions"') == 14
    # Both after new engineers: the week's rows and the engineer options (a pick list, rebuilt when staff change).
    assert len(many) == len(few) == len(cached) + 2


def test_roster_week_rows_match_roster_week(field_engineer, make_user, branch):
    day = timezone.localdate()
    _shift(make_user("field_engineer", name="乙"), day=day, start=8, hours=8)
    _shift(make_user("field_engineer", name="甲", username="jia"), day=day, start=8, hours=8)
    _shift(field_engineer, day=day, start=7, hours=3, note="早")
    monday = monday_of(day)
    models = roster_week(branch=branch, monday=monday)
    rows = roster_week_rows(branch=branch, monday=monday)
    assert [d for d, _ in rows] == [d for d, _ in models]
    for (_, entries), (_, shifts) in zip(models, rows, strict=True):
        assert [(e.pk, e.kind, e.starts_at, e.ends_at, e.note, str(e.engineer)) for e in entries] == [
            (s.pk, s.kind, s.starts_at, s.ends_at, s.note, s.engineer) for s in shifts
        ]
    assert sorted(s.engineer for s in dict(rows)[day]) == sorted([field_engineer.name, "甲", "乙"])


@pytest.mark.parametrize("value", ["", "2", "<x>"])
def test_options_select_renders_like_django_select(value):
    choices = [("", "---------"), (1, "张三 · 总部 · 现场工程师"), (2, 'A & "B" <c>'), ("Group", [(3, "x"), (4, "y")])]
    attrs = {"id": "id_engineer", "required": True, "disabled": False, "data-x": 'a"b'}
    ours = OptionsSelect(choices=choices).render("engineer", value, attrs=attrs)
    django = forms.Select(choices=choices).render("engineer", value, attrs=attrs)
    assert str(ours) == str(django)


def test_engineer_choices_put_the_branch_first_with_labels(make_user, branch):
    other = BranchFactory(name="苏州分公司")
    make_user("field_engineer", name="阿甲", branch=other)
    make_user("duty_engineer", name="乙", branch=branch)
    make_user("field_engineer", name="", username="nobranch", branch=None)
    with translation.override("en"):
        labels = [str(label) for _pk, label in RosterEntryForm(branch=branch).fields["engineer"].choices]
    assert labels[0] == "- Choose -"  # the one blank label (issue 18 §10), in the page's language
    assert labels[1] == "乙 · 总部 · Duty engineer"
    assert "阿甲 · 苏州分公司 · Field engineer" in labels
    assert "nobranch ·  · Field engineer" in labels


def test_roster_picks_the_branch_from_the_listed_ones(client, manager, branch):
    other = BranchFactory(name="苏州分公司")
    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("dispatch:roster")).content.decode()
    assert f"· {branch.name}</h1>" in body
    assert sum('FROM "accounts_branch"' in q["sql"] for q in queries) == 1  # the list, no lookup of its own
    assert f"· {other.name}</h1>" in client.get(reverse("dispatch:roster"), {"branch": other.pk}).content.decode()
    for raw in ("x", "999999"):
        body = client.get(reverse("dispatch:roster"), {"branch": raw}).content.decode()
        assert 'id="roster-body"' not in body


def test_week_grid_speaks_chinese_by_default(client, manager, make_user):
    # The grid is written in Python: its labels must still reach the translation catalogue (none inside f-strings).
    today = timezone.localdate()
    _shift(make_user("field_engineer"), day=today, start=20, hours=12)
    client.force_login(manager)
    body = client.get(reverse("dispatch:roster")).content.decode()
    section = re.search(rf'<section class="card today" data-day="{today.isoformat()}">.*?</section>', body, re.S)
    html = section.group(0)
    assert '<span class="badge badge-info">今天</span>' in html
    assert "次日" in html
    assert "编辑" in html
    assert "无人排班。" in body  # the other days of the week
