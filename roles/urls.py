from django.urls import path

from . import downloads, feeds, views
from .discovery import sharing, shortlist

urlpatterns = [
    path("roles/", views.RoleListView.as_view(), name="role_list"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("lang/<str:language>/", views.switch_language, name="switch_language"),
    path("compare/", views.CompareView.as_view(), name="compare"),
    path("match/", views.MatchView.as_view(), name="match"),
    path("shortlist/", shortlist.ShortlistView.as_view(), name="shortlist"),
    path("qr/<path:path>", sharing.qr_code, name="qr_code"),
    path("company-types/", views.CompanyTypeListView.as_view(), name="company_type_list"),
    path("skills/", views.SkillListView.as_view(), name="skill_list"),
    path("skills/<slug:slug>/", views.SkillDetailView.as_view(), name="skill_detail"),
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
    path("data/", downloads.OpenDataView.as_view(), name="open_data"),
    path("data/roles.json", downloads.roles_json, name="open_data_json"),
    path("data/roles.csv", downloads.roles_csv, name="open_data_csv"),
    path("subscribe/", views.SubscribeView.as_view(), name="subscribe"),
    path("subscribe/sent/", views.subscribe_sent, name="subscribe_sent"),
    path("subscribe/confirm/<str:token>/", views.subscription_confirm, name="subscription_confirm"),
    path("subscribe/manage/<str:token>/", views.subscription_manage, name="subscription_manage"),
    path("subscribe/unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
    path(
        "company-types/<slug:slug>/",
        views.CompanyTypeDetailView.as_view(),
        name="company_type_detail",
    ),
]
