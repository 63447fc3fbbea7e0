"""`weibao sla recompute [--calendar ID]`: stored deadlines of running clocks follow calendar changes (issue 21).

`weibao sla preview --contract CODE --severity A --site ID --channel phone --at "2026-09-30 17:50"`.

Prints every deadline of a report made at that moment, with the calendar's reasoning: which days were skipped
(weekend, statutory holiday by name, override) and which make-up working days counted.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from weibao.contracts.choices import IntakeChannel, Severity
from weibao.contracts.clock import local_time
from weibao.contracts.models import Contract
from weibao.contracts.selectors import day_reason, format_duration, sla_preview
from weibao.customers.choices import RegionTier
from weibao.customers.models import Site


class Command(BaseCommand):
    help = (
        "SLA tools. `sla preview`: all deadlines for a report made at a given moment, with reasons. "
        "`sla recompute`: move the stored deadlines of running clocks after a calendar change."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        preview = sub.add_parser("preview", help="deadlines for a report made at --at")
        preview.add_argument("--contract", help="contract number; omitted = SPEC defaults on 7x24")
        preview.add_argument("--severity", default="A", choices=Severity.values)
        preview.add_argument("--site", type=int, help="site id (sets the region tier and must belong to the customer)")
        preview.add_argument("--region-tier", default=None, choices=RegionTier.values)
        preview.add_argument("--channel", default="phone", choices=IntakeChannel.values)
        preview.add_argument("--at", required=True, help='"YYYY-MM-DD HH:MM" in the calendar\'s time zone')
        preview.add_argument("--language", default=None, help="e.g. en or zh-hans")
        recompute = sub.add_parser(
            "recompute", help="recompute the deadlines of running clocks after a calendar change (nightly too)"
        )
        recompute.add_argument("--calendar", type=int, action="append", help="calendar id (repeatable); default all")

    def handle(self, *args, action: str, **options):
        if action == "recompute":
            self.recompute(calendar_ids=options.get("calendar"))
            return
        with translation.override(options.get("language") or translation.get_language()):
            self.preview(**options)

    def recompute(self, *, calendar_ids: list[int] | None) -> None:
        # The deadlines stored on orders belong to workorders (which depends on contracts, not the reverse): the
        # command only hands over, imported on use.
        from weibao.workorders.services import deadlines_recompute

        result = deadlines_recompute(calendar_ids=calendar_ids)
        self.stdout.write(f"Checked {result['checked']} open orders, deadlines moved on {result['changed']}.")

    def preview(self, *, contract, severity, site, region_tier, channel, at, **options):
        found = None
        if contract:
            found = Contract.objects.select_related("calendar", "customer").filter(code=contract).first()
            if found is None:
                raise CommandError(f"No contract {contract!r}.")
        tier = region_tier or RegionTier.CITY
        if site is not None:
            site_row = Site.objects.filter(pk=site).first()
            if site_row is None:
                raise CommandError(f"No site {site}.")
            if found is not None and site_row.customer_id != found.customer_id:
                raise CommandError(f"Site {site} does not belong to the contract's customer.")
            tier = region_tier or site_row.region_tier
        tz = found.calendar.timezone if found is not None else "Asia/Shanghai"
        try:
            start = local_time(at, tz)
        except ValueError as exc:
            raise CommandError(f"Cannot read --at {at!r}: {exc}") from exc
        result = sla_preview(contract=found, severity=severity, region_tier=tier, channel=channel, at=start)
        cal = result.targets.calendar
        out = self.stdout
        out.write(f"Contract:  {found.code + ' ' + found.name if found else '(none: SPEC defaults)'}")
        out.write(f"Calendar:  {result.calendar_name} ({cal.tz})")
        out.write(f"Report:    {start:%Y-%m-%d %H:%M %a}, severity {severity}, channel {channel}, region tier {tier}")
        out.write(f"           {'inside' if result.reported_in_hours else 'outside'} service hours")
        out.write(
            f"Warn at {round(result.targets.warn_ratio * 100)} % of each target; paused in: "
            f"{', '.join(sorted(result.targets.pause_states))}"
        )
        for status in result.flagged_years:
            out.write(
                f"WARNING: holiday data for {status.year} is {status.status}; deadlines in {status.year} may move."
            )
        for c in result.clocks:
            if c.deadline is None:
                out.write(f"\n{c.label}: no clock")
                continue
            due = cal.local(c.deadline)
            warn = cal.local(c.warning)
            out.write(
                f"\n{c.label}: {format_duration(c.target)} -> deadline {due:%Y-%m-%d %H:%M %a}"
                f" (warning {warn:%Y-%m-%d %H:%M})"
            )
            for info in c.skipped:
                out.write(f"    {info.day:%Y-%m-%d %a}  {day_reason(info)}")
