from django.urls import path

from talklondon import account_views

urlpatterns = [
    path("", account_views.profile, name="profile"),
    path("data/", account_views.data, name="account_data"),
    path("data/download/", account_views.data_download, name="account_data_download"),
    path("delete/", account_views.delete, name="account_delete"),
]
