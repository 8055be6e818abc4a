"""Public results pages: /results/<consultation slug>/ and its CSV summary tables."""

from django.urls import path

from consultation.analysis import views

app_name = "results"
urlpatterns = [
    path("<slug:slug>/", views.results_detail, name="detail"),
    path(
        "<slug:slug>/tables/<int:survey_id>/question-<int:number>.csv",
        views.results_table,
        name="table",
    ),
    path(
        "<slug:slug>/tables/<int:survey_id>/question-<int:number>-by-borough.csv",
        views.results_table_by_borough,
        name="table_by_borough",
    ),
]
