"""airoles/clients.py: the client's address every per-client limit uses."""

import pytest

from django.test import RequestFactory

from airoles.clients import client_address


def request(remote="192.0.2.10", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    "forwarded", [None, "", "203.0.113.5", "203.0.113.5, 198.51.100.1", "not an address"]
)
def test_without_trusted_proxies_the_header_is_ignored(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request(forwarded=forwarded)) == "192.0.2.10"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        # The last hop is what the one trusted proxy saw; whatever is left of it was sent.
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "203.0.113.5, 198.51.100.7", "198.51.100.7"),
        (1, "forged, 203.0.113.5,198.51.100.7", "198.51.100.7"),
        # Two proxies (a CDN, then the load balancer): the second address from the right.
        (2, "203.0.113.5, 198.51.100.7, 10.0.0.3", "198.51.100.7"),
        # IPv6, normalised.
        (1, "2001:DB8::0001", "2001:db8::1"),
        # Shorter than the proxy count says, empty, or not an address: REMOTE_ADDR.
        (2, "198.51.100.7", "192.0.2.10"),
        (1, "", "192.0.2.10"),
        (1, " , ", "192.0.2.10"),
        (1, "203.0.113.5, <script>", "192.0.2.10"),
        (1, "203.0.113.5, 198.51.100.7:443", "192.0.2.10"),
    ],
)
def test_behind_trusted_proxies_the_nth_address_from_the_right(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_address(request(forwarded=forwarded)) == expected


def test_a_missing_remote_addr_does_not_fail(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request(remote="")) == ""
