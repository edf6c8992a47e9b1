from django.urls import path

from . import views

urlpatterns = [
    path("subscribe/", views.SubscribeView.as_view(), name="subscribe"),
    path("subscribe/sent/", views.subscribe_sent, name="subscribe_sent"),
    path("subscribe/confirm/<str:token>/", views.subscription_confirm, name="subscription_confirm"),
    path("subscribe/manage/<str:token>/", views.subscription_manage, name="subscription_manage"),
    path("subscribe/unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
]
