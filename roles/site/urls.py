from django.urls import path

from . import views

urlpatterns = [
    path("sitemap.xml", views.sitemap, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("lang/<str:language>/", views.switch_language, name="switch_language"),
]
