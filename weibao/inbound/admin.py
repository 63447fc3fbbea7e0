from django import forms
from django.contrib import admin

from weibao.inbound.models import InboundAccount, InboundReceipt, InboundRejection


class InboundAccountForm(forms.ModelForm):
    class Meta:
        model = InboundAccount
        fields = [
            "provider",
            "name",
            "slug",
            "corp_id",
            "agent_id",
            "token",
            "aes_key",
            "secret",
            "secret_env",
            "api_base",
            "enabled",
        ]
        # Pasted from the provider's console; masked on screen (kept on save when left as it is).
        widgets = {
            "token": forms.PasswordInput(render_value=True),
            "aes_key": forms.PasswordInput(render_value=True),
            "secret": forms.PasswordInput(render_value=True),
        }


@admin.register(InboundAccount)
class InboundAccountAdmin(admin.ModelAdmin):
    form = InboundAccountForm
    list_display = ["name", "provider", "slug", "corp_id", "enabled"]
    list_filter = ["provider", "enabled"]
    prepopulated_fields = {"slug": ["name"]}


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(InboundReceipt)
class InboundReceiptAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "account", "sender_name", "sender_id", "mobile", "status", "workorder"]
    list_filter = ["status", "account"]
    search_fields = ["sender_id", "sender_name", "mobile", "text", "message_key"]


@admin.register(InboundRejection)
class InboundRejectionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "provider", "account", "reason", "detail", "remote_addr"]
    list_filter = ["provider", "reason"]
