"""The site's home page, at the root and without a namespace (its URL name is "home").

Included by the root URLconf, which names feature apps only through include() strings."""

from django.urls import path

from consultation import views

urlpatterns = [
    path("", views.home, name="home"),
]
