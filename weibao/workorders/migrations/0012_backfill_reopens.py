"""Backfill one Reopen row per reopen already on the timeline (issue 23): the portal's "not fixed" button and a
customer account's reopen came from the customer portal, the system account's reopen was the old automatic rule
(any reply reopened), anything else was staff."""

from django.db import migrations

BATCH = 2000


def forwards(apps, schema_editor):
    Event = apps.get_model("workorders", "WorkOrderEvent")
    Reopen = apps.get_model("workorders", "Reopen")
    User = apps.get_model("accounts", "User")
    system_ids = set(User.objects.filter(username="system").values_list("pk", flat=True))
    customer_ids = set(User.objects.filter(organisation__kind="customer").values_list("pk", flat=True))
    done = set(Reopen.objects.values_list("event_id", flat=True))
    events = (
        Event.objects.filter(kind__in=["reopened", "customer_rejected"], new_status="reopened")
        .order_by("pk")
        .values_list("pk", "workorder_id", "workorder__organisation_id", "kind", "actor_id", "body", "created_at")
    )
    last, rows = 0, []
    while True:
        chunk = list(events.filter(pk__gt=last)[:BATCH])
        if not chunk:
            break
        last = chunk[-1][0]
        for pk, wo_id, org_id, kind, actor_id, body, at in chunk:
            if pk in done:
                continue
            if kind == "customer_rejected" or actor_id in customer_ids:
                source = "customer_portal"
            elif actor_id in system_ids:
                source = "legacy_reply"
            else:
                source = "staff"
            rows.append(Reopen(organisation_id=org_id, workorder_id=wo_id, event_id=pk, source=source, reason=body,
                               reason_code="not_fixed" if kind == "customer_rejected" else "",
                               actor_id=actor_id, reopened_at=at))  # fmt: skip
        Reopen.objects.bulk_create(rows, batch_size=BATCH)
        rows = []


def backwards(apps, schema_editor):
    apps.get_model("workorders", "Reopen").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("workorders", "0011_reopen_and_observation_reply"), ("accounts", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
