import os

import pytest

from django.core.management import call_command
from django.db import connection, connections
from django.test import Client

from roles.datafile import catalogue as catalogue_module
from roles.models import RolePage

from . import smtp


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
            f"CREATE DATABASE {self._quote(self.name)} TEMPLATE {self._quote(self.database)}",
        )

    def restore(self):
        if self.name is None:
            call_command("load_catalogue", verbosity=0, stdout=open(os.devnull, "w"))
            return
        # Other threads (a live server) may hold connections: FORCE ends them, and Django's
        # connection health checks reconnect on their next request.
        self._execute(
            f"DROP DATABASE {self._quote(self.database)} WITH (FORCE)",
            f"CREATE DATABASE {self._quote(self.database)} TEMPLATE {self._quote(self.name)}",
        )

    def drop(self):
        if self.name is not None:
            self._execute(f"DROP DATABASE IF EXISTS {self._quote(self.name)}")

    @staticmethod
    def _quote(name):
        return connection.ops.quote_name(name)

    def _execute(self, *statements):
        # CREATE/DROP DATABASE need no open connection to either database, and autocommit.
        connections.close_all()
        with connection._nodb_cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


snapshot = CatalogueSnapshot()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The whole catalogue, loaded once per run; each test runs in a transaction that is
    rolled back, so tests may change or delete it freely."""
    with django_db_blocker.unblock():
        call_command("load_catalogue", verbosity=0, stdout=open(os.devnull, "w"))
        snapshot.take()
    yield
    with django_db_blocker.unblock():
        snapshot.drop()


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
    worker processes). Each such test empties the database when it ends, so the catalogue is
    restored from the snapshot where an earlier one left nothing."""
    if not RolePage.objects.exists():
        snapshot.restore()
