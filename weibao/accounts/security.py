"""The client's address as our reverse proxies report it; used by django-axes and the login audit alike."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or behind WEIBAO_PROXY_COUNT trusted proxies the address the outermost of them saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so with N trusted
    proxies the N-th entry from the right is the client; entries further left are client-supplied and forgeable.
    """
    proxies = getattr(settings, "WEIBAO_PROXY_COUNT", 0)
    candidate = request.META.get("REMOTE_ADDR")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            candidate = hops[-proxies] if len(hops) >= proxies else hops[0]
    try:
        return str(ipaddress.ip_address(candidate)) if candidate else None
    except ValueError:
        return None


def user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:300]
