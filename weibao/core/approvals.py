"""A priced document the customer approves (报价 → 客户确认), shared by the on-site quote (`onsite.Quote`), the RMA
repair fee including shipping (`rma.RmaFee`) and the parts-sale quote (`spares.PartSale`). No app is named here.

One piece serves all three:
- `PricedDocument` (abstract, no table of its own): tax rate, subtotal, tax, total, the note to the customer, who
  made it, and the customer's answer (when, by whom, through which channel, the name typed, the reason given).
- `clean_tax_rate` and `price_totals`: the one place a tax rate is checked and totals are computed.
- `answer_wanted` / `answer_store`: the customer's yes or no to one version — a second identical answer changes
  nothing, a different answer to an answered or superseded version is refused — and `answerer_name` for who it was.
- `link_recipient` / `answer_link_*`: the signed one-time link (core.action_links) to answer without logging in.

The caller locks what it must (the work order, the RMA case, the sale) and appends its own timeline event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from weibao.core.exceptions import TransitionNotAllowed
from weibao.core.models import VersionedModel
from weibao.core.money import MoneyField

CENT = Decimal("0.01")
MAX_MONEY = Decimal("9999999999.99")
DEFAULT_TAX_RATE = Decimal("0.13")  # VAT on goods and repair services in China


class AnswerChannel(models.TextChoices):
    """How the customer answered a quote or a fee."""

    PORTAL = "portal", gettext_lazy("Customer portal")
    PHONE = "phone", gettext_lazy("Signed on the engineer's phone")
    LINK = "link", gettext_lazy("One-time link")


class LinkChannel(models.TextChoices):
    """Where an approval link was sent."""

    SMS = "sms", gettext_lazy("SMS")
    EMAIL = "email", gettext_lazy("E-mail")
    WECOM = "wecom", gettext_lazy("WeCom")


class PricedDocument(VersionedModel):
    """A priced document the customer approves: amounts, tax and the customer's answer (abstract)."""

    tax_rate = models.DecimalField(gettext_lazy("tax rate"), max_digits=5, decimal_places=4, default=DEFAULT_TAX_RATE)
    subtotal = MoneyField(gettext_lazy("subtotal (CNY)"), default=Decimal("0"))
    tax = MoneyField(gettext_lazy("tax (CNY)"), default=Decimal("0"))
    total = MoneyField(gettext_lazy("total (CNY)"), default=Decimal("0"))
    note = models.TextField(gettext_lazy("note to the customer"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(gettext_lazy("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_via = models.CharField(
        gettext_lazy("answered via"), max_length=10, choices=AnswerChannel.choices, blank=True
    )
    answer_name = models.CharField(gettext_lazy("answered by (name)"), max_length=100, blank=True)
    answer_reason = models.TextField(gettext_lazy("reason given"), blank=True)

    class Meta:
        abstract = True


# --- amounts ------------------------------------------------------------------------------------------------------


def clean_tax_rate(value: Any, *, field: str = "tax_rate") -> Decimal:
    """A tax rate such as 0.13 (empty: the default VAT), at most four decimals, below 1."""
    if value is None or value == "":
        return DEFAULT_TAX_RATE
    try:
        rate = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a rate such as 0.13.")}) from None
    if not rate.is_finite() or not Decimal(0) <= rate < 1 or rate != rate.quantize(Decimal("0.0001")):
        raise ValidationError({field: _("Enter a rate such as 0.13.")})
    return rate


def line_amount(quantity: Decimal | int, unit_price: Decimal) -> Decimal:
    return (Decimal(quantity) * unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


def price_totals(amounts: Iterable[Decimal], tax_rate: Decimal, *, field: str = "lines") -> dict[str, Decimal]:
    """Subtotal, tax (rounded to the cent, half up) and total of the amounts; too large a total is a field error."""
    subtotal = sum(amounts, Decimal("0"))
    tax = (subtotal * tax_rate).quantize(CENT, rounding=ROUND_HALF_UP)
    if subtotal + tax > MAX_MONEY:
        raise ValidationError({field: _("The amount is too large.")})
    return {"subtotal": subtotal, "tax": tax, "total": subtotal + tax}


# --- the customer's answer ----------------------------------------------------------------------------------------


def answerer_name(*, actor, name: Any, via: str, max_length: int = 100) -> str:
    """Who answered: a customer user is themselves unless they type a name; a phone answer recorded by our staff
    and a link answer need the person's name."""
    name = str(name or "").strip()[:max_length] or (actor.name if getattr(actor, "is_customer", False) else "")
    if via in (AnswerChannel.PHONE, AnswerChannel.LINK) and not name:
        raise ValidationError({"name": _("Enter the name of the person answering.")})
    return name


def answer_wanted(
    locked: models.Model,
    *,
    approve: bool,
    pending: str = "pending",
    approved: str = "approved",
    refused: str = "refused",
    open_too: bool = True,
    message: str = "",
) -> str | None:
    """The status the answer sets on the locked document, or None when that answer is recorded already (two tabs, a
    retried request: one approval). Anything but a pending document (`open_too`: and its case still waiting) is
    refused with 409."""
    wanted = approved if approve else refused
    if locked.status == wanted:
        return None
    if locked.status != pending or not open_too:
        raise TransitionNotAllowed(
            current=str(locked.get_status_display()),
            requested=str(dict(locked._meta.get_field("status").choices).get(wanted, wanted)),
            message=message or _("This was already answered or replaced by a newer version."),
        )
    return wanted


def answer_store[D: models.Model](
    locked: D, *, wanted: str, actor, via: str, name: str, reason: str, **changes: Any
) -> D:
    """Record the answer on the locked document (one conditional update, the version bumped) and re-read it."""
    now = timezone.now()
    type(locked).objects.filter(pk=locked.pk).update(
        status=wanted,
        answered_at=now,
        answered_by=actor,
        answered_via=via,
        answer_name=name,
        answer_reason=reason,
        updated_at=now,
        version=models.F("version") + 1,
        **changes,
    )
    locked.refresh_from_db()
    return locked


# --- one-time answer links ----------------------------------------------------------------------------------------


def link_recipient(channel: Any, sent_to: Any) -> tuple[str, str]:
    """Where a link goes: SMS, e-mail or WeCom and an address that fits the channel."""
    channel = str(channel or "")
    if channel not in LinkChannel.values:
        raise ValidationError({"channel": _("Choose SMS, e-mail or WeCom.")})
    sent_to = str(sent_to or "").strip()
    if not sent_to:
        raise ValidationError({"sent_to": _("Enter where to send the link.")})
    if len(sent_to) > 254:
        raise ValidationError({"sent_to": _("At most %(n)s characters.") % {"n": 254}})
    if channel == LinkChannel.EMAIL and "@" not in sent_to:
        raise ValidationError({"sent_to": _("Enter an e-mail address.")})
    return channel, sent_to


def answer_link_create(*, purpose: str, document: models.Model, channel: str, sent_to: str) -> tuple[Any, dict]:
    """A signed, expiring, one-time link offering "approve" and "refuse" for `document`: the link row and the token
    of each answer. Sending it is the caller's after-commit business."""
    from weibao.core.action_links import action_link_create, action_link_token

    link = action_link_create(
        purpose=purpose, target=document, recipient=sent_to, channel=channel, choices=["approve", "refuse"]
    )
    return link, {"approve": action_link_token(link, "approve"), "refuse": action_link_token(link, "refuse")}


def answer_link_check[D: models.Model](
    *, token: str, purpose: str, model: type[D], related: tuple[str, ...] = ()
) -> tuple[D, str]:
    """The document and the answer a link stands for (core.action_links.LinkError when it cannot be used)."""
    from weibao.core.action_links import LinkInvalid, action_link_check

    link, choice = action_link_check(token, purpose=purpose)
    document = model.objects.select_related(*related).filter(pk=link.target_id).first()
    if document is None:
        raise LinkInvalid(link)
    return document, choice


def answer_by_link[T](*, token: str, purpose: str, answer: Callable[[int, bool], T]) -> T:
    """Spend the link and call `answer(document_id, approve)` in the same transaction (a second click: LinkUsed)."""
    from weibao.core.action_links import action_link_use

    return action_link_use(
        token, purpose=purpose, handler=lambda link, choice: answer(link.target_id, choice == "approve")
    )


# --- the public answer page ---------------------------------------------------------------------------------------


def answer_link_page(
    request,
    *,
    token: str,
    check: Callable[[], tuple[Any, str]],
    answer: Callable[..., Any],
    form_class,
    context: Callable[[Any], dict],
    page: str,
    done: str,
):
    """The page behind a one-time link (no login): GET shows the document (`context(document)`) and a form for the
    name; POST answers through `answer(**form.cleaned_data)` and shows `done`. A link that cannot be used any more
    answers 410, a document answered meanwhile 409 (`core/answer_link_refused.html`)."""
    from django.shortcuts import render

    from weibao.core.action_links import LinkError

    refused = "core/answer_link_refused.html"
    try:
        document, choice = check()
    except LinkError as exc:
        return render(request, refused, {"code": exc.code}, status=410)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = answer(**form.cleaned_data)
        except LinkError as exc:
            return render(request, refused, {"code": exc.code}, status=410)
        except TransitionNotAllowed as exc:
            return render(request, refused, {"code": "answered", "message": exc.message}, status=409)
        return render(request, done, context(document))
    return render(
        request,
        page,
        {**context(document), "choice": choice, "form": form},
        status=422 if request.method == "POST" else 200,
    )
