import datetime as dt

import pytest
from django.utils import timezone

from weibao.dispatch.choices import RosterKind
from weibao.dispatch.selectors import roster_at, roster_week, skills_for_subsystem_kinds, suggest_engineers
from weibao.dispatch.tests.factories import BranchFactory, RegionFactory, RosterEntryFactory, SkillFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(make_user, branch):
    """Two branches; the order is in a region of the Suzhou branch and needs the CCTV skill."""
    suzhou = BranchFactory(code="sz", name="苏州分公司")
    region = RegionFactory(name="苏州市区", branch=suzhou)
    cctv, network = SkillFactory(code="cctv", name="视频监控"), SkillFactory(code="network", name="网络")
    local = make_user("field_engineer", name="本地", branch=suzhou)
    local.skills.set([cctv])
    far = make_user("field_engineer", name="远方", branch=branch)
    far.skills.set([cctv, network])
    idle = make_user("field_engineer", name="闲人", branch=suzhou)
    return {"region": region, "branch": suzhou, "cctv": cctv, "local": local, "far": far, "idle": idle}


def test_region_skill_and_roster_rank_first(setup):
    RosterEntryFactory(engineer=setup["local"])
    result = suggest_engineers(
        branch=setup["branch"], region=setup["region"], skills=[setup["cctv"]], at=timezone.now(), load_by_engineer={}
    )
    assert [s.engineer for s in result][:2] == [setup["local"], setup["idle"]]
    top = result[0]
    assert top.roster_kind == RosterKind.ON_DUTY
    assert top.matched_skills == ("视频监控",)
    assert any("苏州市区" in r for r in top.reasons)
    assert any("视频监控" in r for r in top.reasons)


def test_load_pushes_engineer_down(setup):
    result = suggest_engineers(
        branch=setup["branch"],
        region=setup["region"],
        skills=["cctv"],
        at=timezone.now(),
        load_by_engineer={setup["local"].pk: 5},
    )
    names = [s.engineer for s in result]
    assert names.index(setup["local"]) > names.index(setup["idle"])
    local = next(s for s in result if s.engineer == setup["local"])
    assert local.load == 5
    assert any("5" in r for r in local.reasons)


def test_standby_scores_below_on_duty_and_upcoming_shift_is_noted(setup):
    now = timezone.now()
    RosterEntryFactory(engineer=setup["local"], kind=RosterKind.STANDBY)
    RosterEntryFactory(engineer=setup["idle"])
    RosterEntryFactory(engineer=setup["far"], starts_at=now + dt.timedelta(hours=2))
    result = {
        s.engineer: s for s in suggest_engineers(branch=None, region=None, skills=[], at=now, load_by_engineer={})
    }
    assert result[setup["idle"]].score > result[setup["local"]].score > result[setup["far"]].score
    assert result[setup["far"]].roster_kind is None
    assert result[setup["local"]].roster_kind == RosterKind.STANDBY


def test_only_active_field_engineers_and_limit(setup, duty_engineer, make_user):
    make_user("field_engineer", is_active=False)
    result = suggest_engineers(branch=None, region=None, skills=[], at=timezone.now(), load_by_engineer={}, limit=2)
    assert len(result) == 2
    everyone = suggest_engineers(
        branch=None, region=None, skills=[], at=timezone.now(), load_by_engineer={}, limit=None
    )
    assert duty_engineer not in [s.engineer for s in everyone]
    assert all(s.engineer.is_active for s in everyone)


def test_suggestions_take_constant_queries(setup, make_user, django_assert_max_num_queries):
    for i in range(20):
        RosterEntryFactory(engineer=make_user("field_engineer", name=f"工程师{i}"))
    with django_assert_max_num_queries(4):
        result = suggest_engineers(
            branch=setup["branch"], region=setup["region"], skills=["cctv"], at=timezone.now(), load_by_engineer={}
        )
        [s.reasons for s in result]


def test_roster_week_and_roster_at(field_engineer, branch):
    entry = RosterEntryFactory(engineer=field_engineer)
    monday = entry.date - dt.timedelta(days=entry.date.weekday())
    days = dict(roster_week(branch=branch, monday=monday))
    assert len(days) == 7
    assert days[entry.date] == [entry]
    assert list(roster_at(at=timezone.now(), branch=branch)) == [entry]
    assert list(roster_at(at=timezone.now() + dt.timedelta(days=1))) == []


def test_skills_for_subsystem_kinds():
    SkillFactory(code="cctv", name="视频监控")
    assert [s.code for s in skills_for_subsystem_kinds(["surveillance", "other"])] == ["cctv"]
    assert skills_for_subsystem_kinds([]) == []
    SkillFactory(code="network", name="网络")
    assert {s.code for s in skills_for_subsystem_kinds(["surveillance"], category="network")} == {"cctv", "network"}
