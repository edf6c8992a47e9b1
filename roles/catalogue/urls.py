from django.urls import path

from . import feeds, views

urlpatterns = [
    path("roles/", views.RoleListView.as_view(), name="role_list"),
    path("company-types/", views.CompanyTypeListView.as_view(), name="company_type_list"),
    path(
        "company-types/<slug:slug>/",
        views.CompanyTypeDetailView.as_view(),
        name="company_type_detail",
    ),
    path("feeds/roles/", feeds.NewRolesFeed(), name="feed_roles"),
    path("feeds/roles/atom/", feeds.NewRolesAtomFeed(), name="feed_roles_atom"),
    path("feeds/categories/<slug:slug>/", feeds.CategoryFeed(), name="feed_category"),
    path("feeds/categories/<slug:slug>/atom/", feeds.CategoryAtomFeed(), name="feed_category_atom"),
    path("feeds/company-types/<slug:slug>/", feeds.CompanyTypeFeed(), name="feed_company_type"),
    path(
        "feeds/company-types/<slug:slug>/atom/",
        feeds.CompanyTypeAtomFeed(),
        name="feed_company_type_atom",
    ),
]
