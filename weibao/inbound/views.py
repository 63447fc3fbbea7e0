"""The providers' callback URLs (CSRF-exempt: they are checked by signature instead, see providers.py) and the
triage list of received IM/SMS messages."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from weibao.inbound import providers
from weibao.inbound.crypto import CallbackRefused
from weibao.inbound.models import InboundAccount
from weibao.inbound.services import message_receive, rejection_record

logger = logging.getLogger(__name__)


def _answer(body) -> HttpResponse:
    if isinstance(body, dict):
        return JsonResponse(body)
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


@csrf_exempt  # signed callbacks from the providers: no browser, no cookie; the signature is the check
@require_http_methods(["GET", "POST"])
def callback(request: HttpRequest, provider: str, slug: str) -> HttpResponse:
    account = InboundAccount.objects.filter(provider=provider, slug=slug, enabled=True).first()
    remote = request.META.get("REMOTE_ADDR", "")
    try:
        if account is None:
            raise CallbackRefused("unknown_account", f"{provider}/{slug[:50]}", status=404)
        if request.method == "GET" and provider != "wecom":
            raise CallbackRefused("malformed", "GET is only for WeCom URL verification", status=405)
        result = providers.READERS[provider](request, account)
    except CallbackRefused as refused:
        rejection_record(provider=provider, account=account, refused=refused, remote_addr=remote)
        return JsonResponse({"error": refused.reason}, status=refused.status)
    if isinstance(result, providers.Handshake):
        return _answer(result.body)
    receipt, created = message_receive(account=account, incoming=result)
    if not created:
        logger.info("inbound %s message %s delivered again: already receipt #%s", provider, receipt.message_key,
                    receipt.pk)  # fmt: skip
    # The providers only want a quick 200 (a missing one makes them retry); the answer to the sender goes through
    # the outbox (services._reply).
    if provider == "wecom":
        return _answer("")
    return _answer({"ok": True} if provider == "sms" else {})
