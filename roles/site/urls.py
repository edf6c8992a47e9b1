from django.urls import path

from wagtail.contrib.sitemaps.views import sitemap

from . import views
from .sitemaps import SITEMAPS

urlpatterns = [
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("lang/<str:language>/", views.switch_language, name="switch_language"),
]
