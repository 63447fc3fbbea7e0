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


def test_every_app_with_a_seed_is_seeded_once():
    """A merge once left two SEED_APPS lists, the second silently dropping three apps' demo data."""
    from pathlib import Path

    from django.apps import apps

    from weibao.core.management.commands.seed import SEED_APPS

    with_seed = {
        config.label
        for config in apps.get_app_configs()
        if config.name.startswith("weibao.") and (Path(config.path) / "seed.py").exists()
    }
    assert len(SEED_APPS) == len(set(SEED_APPS))
    assert with_seed <= set(SEED_APPS)
