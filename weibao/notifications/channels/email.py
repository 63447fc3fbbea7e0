"""Outgoing mail through the default mailer of settings.MAILERS (SMTP, STARTTLS or TLS per its use_tls / use_ssl
options, set from WEIBAO_SMTP_*), HTML with a plain-text part, threaded: every mail about an order carries
References to the order's thread so that the customer's reply comes back into the same order (see intake)."""

import smtplib

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives, mailers

from weibao.notifications.channels.base import PermanentError, TransientError, Transport

# 501 bad address syntax, 550/551/553 mailbox unavailable or not allowed, 552 too large for the recipient.
PERMANENT_CODES = {501, 550, 551, 552, 553}


class EmailTransport(Transport):
    channel = "email"

    def send(self, delivery, *, on_handover=lambda: None) -> str:
        payload = delivery.payload or {}
        headers = {"Message-ID": delivery.message_id, "Auto-Submitted": payload.get("auto_submitted", "auto-generated")}
        if payload.get("in_reply_to"):
            headers["In-Reply-To"] = payload["in_reply_to"]
        if payload.get("references"):
            headers["References"] = " ".join(payload["references"])
        # Ask well-behaved servers not to answer us with out-of-office replies (Exchange honours this).
        headers["X-Auto-Response-Suppress"] = "All"
        message = EmailMultiAlternatives(
            subject=delivery.subject,
            body=delivery.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[delivery.recipient],
            headers=headers,
        )
        if delivery.body_html:
            message.attach_alternative(delivery.body_html, "text/html")
        # Stored files to attach (e.g. the signed service form's PDF): read at send time, not kept in the row.
        for item in payload.get("attachments", []):
            with default_storage.open(item["path"], "rb") as handle:
                message.attach(item["filename"], handle.read(), item.get("content_type", "application/octet-stream"))
        try:
            # settings.MAILERS["default"]: SMTP with STARTTLS/TLS as configured. Connect (and log in) first: a failure
            # there never reached the server; only then is the message handed over (see base.Transport).
            with mailers["default"] as connection:
                on_handover()
                connection.send_messages([message])
        except smtplib.SMTPRecipientsRefused as exc:
            reason = f"recipient refused: {exc.recipients}"
            # 4xx at RCPT is "not now" (greylisting, mailbox busy, over quota for the hour): try again later.
            if exc.recipients and all(400 <= code < 500 for code, _msg in exc.recipients.values()):
                raise TransientError(reason) from exc
            raise PermanentError(reason) from exc
        except smtplib.SMTPResponseException as exc:
            reason = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
            # Only answers about this message or address are final; "TLS/authentication required" (530, 535…) is our
            # configuration, fixed by an administrator, after which the retries go through.
            if exc.smtp_code in PERMANENT_CODES:
                raise PermanentError(reason) from exc
            raise TransientError(reason) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise TransientError(f"mail server unreachable: {exc}") from exc
        return delivery.message_id


TRANSPORT = EmailTransport()
