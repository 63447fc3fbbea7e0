from django.core.management.base import BaseCommand

from weibao.accounts.choices import Role
from weibao.accounts.models import User
from weibao.accounts.seed import DEMO_PASSWORD, SCALE_PREFIX

PREFERRED = {"admin", "manager", "duty", "field", "clerk", "pm", "customer", "vendor"}


class Command(BaseCommand):
    help = "Print the demo logins, one per role (after `weibao seed --demo`)."

    def handle(self, *args, **options):
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        users = (
            User.objects.filter(is_active=True)
            .exclude(username__startswith=SCALE_PREFIX)
            .select_related("organisation")
            .order_by("username")
        )
        first_by_role: dict[str, User] = {}
        # The seeds' headline logins first (e.g. "manager" rather than "gm" for the service manager).
        for user in sorted(users, key=lambda u: (u.username not in PREFERRED, u.username)):
            first_by_role.setdefault(user.role, user)
        for role in Role:
            user = first_by_role.get(role)
            if user is None:
                self.stdout.write(f"  {role.label:<24} (none yet)")
                continue
            self.stdout.write(f"  {role.label:<24} {user.username:<12} {user.name} ({user.organisation})")
