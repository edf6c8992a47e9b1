"""Who is asking: the client's address, the one rule every limit uses (the API throttle, the
subscribe limit, login lockouts).

`X-Forwarded-For` is only as trustworthy as the proxies that wrote it. Each trusted proxy appends
the address it received the request from, so with TRUSTED_PROXY_COUNT = N the client is the N-th
address from the right; anything to the left of it was sent by the client and may be forged.
With N = 0 (the default: gunicorn faces the clients) the header is ignored and REMOTE_ADDR is
the client.
"""

import ipaddress

from django.conf import settings


def _valid(address):
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_address(request):
    """The client's IP address as the trusted proxies saw it; REMOTE_ADDR where the header is
    missing, shorter than the proxy count says, or not an address."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            address = _valid(hops[-proxies])
            if address:
                return address
    return _valid(remote) or remote
