"""Pick lists stay cached until staff or branches change; a login changes nothing they show."""

import pytest
from django.contrib.auth.models import update_last_login

from weibao.core.picklists import cached_pick_list

pytestmark = pytest.mark.django_db


def test_a_pick_list_is_rebuilt_when_a_user_or_branch_changes_not_on_login(settings, branch, field_engineer):
    settings.WEIBAO_QUEUE_COUNTS_TTL = 10
    builds = []

    def build():
        builds.append(1)
        return len(builds)

    assert cached_pick_list("test-list", build) == 1
    assert cached_pick_list("test-list", build) == 1  # kept
    update_last_login(None, field_engineer)
    assert cached_pick_list("test-list", build) == 1  # a login shows in no list
    field_engineer.name = "新名字"
    field_engineer.save()
    assert cached_pick_list("test-list", build) == 2
    branch.name = "新分公司"
    branch.save()
    assert cached_pick_list("test-list", build) == 3
    field_engineer.delete()
    assert cached_pick_list("test-list", build) == 4


def test_nothing_is_kept_when_caching_is_off(settings):
    settings.WEIBAO_QUEUE_COUNTS_TTL = 0
    builds = []
    for _ in range(2):
        cached_pick_list("test-list", lambda: builds.append(1))
    assert len(builds) == 2
