"""The estate's version: a new one whenever something a pre-visit briefing shows is saved or deleted (devices,
projects and their installers, subsystems, documents, vendors, customers, sites, contacts), so a cached briefing is
never read again after a change. Bumped at once and again when the transaction commits: a briefing another process
built in between, from the rows as they were before the commit, is left under the first new version."""

from django.db import transaction

from weibao.core.shortcache import version_bump, version_of

ESTATE = "estate"


def estate_changed(**kwargs) -> None:
    version_bump(ESTATE)
    transaction.on_commit(lambda: version_bump(ESTATE))


def estate_version() -> int:
    return version_of(ESTATE)
