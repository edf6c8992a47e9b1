from django.urls import path

from . import views

urlpatterns = [
    path("roles/", views.RoleListView.as_view(), name="role_list"),
    path("compare/", views.CompareView.as_view(), name="compare"),
    path("match/", views.MatchView.as_view(), name="match"),
    path("company-types/", views.CompanyTypeListView.as_view(), name="company_type_list"),
    path(
        "company-types/<slug:slug>/",
        views.CompanyTypeDetailView.as_view(),
        name="company_type_detail",
    ),
]
