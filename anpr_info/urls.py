from django.urls import path

from anpr_info import views

app_name = "anpr_info"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
