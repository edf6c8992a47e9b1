"""Beyond one machine: two app servers and two task workers on one PostgreSQL (and one Redis).

Instance A takes a subscription (the form, then the link in the confirmation mail); an editor
signs in to the Wagtail admin on instance B and publishes a new role; the subscriber gets exactly
one mail about it, whichever worker takes the task. Everything goes over HTTP and SMTP on
loopback, as between machines; nothing is shared but the database, the cache and the mail relay.
"""

import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from django.db import connection

from roles.choices import DeliveryStatus
from roles.models import Delivery, RoleCategoryPage, RolePage, Subscriber

from .smtp import body, free_port
from .test_admin import role_form

ROOT = Path(__file__).resolve().parent.parent
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

pytestmark = [pytest.mark.deployment, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("several processes on one database need PostgreSQL")


@pytest.fixture
def redis_url(tmp_path):
    """A throwaway redis-server shared by both instances; where there is none, each instance
    keeps its own cache (required in CI, like the browser)."""
    executable = shutil.which("redis-server")
    if executable is None:
        if os.environ.get("REQUIRE_BROWSER") or os.environ.get("CI"):
            pytest.fail("redis-server is required here but was not found (apt-get install redis)")
        yield None
        return
    port = free_port()
    process = subprocess.Popen(
        [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for_port(port, process)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def wait_for_port(port, process, timeout=30):
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"exited with {process.returncode}"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port}")


@pytest.fixture
def cluster(postgres, committed_catalogue, smtp_server, redis_url, tmp_path):
    """Instances A and B (gunicorn) and two task workers, all on the test database."""
    db = connection.settings_dict
    ports = {"A": free_port(), "B": free_port()}
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "airoles.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EMAIL_URL": smtp_server.url,
        "TASKS_BACKEND": "database",
        "SITE_URL": f"http://127.0.0.1:{ports['A']}",
        "PYTHONWARNINGS": "ignore",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    processes = {}
    for name, port in ports.items():
        processes[name] = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "airoles.wsgi", "--workers", "1",
             "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
            cwd=ROOT, env=env,
            stdout=open(tmp_path / f"{name}.log", "w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
    for n in (1, 2):
        processes[f"worker{n}"] = subprocess.Popen(
            [sys.executable, "manage.py", "task_worker", "--no-startup-delay", "--interval", "0.2",
             "--worker-id", f"deployment-w{n}"],
            cwd=ROOT, env=env,
            stdout=open(tmp_path / f"worker{n}.log", "w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        for name, port in ports.items():
            wait_for_port(port, processes[name])
        yield {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


class Visitor:
    """A browser without JavaScript: cookies, forms with their CSRF token, redirects."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path):
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.status, response.geturl(), response.read().decode()

    def post_form(self, path, data):
        """GET the form at `path` for its CSRF token, then POST `data` to it."""
        _status, _url, page = self.get(path)
        fields = {**data, "csrfmiddlewaretoken": CSRF_FIELD.search(page).group(1)}
        request = urllib.request.Request(
            self.base + path, data=urllib.parse.urlencode(fields, doseq=True).encode()
        )
        with self.opener.open(request, timeout=60) as response:
            return response.status, response.geturl(), response.read().decode()


def wait_until(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_subscribe_on_one_instance_publish_on_another_one_mail(
    cluster, smtp_server, redis_url, django_user_model
):
    django_user_model.objects.create_superuser("lead", "lead@example.com", "pw-for-tests")
    a, b = Visitor(cluster["A"]), Visitor(cluster["B"])

    # Instance A: subscribe, then follow the link in the confirmation mail.
    status, url, _page = a.post_form(
        "/subscribe/", {"email": "reader@example.com", "frequency": "immediate"}
    )
    assert status == 200 and url.endswith("/subscribe/sent/")
    [confirmation] = wait_until(lambda: smtp_server.to("reader@example.com"))
    link = re.search(r"http://\S+/subscribe/confirm/\S+/", body(confirmation)).group(0)
    assert link.startswith(cluster["A"])
    # The link opens a page whose button confirms (a mail scanner's GET confirms nothing).
    status, _url, page = a.get(urllib.parse.urlsplit(link).path)
    assert status == 200 and "订阅已确认" not in page
    status, _url, page = a.post_form(urllib.parse.urlsplit(link).path, {})
    assert status == 200 and "订阅已确认" in page
    assert Subscriber.objects.get(email="reader@example.com").status == "confirmed"

    # Instance B: sign in to the admin and publish a new role.
    status, url, _page = b.post_form(
        "/admin/login/", {"username": "lead", "password": "pw-for-tests"}
    )
    assert status == 200 and not url.endswith("/login/"), url
    category = RoleCategoryPage.objects.get(slug="tech-rnd")
    form = role_form(title="多实例测试岗位", slug="multi-instance-role")
    status, _url, page = b.post_form(
        f"/admin/pages/add/roles/rolepage/{category.pk}/", {**form, "action-publish": "1"}
    )
    assert status == 200, page[:2000]
    role = RolePage.objects.get(slug="multi-instance-role")
    assert role.live

    # Exactly one mail, from whichever worker took the task; the ledger agrees.
    subject = "新岗位：多实例测试岗位 · AI岗位图谱"
    wait_until(lambda: [m for m in smtp_server.to("reader@example.com") if m["Subject"] == subject])
    time.sleep(2)  # room for a second worker to send it again, if the ledger let it
    mails = [m for m in smtp_server.to("reader@example.com") if m["Subject"] == subject]
    assert len(mails) == 1
    [delivery] = Delivery.objects.filter(role=role)
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    assert mails[0]["Message-ID"] == f"<delivery-{delivery.pk}@airoles>"

    # The role is on both instances at once; and, with Redis, they share one cache.
    for visitor in (a, b):
        status, _url, page = visitor.get(role.url)
        assert status == 200 and "多实例测试岗位" in page
    if redis_url:
        import redis

        keys = redis.Redis.from_url(redis_url).keys("airoles:*")
        assert keys, "neither instance wrote to the shared cache"
