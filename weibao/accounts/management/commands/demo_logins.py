from django.core.management.base import BaseCommand

from weibao.accounts.models import User
from weibao.accounts.seed import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Print the demo logins, one per role (after `weibao seed --demo`)."

    def handle(self, *args, **options):
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        seen = set()
        users = User.objects.filter(is_active=True).select_related("organisation").order_by("role", "username")
        for user in users:
            if user.role in seen or user.username.startswith("eng"):
                continue
            seen.add(user.role)
            self.stdout.write(f"  {user.get_role_display():<28} {user.username:<12} {user.name} ({user.organisation})")
