"""The event kinds of issues 11, 21 and 23 together (choices only)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workorders", "0015_onsite_wait_and_charge_reason"),
    ]

    operations = [
        migrations.AlterField(
            model_name="workorderevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Reported"),
                    ("acknowledged", "Acknowledged"),
                    ("diagnosis_started", "Remote diagnosis started"),
                    ("dispatched", "Dispatched"),
                    ("accepted", "Accepted by engineer"),
                    ("arrived", "Arrived on site"),
                    ("resolved", "Resolved"),
                    ("waiting_customer", "Waiting on customer"),
                    ("resumed", "Resumed"),
                    ("escalated", "Escalated to vendor"),
                    ("customer_confirmed", "Customer confirmed the fix"),
                    ("customer_rejected", "Customer rejected the fix"),
                    ("closed", "Closed"),
                    ("reopened", "Reopened"),
                    ("cancelled", "Cancelled"),
                    ("comment", "Comment"),
                    ("updated", "Changed"),
                    ("assigned", "Assigned"),
                    ("work_logged", "Work logged"),
                    ("appointment", "Appointment agreed"),
                    ("plan_recorded", "Solution plan recorded"),
                    ("attachment", "Attachment added"),
                    ("sla_warning", "SLA warning"),
                    ("sla_breach", "SLA breached"),
                    ("legacy_review", "Legacy review"),
                    ("deadlines_recomputed", "Deadlines recalculated"),
                    ("observation_reply", "Customer replied during observation"),
                    ("observation_kept", "Observation continues after a reply"),
                    ("cause_confirmed", "Problem and cause confirmed on site"),
                    ("quote_issued", "Quote sent to the customer"),
                    ("quote_revised", "Quote revised"),
                    ("quote_link_sent", "Quote approval link sent"),
                    ("quote_approved", "Quote approved"),
                    ("quote_refused", "Quote refused"),
                    ("quote_withdrawn", "Quote withdrawn"),
                    ("device_replaced", "Device replaced"),
                    ("backup_recorded", "Backup recorded"),
                    ("change_recorded", "Change carried out"),
                    ("service_form_saved", "Service form saved"),
                    ("service_form_signed", "Service form signed"),
                ],
                max_length=24,
                verbose_name="kind",
            ),
        ),
    ]
