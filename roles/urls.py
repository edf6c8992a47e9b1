"""The public URLs of every feature, gathered; each feature keeps its own in its folder."""

from django.urls import include, path

urlpatterns = [
    path("", include("roles.site.urls")),
    path("", include("roles.opendata.urls")),
    path("", include("roles.catalogue.urls")),
    path("", include("roles.discovery.urls")),
    path("", include("roles.subscriptions.urls")),
]
