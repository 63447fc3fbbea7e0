"""Demo data of the SLA reports: every demo contract reported monthly (major fault: down longer than 8 hours), the
last complete month's regular report generated and reviewed, so `/sla-reports/` and the regular report show numbers
and charts at once. `scale` gives every contract a monthly schedule (for the generation benchmark). Idempotent."""

from __future__ import annotations

from django.utils import timezone


def demo(*, stdout) -> None:
    from weibao.accounts.models import User
    from weibao.contracts.models import Contract
    from weibao.slareports import services
    from weibao.slareports.models import PeriodicReport, ReportSchedule

    contracts = list(Contract.objects.filter(workorders__isnull=False).distinct().order_by("pk")[:10])
    if not contracts:
        stdout.write("  slareports: no contracts with work orders (seed workorders first)")
        return
    manager = User.objects.filter(username="manager").first()
    made = 0
    start, end = services.last_complete_period("monthly", timezone.localdate())
    for contract in contracts:
        ReportSchedule.objects.get_or_create(
            contract=contract, defaults={"frequency": "monthly", "major_down_hours": 8}
        )
        report, created = services.report_generate(contract=contract, start=start, end=end, frequency="monthly")
        made += created
        if created and manager is not None and report.data["orders_total"] and contract.pk % 2:
            services.report_review(
                report=report,
                actor=manager,
                expected_version=report.version,
                note="本月系统运行总体平稳，重大故障均已在时限内处理。",
            )
    stdout.write(
        f"  slareports: {len(contracts)} contracts scheduled monthly, {made} regular reports generated "
        f"({PeriodicReport.objects.count()} in all)"
    )


def scale(*, n: int, stdout) -> None:
    """A monthly schedule for every contract that has none (the regular reports themselves come from the job)."""
    from weibao.contracts.models import Contract
    from weibao.slareports.models import ReportSchedule

    demo(stdout=stdout)
    missing = Contract.objects.filter(report_schedule__isnull=True).values_list("pk", flat=True).order_by("pk")
    ids = list(missing)
    for i in range(0, len(ids), 5000):
        ReportSchedule.objects.bulk_create(
            [ReportSchedule(contract_id=pk, frequency="monthly") for pk in ids[i : i + 5000]], ignore_conflicts=True
        )
    stdout.write(f"  slareports: {len(ids)} contracts scheduled monthly")
