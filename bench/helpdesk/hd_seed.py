"""Seed django-helpdesk with N tickets (default 100,000) for the side-by-side benchmark."""

import os
import random
import sys
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hd_settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.utils import timezone  # noqa: E402
from helpdesk.models import FollowUp, Queue, Ticket  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
User = get_user_model()
staff, _ = User.objects.get_or_create(username="bench", defaults={"is_staff": True, "is_superuser": True})
staff.set_password("bench-pass-2026")
staff.save()
queues = [Queue.objects.get_or_create(slug=f"q{i}", defaults={"title": f"Queue {i}"})[0] for i in range(5)]
existing = Ticket.objects.count()
rng = random.Random(42)
now = timezone.now()
batch = []
for i in range(existing, N):
    created = now - timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
    batch.append(
        Ticket(
            title=f"Ticket {i} printer on floor {i % 30} is not responding",
            queue=queues[i % 5],
            created=created,
            modified=created,
            submitter_email=f"user{i % 5000}@example.com",
            status=rng.choice([1, 1, 2, 3, 4, 4, 4, 4]),
            priority=rng.randint(1, 5),
            description="The device stopped working after the power cut. " * 3,
            assigned_to=staff if i % 3 == 0 else None,
        )
    )
    if len(batch) == 5000:
        tickets = Ticket.objects.bulk_create(batch)
        FollowUp.objects.bulk_create(
            FollowUp(ticket=t, title="Comment", comment="Checked the cabling.", date=t.created, public=True)
            for t in tickets
        )
        batch = []
        print(f"{i + 1} tickets", flush=True)
if batch:
    tickets = Ticket.objects.bulk_create(batch)
    FollowUp.objects.bulk_create(
        FollowUp(ticket=t, title="Comment", comment="Checked the cabling.", date=t.created, public=True)
        for t in tickets
    )
print(f"{Ticket.objects.count()} tickets in total")
