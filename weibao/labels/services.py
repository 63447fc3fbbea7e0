"""Labels: issue, regenerate and revoke a device's QR label; the scan page's one-time SMS codes; the report a
customer contact files from a scanned label (through the work-order intake service, channel web)."""

from __future__ import annotations

import datetime
import hmac
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from weibao.accounts.permissions import require
from weibao.core.phones import phone_digits, suffix_key
from weibao.labels import conf
from weibao.labels.models import Label, ScanCode

logger = logging.getLogger(__name__)

TOKEN_BYTES = 18  # 144 random bits → 24 URL-safe characters: short enough for a small QR, never guessable
CODE_DIGITS = 6


class LabelUnavailable(Exception):
    """The scanned token names no label, or a revoked one: the page says so (never the device behind it)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code  # "unknown" | "revoked"


# --- labels -------------------------------------------------------------------------------------------------------


def _new_label(device, actor) -> Label:
    return Label(
        organisation_id=device.organisation_id,
        device=device,
        token=secrets.token_urlsafe(TOKEN_BYTES),
        created_by=actor,
    )


@transaction.atomic
def labels_ensure(*, devices: Iterable, actor) -> dict[int, Label]:
    """The label in force of every device, issuing one for each device that has none (a sheet is printed for
    them). Returns {device id: label}. Safe when two people print at once: the partial unique index keeps one
    label in force per device, and the loser reads the winner's."""
    require(actor, "labels.manage")
    devices = list(devices)
    ids = [d.pk for d in devices]
    labels = {lb.device_id: lb for lb in Label.objects.filter(device_id__in=ids, revoked_at__isnull=True)}
    missing = [_new_label(d, actor) for d in devices if d.pk not in labels]
    if missing:
        try:
            with transaction.atomic():
                Label.objects.bulk_create(missing)
        except IntegrityError:
            pass  # a concurrent print issued some of them first; read what is in force now
        else:
            labels.update({lb.device_id: lb for lb in missing})
            return labels
        labels = {lb.device_id: lb for lb in Label.objects.filter(device_id__in=ids, revoked_at__isnull=True)}
    return labels


@transaction.atomic
def labels_revoke(*, devices: Iterable, actor) -> int:
    """Revoke the labels in force of these devices (their stickers stop working); returns how many."""
    require(actor, "labels.manage")
    ids = [d.pk for d in devices]
    revoked = Label.objects.filter(device_id__in=ids, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor, updated_at=timezone.now()
    )
    logger.info("%s revoked %d labels", actor, revoked)
    return revoked


@transaction.atomic
def labels_regenerate(*, devices: Iterable, actor) -> dict[int, Label]:
    """New labels for these devices: the old stickers stop working at once (e.g. copied, or the sheet was lost)."""
    devices = list(devices)
    labels_revoke(devices=devices, actor=actor)
    return labels_ensure(devices=devices, actor=actor)


def label_for_scan(*, token: str) -> Label:
    """The label a scanned URL names, with its device, site, customer and project; LabelUnavailable otherwise.
    Counts the scan (a conditional update, no lock)."""
    token = (token or "").strip()
    label = None
    if 0 < len(token) <= 64:
        label = (
            Label.objects.select_related("device__customer", "device__site", "device__project", "device__vendor")
            .filter(token=token)
            .first()
        )
    if label is None:
        raise LabelUnavailable("unknown")
    if label.revoked_at is not None:
        raise LabelUnavailable("revoked")
    Label.objects.filter(pk=label.pk).update(scans=F("scans") + 1, last_scanned_at=timezone.now())
    return label


# --- one-time SMS codes -------------------------------------------------------------------------------------------


def _code_hash(code: str, code_id_salt: str) -> str:
    # Keyed with the site's secret: a copy of the table alone does not let anyone try the 10^6 codes offline.
    return salted_hmac("weibao.labels.scan-code:" + code_id_salt, code, algorithm="sha256").hexdigest()


def _contact_for(label: Label, phone: str):
    """The contact of the label's customer with this mobile (or phone) number; None if there is none or several
    people share it."""
    from weibao.customers.models import Contact

    digits = phone_digits(phone)
    if len(digits) < 7:
        return None
    contacts = [
        c
        for c in Contact.objects.filter(customer_id=label.device.customer_id)
        if digits in {phone_digits(c.mobile), phone_digits(c.phone)}
    ]
    return contacts[0] if len(contacts) == 1 else None


@dataclass(frozen=True)
class CodeRequest:
    sent: bool  # an SMS is on its way (never told to the person: the page reads the same either way)
    code_id: int


@transaction.atomic
def scan_code_request(
    *, label: Label, phone: str, client_ip: str | None, now: datetime.datetime | None = None
) -> CodeRequest:
    """Send a one-time code to `phone` when it is a contact of the label's customer. Rate-limited per number, per
    label and per client address (ValidationError past a limit); an unknown number is recorded but gets no SMS."""
    from weibao.notifications.choices import Notice
    from weibao.notifications.services import delivery_sms_code

    now = now or timezone.now()
    digits = phone_digits(phone)
    if not (7 <= len(digits) <= 20):
        raise ValidationError({"phone": _("Enter your mobile number.")})
    key = suffix_key(digits)
    since = now - datetime.timedelta(minutes=conf.get("WEIBAO_SCAN_CODE_WINDOW_MINUTES"))
    recent = ScanCode.objects.filter(created_at__gte=since)
    # Locks the label row: parallel requests for one label queue here, so the counts below cannot be overrun.
    Label.objects.select_for_update().filter(pk=label.pk).first()
    if (
        recent.filter(phone_key=key).count() >= conf.get("WEIBAO_SCAN_CODES_PER_PHONE")
        or recent.filter(label=label).count() >= conf.get("WEIBAO_SCAN_CODES_PER_LABEL")
        or (client_ip and recent.filter(client_ip=client_ip).count() >= conf.get("WEIBAO_SCAN_CODES_PER_ADDRESS"))
    ):
        raise ValidationError({"phone": _("Too many codes were asked for. Wait a while, or call our service hotline.")})
    contact = _contact_for(label, digits)
    code = "".join(secrets.choice("0123456789") for _i in range(CODE_DIGITS))
    salt = secrets.token_hex(8)
    row = ScanCode.objects.create(
        label=label,
        contact=contact,
        phone_key=key,
        code_hash=f"{salt}${_code_hash(code, salt)}",
        expires_at=now + datetime.timedelta(minutes=conf.get("WEIBAO_SCAN_CODE_MINUTES")),
        client_ip=client_ip,
    )
    sent = False
    if contact is not None:
        text = _("Your one-time code to report a fault at %(site)s.") % {"site": label.device.site}
        delivery = delivery_sms_code(notice=Notice.SCAN_CODE, phone=digits, params={"code": code}, text=text)
        sent = delivery is not None
        if not sent:
            logger.warning("scan code for label %s not sent: no SMS template or provider", label.pk)
    return CodeRequest(sent=sent, code_id=row.pk)


def scan_code_verify(*, label: Label, phone: str, code: str, now: datetime.datetime | None = None):
    """The contact a correct, unexpired, unused code of this label and number proves; ValidationError otherwise.
    Each wrong try counts against the newest code; past the limit it is dead and a new one must be asked for."""
    contact = _check_code(label=label, phone=phone, code=code, now=now or timezone.now())
    if contact is None:  # raised after the transaction: the counted wrong try stays counted
        raise ValidationError({"code": _("The code is wrong or has expired. Ask for a new one.")})
    return contact


@transaction.atomic
def _check_code(*, label: Label, phone: str, code: str, now: datetime.datetime):
    row = (
        ScanCode.objects.select_for_update()
        .filter(label=label, phone_key=suffix_key(phone), used_at__isnull=True)
        .order_by("-created_at", "-pk")
        .first()
    )
    if row is None or row.expires_at <= now or row.attempts >= conf.get("WEIBAO_SCAN_CODE_ATTEMPTS"):
        return None
    salt, _sep, digest = row.code_hash.partition("$")
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if row.contact_id is None or not hmac.compare_digest(digest, _code_hash(code, salt)):
        ScanCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
        return None
    ScanCode.objects.filter(pk=row.pk).update(used_at=now)
    return row.contact


# --- the report ---------------------------------------------------------------------------------------------------


def scan_reporter_allowed(*, label: Label, user) -> bool:
    """Whether a logged-in user may report through this label: a user of the device's customer, or our staff
    who take reports. Another customer's users and vendors may not (they never see the device)."""
    if not getattr(user, "is_authenticated", False):
        return False
    from weibao.accounts.permissions import has_perm

    if not has_perm(user, "workorders.create"):
        return False
    if user.is_customer:
        return user.organisation_id == label.device.organisation_id
    return user.is_internal


def scan_report_create(
    *,
    label: Label,
    symptom: str,
    severity: str | None = None,
    photos: Sequence[UploadedFile] = (),
    user=None,
    contact=None,
    reporter_phone: str = "",
):
    """A work order for the label's device, pre-filled with its customer, site, project and (through intake's
    entitlement) contract, channel web, reference `label:<id>`. Reported by a logged-in `user` allowed for the
    label, or by a verified `contact` of the device's customer (recorded under the system account, the contact
    as reporter)."""
    from weibao.contracts.choices import IntakeChannel
    from weibao.workorders.services import system_user, workorder_create

    device = label.device
    if label.revoked_at is not None:
        raise PermissionDenied("labels.revoked")
    if user is not None and getattr(user, "is_authenticated", False):
        if not scan_reporter_allowed(label=label, user=user):
            raise PermissionDenied("workorders.create")
        actor = user
    elif contact is not None and contact.customer_id == device.customer_id:
        actor = system_user()
    else:
        raise PermissionDenied("workorders.create")
    return workorder_create(
        actor=actor,
        customer=device.customer,
        site=device.site,
        channel=IntakeChannel.WEB,
        symptom=symptom,
        severity=severity,
        devices=[device],
        attachments=list(photos),
        source_ref=f"label:{label.pk}",
        contact=contact,
        reporter_phone=reporter_phone,
    )
