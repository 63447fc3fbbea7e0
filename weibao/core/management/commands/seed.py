"""`weibao seed --demo` / `weibao seed --scale N`: each app contributes a `seed.py` with demo() and scale()."""

import time
from importlib import import_module
from importlib.util import find_spec

from django.core.management.base import BaseCommand, CommandError

# Dependency order: an app's seed may use what the apps before it created.
SEED_APPS = [
    "accounts",
    "customers",
    "assets",
    "contracts",
    "dispatch",
    "workorders",
    "onsite",
    "plans",
    "notifications",
    "feedback",
    "spares",
    "payroll",
    "rma",
    "slareports",
    "inspections",
    "planning",
    "inbound",
    "delivery",
    "labels",
]


class Command(BaseCommand):
    help = "Create demo data (--demo, idempotent) or bulk data for benchmarks (--scale N work orders)."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--demo", action="store_true", help="small realistic data set with demo logins")
        group.add_argument("--scale", type=int, metavar="N", help="bulk data sized for N work orders")
        parser.add_argument("--only", nargs="*", choices=SEED_APPS, help="seed only these apps")

    def handle(self, *args, demo: bool, scale: int | None, only: list[str] | None, **options):
        if scale is not None and scale < 1:
            raise CommandError("--scale must be a positive number of work orders.")
        for app in SEED_APPS:
            if only and app not in only:
                continue
            module_name = f"weibao.{app}.seed"
            if find_spec(module_name) is None:
                continue
            module = import_module(module_name)
            started = time.monotonic()
            if demo:
                module.demo(stdout=self.stdout)
            else:
                module.scale(n=scale, stdout=self.stdout)
            self.stdout.write(f"  {app}: {time.monotonic() - started:.1f}s")
        self.stdout.write(self.style.SUCCESS("Seed complete."))
