"""Partial indexes for a site's briefing: latest open and latest finished orders."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("workorders", "0008_search_keys")]

    operations = [
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                condition=models.Q(
                    (
                        "status__in",
                        [
                            "acknowledged",
                            "diagnosing",
                            "dispatched",
                            "escalated",
                            "new",
                            "on_site",
                            "reopened",
                            "waiting_customer",
                        ],
                    )
                ),
                fields=["site", "-id"],
                name="wo_open_site_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                condition=models.Q(("status__in", ["cancelled", "closed", "observing", "resolved"])),
                fields=["site", "-id"],
                name="wo_done_site_idx",
            ),
        ),
    ]
