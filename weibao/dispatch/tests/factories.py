import datetime as dt

import factory
from django.utils import timezone

from weibao.accounts.models import Branch, Region, Skill
from weibao.dispatch.choices import RosterKind
from weibao.dispatch.models import RosterEntry


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"b{n}")
    name = factory.Sequence(lambda n: f"分公司{n}")
    city = "苏州"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"区域{n}")
    branch = factory.SubFactory(BranchFactory)


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"skill{n}")
    name = factory.LazyAttribute(lambda s: f"技能-{s.code}")


class RosterEntryFactory(factory.django.DjangoModelFactory):
    """A shift running now by default (started an hour ago, ends in seven hours)."""

    class Meta:
        model = RosterEntry

    branch = factory.LazyAttribute(lambda e: e.engineer.branch)
    kind = RosterKind.ON_DUTY
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + dt.timedelta(hours=8))
    date = factory.LazyAttribute(lambda e: timezone.localtime(e.starts_at).date())
