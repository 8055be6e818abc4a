from django.urls import path
from django.views.generic import RedirectView

from consultation.analysis import staff_views

app_name = "analysis_staff"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="analysis_staff:export_list"), name="index"),
    path("exports/", staff_views.export_list, name="export_list"),
    path("exports/new/", staff_views.export_create, name="export_create"),
    path("exports/<int:pk>/", staff_views.export_detail, name="export_detail"),
    path("exports/<int:pk>/status.json", staff_views.export_status, name="export_status"),
    path("exports/<int:pk>/download/", staff_views.export_download, name="export_download"),
    path("exports/<int:pk>/manifest.json", staff_views.export_manifest, name="export_manifest"),
]
