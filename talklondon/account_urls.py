from django.urls import path

from talklondon import account_views

urlpatterns = [
    path("", account_views.profile, name="profile"),
]
