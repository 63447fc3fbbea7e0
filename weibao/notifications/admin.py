from django.contrib import admin

from weibao.notifications.models import (
    Delivery,
    InboundMessage,
    Mailbox,
    NotificationPreference,
    RobotWebhook,
    SmsTemplate,
)


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ["name", "username", "host", "port", "security", "folder", "enabled", "last_polled_at", "failures"]
    readonly_fields = ["uidvalidity", "last_uid", "last_polled_at", "last_error", "failures"]


@admin.register(RobotWebhook)
class RobotWebhookAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "branch", "customer", "min_severity", "enabled"]
    list_filter = ["kind", "enabled"]


@admin.register(SmsTemplate)
class SmsTemplateAdmin(admin.ModelAdmin):
    list_display = ["notice", "template_code", "sign_name", "enabled"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "quiet_start", "quiet_end"]
    raw_id_fields = ["user"]


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    """Received mail is a record: it is read here, changed only through triage."""

    list_display = ["pk", "created_at", "mailbox", "from_address", "subject", "status"]
    list_filter = ["status", "mailbox"]
    search_fields = ["from_address", "subject", "message_id"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["pk", "created_at", "notice", "channel", "recipient", "status", "attempts", "next_try_at"]
    list_filter = ["status", "channel", "notice"]
    search_fields = ["recipient", "message_id"]
    raw_id_fields = ["workorder", "recipient_user", "inbound"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False
