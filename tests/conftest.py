import pytest

from django.core.management import call_command
from django.test import Client

from roles import catalogue as catalogue_module
from roles.models import RolePage

from . import smtp


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The whole catalogue, loaded once per run; each test runs in a transaction that is
    rolled back, so tests may change or delete it freely."""
    with django_db_blocker.unblock():
        call_command("load_catalogue", verbosity=0, stdout=open("/dev/null", "w"))


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
    loaded again where an earlier one left nothing."""
    if not RolePage.objects.exists():
        call_command("load_catalogue", verbosity=0)
