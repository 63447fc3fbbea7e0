from django.core.management.base import BaseCommand, CommandError

from weibao.accounts.services import account_unlock


class Command(BaseCommand):
    help = "Lift the login lockouts of an account: per address (django-axes) and per account (all addresses)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        if not username.strip():
            raise CommandError("Which account?")
        cleared = account_unlock(actor=None, username=username.strip())
        self.stdout.write(f"{username}: unlocked ({cleared} per-address records cleared)")
