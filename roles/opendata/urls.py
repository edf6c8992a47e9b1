from django.urls import path

from . import downloads
from .api import api  # Wagtail's API v3, with the project's routers added

urlpatterns = [
    path("api/v3/", api.urls),
    path("data/", downloads.OpenDataView.as_view(), name="open_data"),
    path("data/roles.json", downloads.roles_json, name="open_data_json"),
    path("data/roles.csv", downloads.roles_csv, name="open_data_csv"),
]
