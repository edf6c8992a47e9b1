import fcntl
import os
import tempfile
from pathlib import Path

import pytest

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client, TransactionTestCase
from django.utils import translation

from roles.datafile import catalogue as catalogue_module
from roles.models import RolePage
from roles.site import caching

from . import smtp
from .browser import chromium  # noqa: F401  (the session's Chromium, behind `browser`)

# Copy a database file by file (a checkpoint, then a directory copy) instead of PostgreSQL 15's
# default of writing every block through the WAL: with the throwaway cluster's fsync off, a copy
# of the 14 MB catalogue database takes ~17 ms instead of ~20-140 ms, and less of the CPU the
# test workers share.
COPY = "STRATEGY FILE_COPY"


class CatalogueSnapshot:
    """The test database with the catalogue loaded, kept as a PostgreSQL template database so
    that a test which committed changes (or emptied the database) gets it back in a fraction of
    a second (CREATE DATABASE … TEMPLATE) instead of loading the catalogue again (~30 s).
    On SQLite it is not available and the catalogue is loaded again instead."""

    def __init__(self):
        self.name = None

    def take(self):
        if connection.vendor != "postgresql":
            return
        self.database = connection.settings_dict["NAME"]
        self.name = f"{self.database}_catalogue"
        self._execute(
            f"DROP DATABASE IF EXISTS {self._quote(self.name)}",
            self.create_from(self.name, self.database),
        )

    def restore(self):
        if self.name is None:
            call_command("load_catalogue", verbosity=0, stdout=open(os.devnull, "w"))
            return
        # Other threads (a live server) may hold connections: FORCE ends them, and Django's
        # connection health checks reconnect on their next request.
        self._execute(
            f"DROP DATABASE {self._quote(self.database)} WITH (FORCE)",
            self.create_from(self.database, self.name),
        )
        # A test that flushed the database (the export-then-load test) had its content types
        # made again, with other ids, and this process keeps content types by id: without
        # this, the next test here read page 11 as a Background.
        ContentType.objects.clear_cache()

    def drop(self):
        if self.name is not None:
            self._execute(f"DROP DATABASE IF EXISTS {self._quote(self.name)}")

    @staticmethod
    def _quote(name):
        return connection.ops.quote_name(name)

    @classmethod
    def create_from(cls, name, template):
        """The statement that makes database `name` a copy of `template`."""
        return f"CREATE DATABASE {cls._quote(name)} TEMPLATE {cls._quote(template)} {COPY}"

    @staticmethod
    def _execute(*statements):
        # CREATE/DROP DATABASE need no open connection to either database, and autocommit.
        connections.close_all()
        with connection._nodb_cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


snapshot = CatalogueSnapshot()


class SharedBuild:
    """With pytest-xdist each worker has its own test database. Migrating it and loading the
    catalogue is the longest step of a run (a minute or more of CPU), so only the first worker
    to get here does it; it then copies its database to a template, and every other worker's
    test database is created from that template (Django's TEST["TEMPLATE"]), after which
    `migrate` finds nothing to do. A file lock orders the workers; the names carry the run's id,
    so a template left by an interrupted run is never taken for this one's."""

    def __init__(self):
        self.lock = None
        self.template = None
        self.building = False

    def before_setup(self, config):
        """Runs before pytest-django creates this worker's test database."""
        from django.conf import settings

        workerinput = getattr(config, "workerinput", None)
        database = settings.DATABASES["default"]
        if workerinput is None or "postgresql" not in database["ENGINE"]:
            return
        run = workerinput["testrunuid"][:12]
        self.lock = open(Path(tempfile.gettempdir()) / f"airoles-tests-{run}.lock", "w")
        # Held until after_setup, or released where this worker's setup fails, so that no other
        # worker waits for ever (pytest_fixture_setup below).
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        self.template = f"{database['NAME']}_catalogue_{run}"
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.template])
            exists = cursor.fetchone() is not None
        if exists:
            database.setdefault("TEST", {})["TEMPLATE"] = self.template
        else:
            self.building = True

    def after_setup(self):
        """Runs once this worker's test database is migrated: loads the catalogue unless it came
        with the template, and, on the first worker, makes that template."""
        if not RolePage.objects.exists():
            call_command("load_catalogue", verbosity=0, stdout=open(os.devnull, "w"))
        if self.building:
            CatalogueSnapshot._execute(
                CatalogueSnapshot.create_from(self.template, connection.settings_dict["NAME"])
            )
        self.release()

    def release(self):
        if self.lock is not None:
            fcntl.flock(self.lock, fcntl.LOCK_UN)
            self.lock.close()
            self.lock = None

    def drop(self):
        # The other workers cloned it when they started; a worker that comes later than this
        # (none does: database tests are handed out first) would build its own.
        if self.building:
            CatalogueSnapshot._execute(
                f"DROP DATABASE IF EXISTS {connection.ops.quote_name(self.template)}"
            )


shared_build = SharedBuild()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, request, django_db_blocker):
    with django_db_blocker.unblock():
        shared_build.before_setup(request.config)


# Tests that start other processes (servers, task workers, a second PostgreSQL) take seconds
# each, much of it waiting on those processes; tests that drive Chromium take seconds of CPU;
# most others take milliseconds.
WAITING_FIXTURES = {"cluster", "postgres", "redis_server"}
BROWSER_FIXTURES = {"browser"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Slow tests first: those that wait on other processes, then those that drive Chromium.
    pytest-django then sorts the tests, stably, into its groups (tests that roll back, then
    tests that commit, then tests without a database; the groups rely on that order), so each
    group keeps this order. xdist (worksteal, Makefile) gives each worker a share in this order
    and idle workers take from the end of the others' shares, so the run ends on short tests:
    with the slowest last, one timed run ended with one worker 28 s on the worker-process tests
    while the others had finished. Waiting tests go before the browser tests because a test
    that waits leaves the CPU to the other workers' tests."""

    def order(item):
        names = set(item.fixturenames)
        return (not WAITING_FIXTURES & names, not BROWSER_FIXTURES & names)

    items.sort(key=order)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    try:
        return (yield)
    except BaseException:
        if fixturedef.argname in ("django_db_modify_db_settings", "django_db_setup"):
            shared_build.release()
        raise


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The whole catalogue, loaded once per run; each test runs in a transaction that is
    rolled back, so tests may change or delete it freely."""
    with django_db_blocker.unblock():
        try:
            shared_build.after_setup()
        finally:
            shared_build.release()
        snapshot.take()
    yield
    with django_db_blocker.unblock():
        snapshot.drop()
        shared_build.drop()


@pytest.fixture(autouse=True)
def forget_refused_clients():
    """The page cache's refusals are kept in the process (roles/site/caching.py): a test that
    made one must not leave it to the next."""
    yield
    caching._refused_until.clear()


@pytest.fixture(autouse=True)
def default_language_afterwards():
    """A request on the English interface leaves English active in this thread (LocaleMiddleware
    activates a language and nothing deactivates it), and a test that reads translated text
    outside a request expects the default language, whichever test ran before it on this
    worker."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def catalogue_data():
    return catalogue_module.read(catalogue_module.DEFAULT_PATH)


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback that Django's SMTP backend sends to."""
    yield from smtp.smtp_server(settings)


@pytest.fixture
def committed_catalogue(transactional_db):
    """The catalogue, committed, for tests that other processes or threads read (a live server,
    worker processes). When the test ends the database is restored from the snapshot, ready for
    the next such test, instead of being emptied (see skip_next_flush)."""
    if not RolePage.objects.exists():
        snapshot.restore()
    yield
    snapshot.restore()
    skip_next_flush()


def skip_next_flush():
    """pytest-django ends a committing test by emptying the database (Django's flush: TRUNCATE
    of every table, then post_migrate's content types and permissions again, ~0.6 s here), after
    which the next committing test would copy the snapshot in again. Every committing test here
    starts from the catalogue (committed_catalogue) and leaves it restored, so the flush after a
    test that has just restored it is skipped: one copy per test instead of a flush and a copy,
    and whatever test comes next on this worker (xdist's worksteal may hand it one that rolls
    back) finds the catalogue as the session's database has it."""
    original = TransactionTestCase._fixture_teardown

    def restore_the_flush(test_case):
        TransactionTestCase._fixture_teardown = original

    TransactionTestCase._fixture_teardown = restore_the_flush
