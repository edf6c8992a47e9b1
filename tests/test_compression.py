"""Gzip for public HTML (roles.site.middleware.PublicGZipMiddleware), never next to a secret."""

import gzip

import pytest

from django.core.cache import cache

from roles.models import RolePage

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def test_public_pages_are_compressed_and_decompress_to_the_same_page(client):
    for url in ("/roles/", "/roles/?category=tech-rnd", "/match/?skill=python"):
        plain = client.get(url)
        packed = client.get(url, **GZIP)
        assert "Content-Encoding" not in plain
        assert packed["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in packed["Vary"]
        assert gzip.decompress(packed.content) == plain.content
        assert len(packed.content) < len(plain.content) / 3
        print(f"{url}: {len(plain.content)} bytes, gzip {len(packed.content)} bytes")


def test_pages_with_a_csrf_token_a_cookie_or_a_session_are_not_compressed(
    client, django_user_model
):
    form = client.get("/subscribe/", **GZIP)
    assert form.status_code == 200 and b"csrfmiddlewaretoken" in form.content
    assert "Content-Encoding" not in form
    user = django_user_model.objects.create_user("reader", password="x-long-password-1")
    client.force_login(user)
    private = client.get("/roles/", **GZIP)
    assert "private" in private["Cache-Control"]
    assert "Content-Encoding" not in private


def test_other_types_are_left_to_their_own_handling(client):
    response = client.get("/api/v3/categories/", **GZIP)
    assert response.status_code == 200 and "Content-Encoding" not in response


def test_a_cached_page_is_compressed_once_until_it_changes(client, settings):
    """The page cache serves the same bytes each time; so does gzip (kept by the page's ETag),
    instead of compressing them again for every visitor, and a published change gets its own."""
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    role = RolePage.objects.get(slug="prompt-engineer")
    first = client.get(role.url, **GZIP)
    second = client.get(role.url, **GZIP)
    assert second["X-Cache"] == "HIT" and second["Content-Encoding"] == "gzip"
    # Django pads each compression with random bytes: equal bytes were compressed once.
    assert second.content == first.content
    assert second["ETag"] == first["ETag"] and second["ETag"].startswith('W/"')
    assert int(second["Content-Length"]) == len(second.content)
    assert gzip.decompress(second.content) == client.get(role.url).content

    role.definition = "压缩之后发布的新定义。"
    role.save_revision().publish()
    changed = client.get(role.url, **GZIP)
    assert changed["ETag"] != first["ETag"]
    assert "压缩之后发布的新定义。" in gzip.decompress(changed.content).decode()
    cache.clear()
