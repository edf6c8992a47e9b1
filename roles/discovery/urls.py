from django.urls import path

from . import sharing, shortlist, views

urlpatterns = [
    path("compare/", views.CompareView.as_view(), name="compare"),
    path("match/", views.MatchView.as_view(), name="match"),
    path("shortlist/", shortlist.ShortlistView.as_view(), name="shortlist"),
    path("qr/<path:path>", sharing.qr_code, name="qr_code"),
    path("skills/", views.SkillListView.as_view(), name="skill_list"),
    path("skills/<slug:slug>/", views.SkillDetailView.as_view(), name="skill_detail"),
]
