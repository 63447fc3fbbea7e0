"""Queries for customers, sites and contacts; every user-facing list starts from a scoped queryset."""

from django.db.models import Q, QuerySet

from weibao.accounts.scoping import get_for_user, scope_queryset
from weibao.core.phones import parse_phone
from weibao.core.textsearch import search_text_filter
from weibao.customers.models import Contact, Customer, Site


def customer_qs_for(user) -> QuerySet[Customer]:
    return scope_queryset(Customer.objects.select_related("branch", "organisation"), user)


def customer_get_for_user(*, user, pk: int) -> Customer:
    return get_for_user(Customer.objects.select_related("branch", "organisation"), user, pk=pk)


def customer_list(*, user, q: str = "", branch_id: int | None = None) -> QuerySet[Customer]:
    qs = customer_qs_for(user)
    qs = search_text_filter(qs, q)  # trigram-indexed on PostgreSQL (two characters through `search_pairs`)
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    return qs.order_by("name", "pk")


def site_qs_for(user) -> QuerySet[Site]:
    return scope_queryset(Site.objects.select_related("customer", "region"), user)


def site_get_for_user(*, user, pk: int) -> Site:
    return get_for_user(Site.objects.select_related("customer", "region"), user, pk=pk)


def site_list(*, user, customer_id: int | None = None, q: str = "") -> QuerySet[Site]:
    qs = site_qs_for(user)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    qs = search_text_filter(qs, q)
    return qs.order_by("customer__name", "name")


def contact_qs_for(user) -> QuerySet[Contact]:
    return scope_queryset(Contact.objects.select_related("customer", "site"), user)


def contact_get_for_user(*, user, pk: int) -> Contact:
    return get_for_user(Contact.objects.select_related("customer", "site"), user, pk=pk)


def contact_find(*, query: str, user=None, limit: int = 20) -> QuerySet[Contact]:
    """Contacts whose phone, mobile, email or name matches `query` (phone intake: who is calling?).

    Digits match the numbers that contain them (the last digits someone quotes); a whole number in any shape
    ("+86 138-0013-8000", "(025) 5227 1001") matches its canonical form; `user` scopes if given.
    """
    query = (query or "").strip()
    qs = Contact.objects.select_related("customer", "site") if user is None else contact_qs_for(user)
    if not query:
        return qs.none()
    digits = "".join(ch for ch in query if ch.isdigit())
    cond = Q(name__icontains=query) | Q(email__iexact=query)
    if "@" in query:
        cond |= Q(email__icontains=query)
    if len(digits) >= 4:
        cond |= Q(mobile__contains=digits) | Q(phone__contains=digits) | Q(mobile=query) | Q(phone=query)
    if (number := parse_phone(query)) is not None:
        # Stored numbers are canonical: "+86 25 5227 1001" finds 025-52271001 and its extensions.
        cond |= Q(mobile__startswith=number.main) | Q(phone__startswith=number.main)
    return qs.filter(cond).order_by("-is_primary", "name")[:limit]


def customer_for_email(address: str) -> Customer | None:
    """The customer a mail sender belongs to: a contact with that exact address first, then the email domain."""
    address = (address or "").strip().lower()
    if "@" not in address:
        return None
    contact = Contact.objects.select_related("customer").filter(email__iexact=address).order_by("pk").first()
    if contact is not None:
        return contact.customer
    domain = address.rsplit("@", 1)[1]
    # The domain itself or a parent of it (mail.jia.example.cn → jia.example.cn, never a bare "cn"), the most
    # specific first. email_domains is a short comma list; narrow in SQL, then confirm exactly ("ample.com" must not
    # match "example.com").
    labels = domain.split(".")
    candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    if not candidates:
        return None
    query = Q()
    for candidate in candidates:
        query |= Q(email_domains__icontains=candidate)
    matches = list(Customer.objects.filter(query).order_by("pk"))
    for candidate in candidates:
        for customer in matches:
            if candidate in customer.email_domain_list:
                return customer
    return None
