from django.urls import path

from consultation import views

app_name = "consultation"
urlpatterns = [
    path("<slug:slug>/", views.consultation_detail, name="detail"),
]
