"""7x24 cover (issue 18 §3): a branch serving sites under a round-the-clock contract must have somebody on duty or
on standby (备班) at every moment; a hole now or in the next 24 hours is shown on the roster page and the branch's
managers are told (once per hole)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from weibao.dispatch.models import RosterEntry

LOOKAHEAD = dt.timedelta(hours=24)
MIN_GAP = dt.timedelta(minutes=1)
CACHE_SECONDS = 300  # a new 7x24 contract or site shows in the cover warning within five minutes


@dataclass
class CoverGap:
    """A time nobody of `branch_id` is rostered although 7x24 contracts of its regions need them."""

    branch_id: int
    branch: str
    start: dt.datetime
    end: dt.datetime
    regions: list[str] = field(default_factory=list)
    contracts: list[str] = field(default_factory=list)

    @property
    def region(self) -> str:
        return "、".join(self.regions) or self.branch


def round_the_clock_branches(*, on: dt.date) -> dict[int, dict]:
    """Branches serving a site covered by a 7x24 contract in force on `on`: branch id -> names of the regions and
    contract codes (a site's region decides the branch, else its customer's branch). Cached for a few minutes: at
    60,000 sites the site query costs ~90 ms, and the roster page and the cover check ask for it on every view."""
    return cache.get_or_set(
        f"dispatch:round-the-clock:{on.isoformat()}", lambda: _round_the_clock_branches(on), CACHE_SECONDS
    )


def _round_the_clock_branches(on: dt.date) -> dict[int, dict]:
    from weibao.contracts.choices import CalendarKind, ContractStatus
    from weibao.contracts.models import Contract
    from weibao.customers.models import Site

    contracts = list(
        Contract.objects.filter(
            calendar__kind=CalendarKind.ALWAYS, status=ContractStatus.ACTIVE, start_date__lte=on, end_date__gte=on
        ).values_list("pk", "code", "customer_id", "covers_all")
    )
    if not contracts:
        return {}
    by_pk = {pk: code for pk, code, _c, _all in contracts}
    all_sites_of = {customer_id: code for _pk, code, customer_id, covers_all in contracts if covers_all}
    sites = (
        Site.objects.filter(Q(contracts__in=list(by_pk)) | Q(customer_id__in=list(all_sites_of)))
        .values_list(
            "region__branch_id",
            "region__branch__name",
            "region__name",
            "customer__branch_id",
            "customer__branch__name",
            "customer_id",
            "contracts",
        )
        .distinct()
    )
    out: dict[int, dict] = {}
    for region_branch, region_branch_name, region, cust_branch, cust_branch_name, customer_id, contract_pk in sites:
        branch_id = region_branch or cust_branch
        if branch_id is None:
            continue
        entry = out.setdefault(
            branch_id, {"name": region_branch_name or cust_branch_name, "regions": set(), "contracts": set()}
        )
        if region:
            entry["regions"].add(region)
        code = by_pk.get(contract_pk) or all_sites_of.get(customer_id)
        if code:
            entry["contracts"].add(code)
    return out


def _holes(shifts: list[tuple[dt.datetime, dt.datetime]], start: dt.datetime, end: dt.datetime):
    """The parts of [start, end) no shift covers."""
    at = start
    for s, e in sorted(shifts):
        if s > at and s - at >= MIN_GAP:
            yield at, min(s, end)
        at = max(at, e)
        if at >= end:
            return
    if end - at >= MIN_GAP:
        yield at, end


def cover_gaps(*, now: dt.datetime | None = None, branch_id: int | None = None) -> list[CoverGap]:
    """Holes in the 7x24 cover from now to 24 hours ahead (the first hole per branch). Three queries."""
    now = now or timezone.now()
    end = now + LOOKAHEAD
    branches = round_the_clock_branches(on=timezone.localtime(now).date())
    if branch_id is not None:
        branches = {k: v for k, v in branches.items() if k == branch_id}
    if not branches:
        return []
    shifts: dict[int, list] = {b: [] for b in branches}
    rows = RosterEntry.objects.filter(
        branch_id__in=list(branches), starts_at__lt=end, ends_at__gt=now, engineer__is_active=True
    ).values_list("branch_id", "starts_at", "ends_at")
    for b, s, e in rows:
        shifts[b].append((s, e))
    gaps = []
    for b, info in sorted(branches.items()):
        hole = next(_holes(shifts[b], now, end), None)
        if hole is not None:
            gaps.append(
                CoverGap(
                    branch_id=b,
                    branch=info["name"],
                    start=hole[0],
                    end=hole[1],
                    regions=sorted(info["regions"]),
                    contracts=sorted(info["contracts"]),
                )
            )
    return gaps
