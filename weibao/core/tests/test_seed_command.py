import io

import pytest
from django.core.management import CommandError, call_command

from weibao.accounts.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_accounts_only_is_idempotent():
    out = io.StringIO()
    call_command("seed", "--demo", "--only", "accounts", stdout=out)
    count = User.objects.count()
    call_command("seed", "--demo", "--only", "accounts", stdout=out)
    assert User.objects.count() == count
    assert "Seed complete." in out.getvalue()


def test_seed_refuses_a_non_positive_scale():
    with pytest.raises(CommandError, match="positive"):
        call_command("seed", "--scale", "0", stdout=io.StringIO())


def test_seed_needs_a_mode():
    with pytest.raises(CommandError):
        call_command("seed", stdout=io.StringIO())
