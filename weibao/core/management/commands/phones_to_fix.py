from django.apps import apps
from django.core.management.base import BaseCommand

from weibao.core.phones import phone_fields, to_fix_q


class Command(BaseCommand):
    help = (
        "Count, per table, the stored phone numbers that do not parse (kept as they were by the data migrations "
        "of issue 18 §11). The admin lists them with the filter 'Phone to fix'."
    )

    def add_arguments(self, parser):
        parser.add_argument("--show", type=int, default=0, help="Also print up to N values per table.")

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            fields = phone_fields(model)
            if not fields:
                continue
            qs = model._base_manager.filter(to_fix_q(fields))
            count = qs.count()
            total += count
            self.stdout.write(f"{model._meta.label} ({', '.join(fields)}): {count}")
            for row in qs.order_by("pk").values_list("pk", *fields)[: options["show"]]:
                self.stdout.write(f"  #{row[0]}: {' | '.join(str(v) for v in row[1:])}")
        self.stdout.write(f"Total: {total}")
